"""Education in the care plan: the articles a programme asks its patient to read, from a week of it on.

A template carries its reading list (TemplateReading); assigning or duplicating a programme copies it (receivers of
the programs app's signals, connected in articles.apps). The physio changes a programme's list in the programme
editor (the changes go into the programme's history); the patient sees what is due on Today and marks it read.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article, Reading
from programs.models import ProgramChange
from programs.services import record_change


def copy_template_readings(sender, program, **kwargs) -> None:
    """Receiver of programs.signals.program_assigned."""
    if program.template_id:
        readings = program.template.readings.all()
        Reading.objects.bulk_create(Reading(program=program, article_id=r.article_id, week=r.week) for r in readings)


def copy_program_readings(sender, program, source, **kwargs) -> None:
    """Receiver of programs.signals.program_duplicated: the copy's patient has not read anything in it yet."""
    readings = source.readings.all()
    Reading.objects.bulk_create(Reading(program=program, article_id=r.article_id, week=r.week) for r in readings)


def programme_week(program, today) -> int:
    return max((today - program.start_date).days // 7 + 1, 1)


def due_readings(program, today) -> list[Reading]:
    """The published articles due by the programme's current week: unread first, then the most recently read."""
    week = programme_week(program, today)
    return list(
        program.readings.filter(
            week__lte=week, article__status=Article.Status.PUBLISHED, article__published_at__lte=timezone.now()
        )
        .select_related("article")
        .order_by(F("read_at").desc(nulls_first=True), "week", "pk")
    )


def mark_read(*, patient, pk: int) -> Reading:
    """The patient says they read it. Only their own programme's readings (Reading.DoesNotExist otherwise)."""
    reading = Reading.objects.select_related("article").get(pk=pk, program__patient=patient)
    if reading.read_at is None:
        reading.read_at = timezone.now()
        reading.save(update_fields=["read_at"])
    return reading


def _record(reading: Reading, actor, summary: str, before=None, after=None) -> None:
    record_change(
        program=reading.program,
        actor=actor,
        action=ProgramChange.Action.READING,
        summary=summary,
        before=before,
        after=after,
    )


@transaction.atomic
def add_reading(*, program, article: Article, week: int, actor) -> Reading:
    reading = Reading(program=program, article=article, week=week)
    reading.full_clean()
    reading.save()
    _record(reading, actor, f"Added reading “{article.title}” from week {week}", after={"week": week})
    return reading


@transaction.atomic
def change_reading(*, reading: Reading, week: int, actor) -> Reading:
    if week != reading.week:
        before, reading.week = reading.week, week
        reading.full_clean()
        reading.save(update_fields=["week"])
        summary = f"Moved reading “{reading.article.title}” to week {week}"
        _record(reading, actor, summary, before={"week": before}, after={"week": week})
    return reading


@transaction.atomic
def remove_reading(*, reading: Reading, actor) -> None:
    _record(reading, actor, f"Removed reading “{reading.article.title}”", before={"week": reading.week})
    reading.delete()
