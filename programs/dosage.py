"""Dosage in plain words, the way a physio would say it to a patient, in the active language."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

_TIMES = {1: gettext_lazy("once a day"), 2: gettext_lazy("twice a day"), 3: gettext_lazy("three times a day")}
_SIDES = {
    "both": gettext_lazy("both sides"),
    "left": gettext_lazy("left side only"),
    "right": gettext_lazy("right side only"),
    "alternating": gettext_lazy("alternating sides"),
}


def _duration(seconds: int) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}


def dosage_in_words(dosage: Mapping) -> str:
    """E.g. "3 sets of 10, hold for 20 seconds, twice a day, both sides"."""
    sets, reps = dosage.get("sets", 1), dosage.get("reps", 1)
    minutes = dosage.get("duration_minutes", 0) or 0
    hold, rest = dosage.get("hold_seconds", 0) or 0, dosage.get("rest_seconds", 0) or 0
    times, days = dosage.get("times_per_day", 1), dosage.get("days_per_week", 7)
    parts = []
    if minutes:
        length = _duration(minutes * 60)
        parts.append(
            length
            if sets == 1
            else ngettext("%(sets)d round of %(length)s", "%(sets)d rounds of %(length)s", sets)
            % {"sets": sets, "length": length}
        )
    else:
        parts.append(
            ngettext("%(sets)d set of %(reps)d", "%(sets)d sets of %(reps)d", sets) % {"sets": sets, "reps": reps}
        )
    if hold:
        parts.append(_("hold for %(duration)s") % {"duration": _duration(hold)})
    if rest and (sets > 1 or not minutes):
        parts.append(_("rest %(duration)s between sets") % {"duration": _duration(rest)})
    parts.append(
        str(_TIMES[times])
        if times in _TIMES
        else ngettext("%(count)d time a day", "%(count)d times a day", times) % {"count": times}
    )
    if days and days < 7:
        parts.append(ngettext("%(count)d day a week", "%(count)d days a week", days) % {"count": days})
    side = _SIDES.get(dosage.get("side", ""))
    if side:
        parts.append(str(side))
    return ", ".join(parts)
