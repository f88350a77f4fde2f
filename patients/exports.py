"""The patient's data as files: CSV and JSON exports, and the private iCalendar feed of their routine."""

import csv
import io
import json
import zoneinfo
from datetime import date, datetime, timedelta

from django.utils import timezone

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
    writer.writerow([*session_header, "exercise", "sets", "reps"])
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
        for log in s["exercises"] or [{"exercise": "", "sets_done": "", "reps_done": ""}]:
            writer.writerow([*head, log["exercise"], log["sets_done"], log["reps_done"]])
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


def ical_escape(text: str) -> str:
    """TEXT values: backslash, semicolon and comma are escaped, newlines become a literal \\n."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and a space (never splitting a character)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > limit:
            parts.append(current.decode())
            current, limit = b"", 74  # continuation lines start with a space
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def routine_calendar(*, patient: Patient, program: Program | None, items: list[ProgramItem], host: str) -> str:
    """One event a day at the patient's reminder time (in their time zone) for the current phase's dates.

    Times are written in UTC, computed day by day, so a clock change moves nothing and no VTIMEZONE is needed.
    """
    stamp = _utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{host}//Home exercise routine//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:My exercises",
    ]
    phase = program.current_phase if program else None
    if phase is not None and items:
        zone = zoneinfo.ZoneInfo(patient.timezone)
        description = "\n".join(f"• {item.exercise.name}: {item.dosage_in_words}" for item in items)
        day: date = phase.start_date
        while day <= phase.end_date:
            start = datetime.combine(day, patient.reminder_time, tzinfo=zone)
            lines += [
                "BEGIN:VEVENT",
                f"UID:routine-{phase.pk}-{day:%Y%m%d}@{host}",
                f"DTSTAMP:{stamp}",
                f"DTSTART:{_utc(start)}",
                f"DTEND:{_utc(start + timedelta(minutes=EVENT_MINUTES))}",
                f"SUMMARY:{ical_escape(f'Exercises: {program.title}')}",
                f"DESCRIPTION:{ical_escape(description)}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
            day += timedelta(days=1)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
