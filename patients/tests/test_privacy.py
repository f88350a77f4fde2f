"""Every /my/ page, file and feed against the owner, another patient and an anonymous visitor."""

import re
import uuid

import pytest

from patients import services
from patients.questionnaires import Questionnaire


@pytest.fixture
def urls(patient, program, log):
    session = log()
    check_in = services.submit_check_in(
        patient=patient, questionnaire=Questionnaire.GROC, answers={"rating": 2}, red_flags=[], token=uuid.uuid4()
    )
    return {
        "today": "/my/",
        "session": f"/my/sessions/{session.pk}/",
        "progress": "/my/progress/",
        "export": "/my/export/",
        "export csv": "/my/export/my-data.csv",
        "export json": "/my/export/my-data.json",
        "check-ins": "/my/check-in/",
        "check-in form": "/my/check-in/odi/",
        "check-in result": f"/my/check-in/done/{check_in.pk}/",
        "settings": "/my/settings/",
        "handout": f"/my/programs/{program.pk}/handout/",
        "handout pdf": f"/my/programs/{program.pk}/handout.pdf",
    }


# Pages that show another patient nothing of patient A: their own page (200) or a 404 for A's object.
OTHER_PATIENT = {
    "today": 200,
    "progress": 200,
    "export": 200,
    "export csv": 200,
    "export json": 200,
    "check-ins": 200,
    "check-in form": 200,
    "settings": 200,
    "session": 404,
    "check-in result": 404,
    "handout": 404,
    "handout pdf": 404,
}


@pytest.mark.parametrize("page", list(OTHER_PATIENT))
def test_an_anonymous_visitor_is_sent_to_log_in(client, urls, page):
    response = client.get(urls[page])
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("page", list(OTHER_PATIENT))
def test_another_patient_never_sees_patient_as_data(client, urls, page, patient, other_patient):
    client.force_login(other_patient.user)
    response = client.get(urls[page])

    assert response.status_code == OTHER_PATIENT[page]
    body = response.content.decode(errors="ignore")
    for secret in (patient.user.email, patient.user.last_name):
        assert not re.search(rf"(?<![\w.-]){re.escape(secret)}\b", body), secret


def test_the_calendar_feed_needs_no_login_but_only_opens_with_the_token(client, patient, program):
    assert client.get(f"/my/calendar/{patient.calendar_token}.ics").status_code == 200
    assert client.get(f"/my/calendar/{uuid.uuid4()}.ics").status_code == 404


def test_staff_are_not_patients(client, physio, urls):
    client.force_login(physio)
    assert client.get(urls["today"]).status_code == 404
