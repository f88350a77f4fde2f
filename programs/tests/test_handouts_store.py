"""Handout PDFs rendered once per programme version, stored privately and served from the storage; a change
re-renders them in a real worker; a download while a render is pending waits for it."""

import logging
import os
import threading
import time

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import connections

from programs import services
from programs.handout import prepare_handout
from programs.handouts_store import render_lock_key, stored_name
from programs.tests.factories import START, ExerciseFactory, ExerciseImageFactory
from programs.tests.test_media_bucket import printed_by_a_process_with_a_bucket
from programs.tests.test_views import pdf_text
from testing.services import queue_length, wait_until

RENDERED = "Rendered the handout"


@pytest.fixture
def renders(caplog):
    """How many handouts were rendered so far (the store logs each render)."""
    caplog.set_level(logging.INFO, logger="programs.handouts_store")
    return lambda: sum(record.getMessage().startswith(RENDERED) for record in caplog.records)


def stored_files(program) -> list[str]:
    storage = storages["handouts"]
    if not storage.exists(str(program.pk)):
        return []
    return sorted(f"{program.pk}/{name}" for name in storage.listdir(str(program.pk))[1])


def current_name(program) -> str:
    handout = prepare_handout(program)
    return stored_name(program.pk, handout.language, handout.version)


def download(client, program) -> bytes:
    response = client.get(f"/my/programs/{program.pk}/handout.pdf")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="my-exercise-program-{program.pk}.pdf"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    return b"".join(response.streaming_content)


def first_item(program):
    return program.items.current().select_related("exercise").order_by("phase__order", "order").first()


# --- Stored once, served many times -------------------------------------------------------------------------


def test_a_second_download_serves_the_stored_pdf_without_rendering_it_again(client, patient, program, renders):
    client.force_login(patient.user)
    first = download(client, program)
    (name,) = stored_files(program)
    written = os.stat(storages["handouts"].path(name)).st_mtime_ns

    second = download(client, program)

    assert renders() == 1
    assert first == second == storages["handouts"].open(name).read()
    assert first.startswith(b"%PDF-")
    assert stored_files(program) == [name] == [current_name(program)]
    assert os.stat(storages["handouts"].path(name)).st_mtime_ns == written


def test_two_browsers_in_two_languages_each_keep_their_own_file(client, patient, program, renders):
    patient.language = ""  # the handout follows the browser's language
    patient.save()
    client.force_login(patient.user)
    english = client.get(f"/my/programs/{program.pk}/handout.pdf", HTTP_ACCEPT_LANGUAGE="en")
    spanish = client.get(f"/my/programs/{program.pk}/handout.pdf", HTTP_ACCEPT_LANGUAGE="es")
    b"".join(english.streaming_content), b"".join(spanish.streaming_content)
    client.get(f"/my/programs/{program.pk}/handout.pdf", HTTP_ACCEPT_LANGUAGE="en").close()

    assert renders() == 2  # one per language, neither replaced by the other
    assert [name.split("/")[1].split("-")[0] for name in stored_files(program)] == ["en", "es"]


