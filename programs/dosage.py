"""Dosage in plain words, the way a physio would say it to a patient."""

from collections.abc import Mapping

_TIMES = {1: "once a day", 2: "twice a day", 3: "three times a day"}
_SIDES = {
    "both": "both sides",
    "left": "left side only",
    "right": "right side only",
    "alternating": "alternating sides",
}


def _duration(seconds: int) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def dosage_in_words(dosage: Mapping) -> str:
    """E.g. "3 sets of 10, hold for 20 seconds, twice a day, both sides"."""
    sets, reps = dosage.get("sets", 1), dosage.get("reps", 1)
    minutes = dosage.get("duration_minutes", 0) or 0
    hold, rest = dosage.get("hold_seconds", 0) or 0, dosage.get("rest_seconds", 0) or 0
    times, days = dosage.get("times_per_day", 1), dosage.get("days_per_week", 7)
    parts = []
    if minutes:
        length = _duration(minutes * 60)
        parts.append(length if sets == 1 else f"{sets} rounds of {length}")
    else:
        parts.append(f"{sets} set{'s' if sets != 1 else ''} of {reps}")
    if hold:
        parts.append(f"hold for {_duration(hold)}")
    if rest and (sets > 1 or not minutes):
        parts.append(f"rest {_duration(rest)} between sets")
    parts.append(_TIMES.get(times, f"{times} times a day"))
    if days and days < 7:
        parts.append(f"{days} day{'s' if days != 1 else ''} a week")
    side = _SIDES.get(dosage.get("side", ""))
    if side:
        parts.append(side)
    return ", ".join(parts)
