"""/my/ and /my/progress/ come from the cache until something they show changes, and never from another
patient's copy. Each change below goes through the path a real user takes (a service, the form, the admin)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from patients import services
from patients.tests.test_today_page import items_of, session_post
from portal import pagecache
from programs.models import Exercise
from programs.services import advance_phase, pause_program, update_program_item

TODAY, PROGRESS = "/my/", "/my/progress/"


@pytest.fixture(autouse=True, params=["locmem", "redis"])
def _cache(request, settings):
    """Each test twice: on the in-memory cache of `make demo` and on Redis, as deployed."""
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
        settings.CACHES = {"default": {"BACKEND": "portal.cache.PortalRedisCache", "LOCATION": redis_url}}


@pytest.fixture
def patient_client(client, patient, program):
    client.force_login(patient.user)
    return client


def tokens(html: str) -> tuple[list[str], list[str]]:
    csrf = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    form = re.findall(r'name="token" value="([^"]+)"', html)
    return csrf, form


def page(client, url=TODAY) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    return response.content.decode()


def test_a_repeat_visit_is_one_query_and_gets_fresh_tokens(patient_client, program, django_assert_num_queries):
    first = page(patient_client)
    with django_assert_num_queries(2):  # the session (in the database, to survive Redis outages) and the user
        second = page(patient_client)

    assert items_of(program)[0].exercise.name in second
    (csrf1, form1), (csrf2, form2) = tokens(first), tokens(second)
    assert len(csrf2) == 2 and len(form2) == 1  # the log-out form and the session form
    assert not set(csrf1) & set(csrf2) and form1 != form2
    for placeholder in (pagecache.CSRF_PLACEHOLDER, pagecache.FORM_TOKEN_PLACEHOLDER):
        assert placeholder not in first and placeholder not in second


def test_the_form_of_a_cached_page_logs_a_session_and_the_page_shows_it(patient_client, program, today):
    page(patient_client)
    html = page(patient_client)
    (_csrf, (token,)) = tokens(html)
    response = patient_client.post(TODAY, session_post(program, today, token=token))
    assert response.status_code == 302
    assert "You have logged 1 session today" in page(patient_client)


def test_a_physio_changing_the_dosage_shows_on_the_next_visit(patient_client, program, physio):
    assert "3 sets" not in page(patient_client)
    update_program_item(item=items_of(program)[0], actor=physio, sets=3)
    assert "3 sets" in page(patient_client)


def test_advancing_the_phase_and_pausing_show_on_the_next_visit(patient_client, program, physio):
    first, second = program.phases.order_by("order")[:2]
    assert f'· <span lang="en">{first.title}</span>.' in page(patient_client)
    advance_phase(program=program, actor=physio)  # planned for weeks from now: it starts today instead
    assert f'· <span lang="en">{second.title}</span>.' in page(patient_client)
    pause_program(program=program, actor=physio)
    assert "is paused by your physiotherapist" in page(patient_client)


def test_renaming_an_exercise_in_the_library_shows_on_the_next_visit(patient_client, program):
    page(patient_client)
    exercise = Exercise.objects.get(pk=items_of(program)[0].exercise_id)
    exercise.name = "Gentle pelvic tilt, renamed"
    exercise.save()
    assert "Gentle pelvic tilt, renamed" in page(patient_client)


def test_a_new_name_shows_on_both_pages(patient_client, patient):
    page(patient_client), page(patient_client, PROGRESS)
    services.update_patient(patient=patient, first_name="Rosalind", last_name="Franklin")
    assert "Rosalind" in page(patient_client) and "Rosalind" in page(patient_client, PROGRESS)


def test_a_logged_session_shows_on_the_progress_page(patient_client, log):
    assert "Felt much looser" not in page(patient_client, PROGRESS)
    log(note="Felt much looser")
    assert "Felt much looser" in page(patient_client, PROGRESS)


def test_an_archived_patient_is_refused_even_with_a_cached_page(patient_client, patient, physio):
    page(patient_client)
    services.archive_patients(patients=type(patient).objects.filter(pk=patient.pk), by=physio)
    assert patient_client.get(TODAY).status_code in (302, 404)


def test_a_new_day_renders_the_page_again(patient_client, patient, monkeypatch, today):
    assert f"{today:%A} {today.day} {today:%B %Y}" in page(patient_client)
    tomorrow = today + timedelta(days=1)
    now = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: now)
    patient_client.force_login(patient.user)  # a day later the idle session has ended: log in again
    assert f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}" in page(patient_client)


def test_each_patient_gets_their_own_page(client, patient, other_patient, program):
    client.force_login(patient.user)
    mine = page(client)
    client.force_login(other_patient.user)
    theirs = page(client)
    assert items_of(program)[0].exercise.name in mine
    assert "You do not have an exercise programme yet" in theirs
    assert patient.user.email not in theirs


def test_a_pending_message_is_shown_once_and_not_cached(patient_client):
    page(patient_client)
    patient_client.post("/my/settings/calendar/rotate/")  # says "Your calendar link has changed." next page
    message = "Your calendar link has changed."
    assert message in page(patient_client)
    assert message not in page(patient_client)
