"""A programme's history in sentences a physio reads at a glance, e.g.
"Hold for Knee to chest: 5 s → 10 s, by Alex Kim, 3 Dec 10:41"."""

import datetime

from django.utils import timezone
from django.utils.formats import date_format

from programs.models import ProgramChange, Side

LABELS = {
    "sets": ("Sets", ""),
    "reps": ("Reps", ""),
    "hold_seconds": ("Hold", " s"),
    "rest_seconds": ("Rest", " s"),
    "times_per_day": ("Times a day", ""),
    "days_per_week": ("Days a week", ""),
    "duration_minutes": ("Duration", " min"),
    "side": ("Side", ""),
    "note": ("Note", ""),
    "order": ("Position", ""),
    "phase_id": ("Phase", ""),
    "title": ("Title", ""),
    "goals": ("Goals", ""),
    "start_date": ("Start", ""),
    "end_date": ("End", ""),
    "week": ("Week", ""),
}


def _shown(name: str, value, phases: dict) -> str:
    if value in (None, ""):
        return "none"
    if name == "phase_id":
        return f"“{phases.get(value, value)}”"
    if name == "side":
        return str(Side(value).label).lower()
    if name in ("start_date", "end_date"):
        return date_format(datetime.date.fromisoformat(value), "j M Y")
    if name in ("note", "goals", "title"):
        return f"“{value}”"
    return f"{value}{LABELS[name][1]}"


def what_changed(change: ProgramChange, phases: dict | None = None) -> str:
    """The change without its author and time; `phases` maps phase ids to titles (for moves between phases)."""
    phases = phases or {}
    fields = [name for name in LABELS if name in change.after and name in change.before]  # jsonb reorders keys
    if not fields:
        return change.summary
    if change.action == ProgramChange.Action.ITEM_UPDATED and change.item_id:
        subject = f" for {change.item.exercise.name}"
    elif change.action == ProgramChange.Action.PHASE_UPDATED:
        subject = " of phase " + change.summary.removeprefix("Changed phase ").rsplit(" (", 1)[0]
    else:
        subject = ""
    parts = [
        f"{LABELS[name][0]}{subject}: {_shown(name, change.before[name], phases)} → "
        f"{_shown(name, change.after[name], phases)}"
        for name in fields
    ]
    return "; ".join(parts)


def sentence(change: ProgramChange, phases: dict | None = None) -> str:
    by = change.actor.get_full_name() or change.actor.email if change.actor else "the portal"
    when = date_format(timezone.localtime(change.at), "j M H:i")
    return f"{what_changed(change, phases)}, by {by}, {when}"
