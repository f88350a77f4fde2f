"""The patient's data as files: CSV and JSON exports, and the private iCalendar feed of their routine."""

import csv
import io
import json
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import icalendar
from django.utils import timezone
from django.utils.translation import gettext

from portal.models import Patient
from programs.models import Program, ProgramItem

# --- CSV ----------------------------------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value):
    """A text cell a spreadsheet would run as a formula (=HYPERLINK(…), +cmd|…) is kept as text instead."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _InertWriter:
    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, row):
        self._writer.writerow([_inert(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def export_csv(data: dict) -> str:
    """One file, one block per kind of record (a title row, a header row, the rows, a blank line). What the
    patient or their physio typed is never a live formula in a spreadsheet."""
    out = io.StringIO()
    writer = _InertWriter(out)
    writer.writerow(["Profile"])
    writer.writerow(["field", "value"])
    writer.writerows(data["profile"].items())
    writer.writerow([])
    writer.writerow(["Programme exercises"])
    writer.writerow(["programme", "status", "start date", "phase", "exercise", "dosage", "note", "removed at"])
    for program in data["programs"]:
        for item in program["items"]:
            writer.writerow(
                [
                    program["title"],
                    program["status"],
                    program["start_date"],
                    item["phase"],
                    item["exercise"],
                    item["dosage"],
                    item["note"],
                    item["removed_at"],
                ]
            )
    writer.writerow([])
    writer.writerow(["Sessions"])
    session_header = ["date", "logged at", "pain before", "pain after", "difficulty", "note", "red flags"]
    exercise_columns = ["sets_done", "reps_done", "minutes_done", "pain", "difficulty", "stopped_for_pain"]
    writer.writerow([*session_header, "exercise", "sets", "reps", "minutes", "exercise pain", "effort", "stopped"])
    for s in data["sessions"]:
        head = [
            s["performed_on"],
            s["logged_at"],
            s["pain_before"],
            s["pain_after"],
            s["difficulty"],
            s["note"],
            "; ".join(s["red_flags"]),
        ]
        for log in s["exercises"] or [{"exercise": ""}]:
            writer.writerow([*head, log["exercise"], *(log.get(name, "") for name in exercise_columns)])
    writer.writerow([])
    writer.writerow(["Check-ins"])
    writer.writerow(["questionnaire", "submitted at", "score", "band", "answers", "red flags"])
    for c in data["check_ins"]:
        writer.writerow(
            [
                c["questionnaire"],
                c["submitted_at"],
                c["score"],
                c["band"],
                json.dumps(c["answers"]),
                "; ".join(c["red_flags"]),
            ]
        )
    return out.getvalue()


def export_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


# --- iCalendar (RFC 5545) -----------------------------------------------------------------------------

EVENT_MINUTES = 20
FIRST_SESSION = time(8, 0)
LAST_SESSION = time(20, 0)
MIN_GAP = timedelta(hours=2)
REFRESH = timedelta(hours=6)


def session_times(reminder: time, count: int) -> list[time]:
    """The day's exercise times for `count` sessions, the first at the patient's reminder time, then in the
    order further sessions are added (a once-a-day exercise is done at the reminder time).

    An afternoon or evening reminder is the day's last session, the others spread back to 8 in the morning; a
    morning reminder is the first, the others spread on to 8 in the evening. Sessions are at least two hours apart.
    """
    day = date(2000, 1, 3)  # any date: only the times matter
    anchor = datetime.combine(day, reminder)
    if count <= 1:
        return [reminder]
    backwards = reminder >= time(12, 0)
    edge = datetime.combine(day, FIRST_SESSION if backwards else LAST_SESSION)
    gap = max(abs(anchor - edge) / (count - 1), MIN_GAP)
    gap = timedelta(minutes=int(gap.total_seconds() // 60))
    moments = [anchor - gap * k if backwards else anchor + gap * k for k in range(count)]
    return [moment.time() for moment in moments if moment.date() == day]


def routine_calendar(*, patient: Patient, program: Program | None, items: list[ProgramItem], host: str) -> bytes:
    """The current phase's routine: one event per prescribed time of day (the most any exercise is done a day),
    each listing the exercises due at it, with an alarm when it starts. The feed is built on every request, so a
    calendar that subscribes to it picks up programme changes at its next refresh (asked for every 6 hours).

    Times are written in UTC, computed day by day, so a clock change moves nothing and no VTIMEZONE is needed.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{host}//Home exercise routine//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", gettext("My exercises"))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    phase = program.current_phase if program else None
    if phase is None or not items:
        return calendar.to_ical()
    zone = zoneinfo.ZoneInfo(patient.timezone)
    stamp = timezone.now()
    times = session_times(patient.reminder_time, max(item.times_per_day for item in items))
    due_at = {  # the k-th time of the day lists the exercises done at least k times a day
        at: "\n".join(f"• {item.exercise.name}: {item.dosage_in_words}" for item in items if item.times_per_day > k)
        for k, at in enumerate(times)
    }
    sessions = [(number, at, due_at[at]) for number, at in enumerate(sorted(times), start=1)]
    day: date = phase.start_date
    while day <= phase.end_date:
        for number, at, description in sessions:
            start = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
            event = icalendar.Event()
            event.add("uid", f"routine-{phase.pk}-{day:%Y%m%d}-{number}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(minutes=EVENT_MINUTES))
            if len(sessions) == 1:
                summary = gettext("Exercises: %(title)s") % {"title": program.title}
            else:
                summary = gettext("Exercises (%(number)s of %(count)s): %(title)s") % {
                    "number": number,
                    "count": len(sessions),
                    "title": program.title,
                }
            event.add("summary", summary)
            event.add("description", description)
            event.add("transp", "TRANSPARENT")
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", timedelta(0))
            event.add_component(alarm)
            calendar.add_component(event)
        day += timedelta(days=1)
    return calendar.to_ical()
