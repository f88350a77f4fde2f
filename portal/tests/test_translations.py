"""The Spanish catalogue: complete, not fuzzy, its placeholders intact, and the committed .mo (which the portal
loads: a machine without gettext never compiles it) holds what the .po says."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(CATALOGUE / "django.po"))


def live(po) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def translations(entry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    untranslated = [entry.msgid for entry in live(po) if not all(translations(entry))]
    fuzzy = [entry.msgid for entry in live(po) if "fuzzy" in entry.flags]
    assert len(live(po)) > 300  # the whole catalogue, not an empty file
    assert untranslated == []
    assert fuzzy == []
    assert not po.metadata_is_fuzzy


def test_every_translation_keeps_the_placeholders_of_its_english(po):
    # The emergency advice says {number} and {department}: a lost placeholder would drop the clinic's number.
    broken = []
    for entry in live(po):
        for index, text in enumerate(translations(entry)):
            english = entry.msgid_plural if entry.msgid_plural and index else entry.msgid
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(english)):
                broken.append((entry.msgid, text))
    assert broken == []


def test_the_compiled_catalogue_matches_the_source(po):
    compiled = polib.mofile(str(CATALOGUE / "django.mo"))
    assert compiled.metadata["Plural-Forms"] == po.metadata["Plural-Forms"]

    def table(entries):
        return {
            (entry.msgctxt, entry.msgid): tuple(translations(entry))
            for entry in entries
            if entry.msgid and not entry.obsolete
        }

    assert table(compiled) == table(po), "run: DEBUG=1 .venv/bin/python manage.py compilemessages -l es"
