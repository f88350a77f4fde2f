"""The README is the front door: every environment variable the settings read is listed in it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_][A-Z0-9_]*)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    assert len(names) > 30
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
