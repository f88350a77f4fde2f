"""Thin Celery tasks of the programs app. They take ids only."""

from celery import shared_task
from django.db import OperationalError

from programs import handouts_store


# Safe to re-run: a version already stored is not rendered again. OSError: the storage was briefly unreachable.
@shared_task(
    name="programs.render_handout",
    bind=True,
    autoretry_for=(OperationalError, OSError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
)
def render_handout(self, program_id: int) -> str | None:
    return handouts_store.prerender_handout(program_id=program_id)
