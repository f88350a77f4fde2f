"""Stored handout PDFs: rendered once per programme version, kept in the private "handouts" storage
(settings.STORAGES, never served by /media/) as `<programme pk>/<language>-<version>.pdf`, and served from there.
One file per language: a patient who has not chosen one gets their browser's, and two browsers in two languages
must not keep replacing each other's file.

A worker renders the new version soon after a programme changes (programs.tasks.render_handout, queued on commit
by the signals connected in programs/apps.py); a download that finds no file for the current version renders
it then. Either way one caller renders a version: it holds a lock in the cache meanwhile, and the others wait for
its file.
"""

import logging
import time

from django.core.cache import cache
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from programs.handout import Handout, current_version, prepare_handout, render_handout_pdf
from programs.models import Program

logger = logging.getLogger(__name__)

LOCK_SECONDS = 120  # far longer than a render (3 s cold); frees the version if its holder died
WAIT_SECONDS = 60.0  # a download waits this long for another caller's render, then renders itself
WORKER_WAIT_SECONDS = 20.0  # the task gives up waiting sooner: its soft time limit is 60 s
POLL_SECONDS = 0.15
QUEUED_SECONDS = 30
RENDER_DELAY_SECONDS = 2  # the rest of a burst of saves (an admin save writes every item) commits meanwhile


def handout_storage() -> Storage:
    return storages["handouts"]


def stored_name(program_id: int, language: str, version: str) -> str:
    return f"{program_id}/{language}-{version}.pdf"


def render_lock_key(program_id: int, version: str) -> str:
    return f"handout-render:{program_id}:{version}"


def queued_key(program_id: int) -> str:
    return f"handout-queued:{program_id}"


def ensure_handout(program: Program, *, wait: float = WAIT_SECONDS) -> str:
    """The storage name of the programme's current handout, rendered and stored first if it is not there.

    The caller that takes the render lock renders; the others wait for it to let go (up to `wait` seconds) and
    find its file. If the cache is unreachable, or the holder seems dead, a caller renders without the lock.
    """
    storage = handout_storage()
    language, version = current_version(program)
    name = stored_name(program.pk, language, version)
    if storage.exists(name) and not cache.has_key(render_lock_key(program.pk, version)):
        return name  # while the lock is held the file may be half written
    handout = prepare_handout(program)  # from the rows, not the cache
    name = stored_name(program.pk, handout.language, handout.version)
    lock = render_lock_key(program.pk, handout.version)
    held = _take_lock(lock, wait)
    try:
        if not storage.exists(name):
            _render_and_store(handout, name, storage)
    finally:
        if held:
            cache.delete(lock)
    return name


def open_handout(program: Program) -> File:
    """The current handout, opened for reading. A newer version saved in between deletes this one: ask again.
    A file cut short (its writer died mid-write: the storage API writes in place) is deleted and rendered again."""
    storage = handout_storage()
    for attempt in range(3):
        name = ensure_handout(program)
        try:
            stored = storage.open(name, "rb")
        except FileNotFoundError:
            continue
        if _complete(stored) or attempt == 2:
            return stored
        stored.close()
        logger.warning("The stored handout %s is incomplete; rendering it again", name)
        storage.delete(name)
    return storage.open(ensure_handout(program), "rb")


def _complete(stored: File) -> bool:
    """A whole PDF ends with its %%EOF marker (and perhaps a line break)."""
    size = stored.size
    stored.seek(max(size - 32, 0))
    tail = stored.read()
    stored.seek(0)
    return size > 0 and b"%%EOF" in tail


def _take_lock(lock: str, wait: float) -> bool:
    """True once this caller holds the lock. False when the holder let go just now (its file is stored, or it
    failed), when the cache is unreachable (add() and has_key() fail open to False) or after `wait` seconds."""
    deadline = time.monotonic() + wait
    while not cache.add(lock, 1, timeout=LOCK_SECONDS):
        if not cache.has_key(lock):
            return False
        if time.monotonic() >= deadline:
            logger.warning("Waited %.0f s for the handout render %s; rendering it here", wait, lock)
            return False
        time.sleep(POLL_SECONDS)
    return True


def _render_and_store(handout: Handout, name: str, storage: Storage) -> None:
    started = time.monotonic()
    pdf = render_handout_pdf(handout)
    saved = storage.save(name, ContentFile(pdf))
    if saved != name:  # a caller without the lock stored this version first; the storage picked another name
        storage.delete(saved)
    logger.info(
        "Rendered the handout of programme %s, version %s, in %.2f s",
        handout.program.pk,
        handout.version,
        time.monotonic() - started,
    )
    delete_handouts(handout.program.pk, keep=name)


def delete_handouts(program_id: int, *, keep: str | None = None) -> int:
    """Delete the programme's stored handouts: every one, or with `keep` the older versions in its language.
    How many were deleted."""
    storage = handout_storage()
    try:
        _folders, files = storage.listdir(str(program_id))
    except FileNotFoundError:  # nothing stored yet (the filesystem has no folder; a bucket lists nothing)
        return 0
    language = keep.rsplit("/", 1)[1].rsplit("-", 1)[0] + "-" if keep else ""
    old = [f"{program_id}/{file}" for file in files if file.startswith(language) and f"{program_id}/{file}" != keep]
    for name in old:
        storage.delete(name)
    return len(old)


def prerender_handout(*, program_id: int) -> str | None:
    """For the worker: store the current version (nothing to do if it is there); a deleted programme's
    handouts are deleted."""
    cache.delete(queued_key(program_id))  # first: a change committed from now on queues another render
    programs = Program.objects.select_related("patient__clinic", "patient__user", "physio")
    program = programs.filter(pk=program_id).first()
    if program is None:
        delete_handouts(program_id)
        return None
    return ensure_handout(program, wait=WORKER_WAIT_SECONDS)


# --- Rendering soon after a change ---------------------------------------------------------------------------


def schedule_render(program_id: int) -> None:
    """Once the transaction commits, queue the render of the programme's handout, once for a burst of changes."""
    transaction.on_commit(lambda: _enqueue(program_id))


def _enqueue(program_id: int) -> None:
    from programs.tasks import render_handout

    if render_handout.app.conf.task_always_eager:
        # No worker (a laptop without a broker): rendering here would hold the save that changed the programme;
        # the next download renders it instead.
        return
    if not cache.add(queued_key(program_id), 1, timeout=QUEUED_SECONDS):
        return  # queued and not started yet: that render will see this change
    try:
        render_handout.apply_async(args=[program_id], countdown=RENDER_DELAY_SECONDS, retry_policy={"max_retries": 2})
    except Exception:
        # Nothing is lost: the next download renders the new version.
        cache.delete(queued_key(program_id))
        logger.exception("Could not queue the handout render of programme %s", program_id)


def render_on(model) -> None:
    """Every save or delete of a `model` row (Program, or a row with a `program`) re-renders the programme's
    handout in a worker. Only schedules work (programs/apps.py): the handout is a copy of the programme."""

    def receiver(instance, raw=False, **kwargs):
        program_id = instance.pk if isinstance(instance, Program) else instance.program_id
        has_patient = instance.patient_id if isinstance(instance, Program) else True
        if raw or program_id is None or not has_patient:
            return
        schedule_render(program_id)

    uid = f"handout-{model._meta.label}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}-save")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