def test_a_file_cut_short_by_a_dead_writer_is_rendered_again(client, patient, program, renders):
    client.force_login(patient.user)
    whole = download(client, program)
    (name,) = stored_files(program)
    storage = storages["handouts"]
    storage.delete(name)
    storage.save(name, ContentFile(whole[: len(whole) // 2]))  # what a crash mid-write leaves

    again = download(client, program)

    assert renders() == 2
    assert again.rstrip().endswith(b"%%EOF") and storage.open(name).read() == again


def test_a_changed_item_is_a_new_version_whose_pdf_shows_the_change_and_the_old_one_is_deleted(
    client, patient, physio, program, renders, tmp_path
):
    client.force_login(patient.user)
    before = download(client, program)
    (old,) = stored_files(program)
    assert "5 sets of 8" not in " ".join(pdf_text(before, tmp_path).split())

    services.update_program_item(item=first_item(program), actor=physio, sets=5, reps=8)
    after = download(client, program)

    assert renders() == 2
    (new,) = stored_files(program)
    assert new != old and new == current_name(program)
    assert "5 sets of 8" in " ".join(pdf_text(after, tmp_path).split())


def test_an_unchanged_download_costs_three_queries_whatever_the_programme_holds(
    client, patient, physio, program, renders, django_assert_max_num_queries
):
    for item in program.items.select_related("exercise"):
        ExerciseImageFactory.create_batch(2, exercise=item.exercise)
    extra = ExerciseFactory.create_batch(4)
    for exercise in extra:
        services.add_program_item(program=program, actor=physio, exercise=exercise, phase=program.current_phase)
    client.force_login(patient.user)
    download(client, program)

    # session, user, programme (with patient, clinic, physio): the version comes from the page cache
    with django_assert_max_num_queries(3):
        download(client, program)
    assert renders() == 1


def test_each_change_the_handout_shows_is_served_at_once_though_its_version_is_cached(
    client, patient, physio, program, renders, tmp_path
):
    """The version is kept in the page cache (programs.handout.current_version); every row it is taken from
    must make the kept one stale, the physio's name (another user's row) and the clinic's number included."""
    client.force_login(patient.user)
    download(client, program)
    physio.first_name, physio.last_name = "Ana", "Quintero"
    physio.save()
    assert "Ana Quintero" in pdf_text(download(client, program), tmp_path)
    clinic = patient.clinic
    clinic.emergency_number = "112"
    clinic.save()
    assert "112" in pdf_text(download(client, program), tmp_path).split()
    exercise = first_item(program).exercise
    exercise.name = "Renamed bridge"
    exercise.save()
    assert "Renamed bridge" in pdf_text(download(client, program), tmp_path)
    services.update_program_item(item=first_item(program), actor=physio, sets=5, reps=8)
    assert "5 sets of 8" in " ".join(pdf_text(download(client, program), tmp_path).split())
    assert renders() == 5


def test_the_version_changes_with_what_the_handout_shows_and_only_with_that(physio, patient, program):
    def version():
        program.refresh_from_db()
        return prepare_handout(program).version

    seen = [version()]
    exercise = first_item(program).exercise
    exercise.cautions = "Numbness in both legs."
    exercise.save()
    seen.append(version())
    clinic = patient.clinic
    clinic.emergency_number = "112"
    clinic.save()
    seen.append(version())
    patient.language = "es"
    patient.save()
    seen.append(version())
    patient.user.first_name = "Renamed"
    patient.user.save()
    seen.append(version())
    services.remove_program_item(item=first_item(program), actor=physio)
    seen.append(version())
    assert len(set(seen)) == len(seen)

    patient.phone = "07700 900123"  # on no handout
    patient.save()
    assert version() == seen[-1]


def test_the_admin_download_is_the_same_stored_file(client, patient, physio, program, renders):
    client.force_login(patient.user)
    patients_copy = download(client, program)
    client.force_login(physio)

    response = client.get(f"/admin/programs/program/{program.pk}/handout.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="program-{program.pk}-handout.pdf"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == patients_copy
    assert renders() == 1


@pytest.mark.parametrize("who", ["other_patient", "patient2"])
def test_another_patient_gets_a_404_and_nothing_is_rendered(request, client, program, who, renders):
    client.force_login(request.getfixturevalue(who).user)
    assert client.get(f"/my/programs/{program.pk}/handout.pdf").status_code == 404
    assert renders() == 0 and stored_files(program) == []


# --- A download while a render is pending ---------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_download_while_the_render_is_pending_waits_and_serves_the_stored_file(
    client, patient, program, settings, cache_redis_url, renders
):
    settings.CACHES = {"default": {"BACKEND": "portal.cache.PortalRedisCache", "LOCATION": cache_redis_url}}
    patient.language = "en-gb"  # the same version whatever language the test thread has active
    patient.save()
    client.force_login(patient.user)
    version = prepare_handout(program).version
    lock = render_lock_key(program.pk, version)
    assert cache.add(lock, 1, timeout=120)  # as a worker rendering this version would
    answers = []

    def download_in_another_thread():
        try:
            answers.append(client.get(f"/my/programs/{program.pk}/handout.pdf"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=download_in_another_thread)
    thread.start()
    time.sleep(1.0)
    assert thread.is_alive() and not answers  # waiting: neither served nor rendered while the lock is held
    holders_pdf = b"%PDF-1.7 stored by the lock holder\n%%EOF\n"
    storages["handouts"].save(stored_name(program.pk, "en-gb", version), ContentFile(holders_pdf))
    cache.delete(lock)
    thread.join(timeout=10)

    (response,) = answers
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == holders_pdf
    assert renders() == 0


# --- Rendered by a worker after a change ----------------------------------------------------------------------


@pytest.mark.redis
def test_a_burst_of_changes_queues_one_render(celery_app, physio, program, django_capture_on_commit_callbacks):
    items = list(program.items.current().order_by("pk")[:3])
    with django_capture_on_commit_callbacks(execute=True):
        for number, item in enumerate(items):
            services.update_program_item(item=item, actor=physio, reps=20 + number)
        services.update_program(program=program, actor=physio, title="Back to running", goals="", start_date=START)

    assert queue_length(celery_app, "celery") == 1


@pytest.mark.worker
@pytest.mark.redis
def test_a_change_is_rendered_by_a_real_worker_and_the_download_finds_it_stored(
    celery_worker, settings, cache_redis_url, client, patient, physio, template, renders
):
    settings.CACHES = {"default": {"BACKEND": "portal.cache.PortalRedisCache", "LOCATION": cache_redis_url}}
    program = services.assign_program(patient=patient, physio=physio, template=template, start_date=START)
    assigned = wait_until(lambda: stored_files(program), what="the worker storing the new programme's handout")
    assert assigned == [current_name(program)]

    services.update_program_item(item=first_item(program), actor=physio, sets=4, reps=6)
    changed = current_name(program)
    wait_until(lambda: stored_files(program) == [changed], what="the worker storing the changed handout")
    assert renders() == 2  # one for the assignment (a burst of saves), one for the change

    client.force_login(patient.user)
    served = download(client, program)
    assert served == storages["handouts"].open(changed).read()
    assert renders() == 2  # the download rendered nothing
    assert not cache.has_key(f"handout-queued:{program.pk}")


# --- Private, on the filesystem and in a bucket ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["private/handouts/1/abc.pdf", "./private/handouts/1/abc.pdf", "exercises/../private/handouts/1/abc.pdf"]
)
def test_media_never_serves_a_private_path(client, db, path):
    default_storage.save("private/handouts/1/abc.pdf", ContentFile(b"%PDF-1.7 a patient's handout"))
    default_storage.save("exercises/public.txt", ContentFile(b"public"))
    assert client.get("/media/exercises/public.txt").status_code == 200
    assert client.get(f"/media/{path}").status_code == 404


def test_in_a_bucket_handouts_are_private_objects_that_media_does_not_serve(
    client, patient, program, s3_storage, settings, renders
):
    settings.STORAGES = {
        **settings.STORAGES,
        "handouts": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"location": "private/handouts"}},
    }
    client.force_login(patient.user)
    pdf = download(client, program)

    key = f"private/handouts/{current_name(program)}"
    assert [item.key for item in s3_storage.bucket.objects.all()] == [key]
    assert s3_storage.open(key).read() == pdf
    assert client.get(f"/media/{key}").status_code == 404
    assert download(client, program) == pdf and renders() == 1


def test_a_process_started_with_a_bucket_named_keeps_handouts_under_private(s3_storage, settings):
    script = (
        "from django.core.files.storage import storages; s = storages['handouts'];"
        "print(type(s).__name__, s.location, s.bucket_name)"
    )
    printed = printed_by_a_process_with_a_bucket(script, settings)
    assert printed == ["S3Storage", "private/handouts", settings.AWS_STORAGE_BUCKET_NAME]
