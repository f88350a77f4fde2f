"""Redis is a cache and a broker, never a single point of failure: with it cut off the site serves from the
database, and once it is back no copy made before the outage is served stale.

The cut is a real network partition (a TCP proxy in front of the test Redis, see RedisLink), not a mock.
"""

import time
import uuid

import pytest
from django.utils import timezone

from patients import services as patient_services
from patients.models import SessionLog
from programs.services import assign_program
from programs.tests.factories import make_template
from testing.factories import PASSWORD

pytestmark = pytest.mark.redis


@pytest.fixture
def routine(patient, physio):
    template = make_template(phases=1, items_per_phase=1)
    template.phases.first().items.update(days_per_week=7)
    return assign_program(patient=patient, physio=physio, template=template, start_date=timezone.localdate())


def session_form(program, **extra):
    item = program.items.get()
    return {
        "token": str(uuid.uuid4()),
        "performed_on": timezone.localdate().isoformat(),
        "pain_before": "3",
        "pain_after": "2",
        "difficulty": "about_right",
        "red_flags": ["none"],
        f"done_{item.pk}": "on",
        f"sets_{item.pk}": "1",
        f"reps_{item.pk}": "5",
        f"side_{item.pk}": "both",
        **extra,
    }


def test_with_redis_cut_off_a_patient_logs_in_and_logs_a_session(client, redis_link, patient, routine):
    redis_link.cut()

    for url in ("/", "/articles/", "/exercises/", "/accounts/login/", "/healthz"):
        assert client.get(url).status_code == 200, url
    logged_in = client.post("/accounts/login/", {"username": patient.user.email, "password": PASSWORD})
    assert logged_in.status_code == 302
    assert client.get("/my/").status_code == 200
    saved = client.post("/my/", session_form(routine))

    assert saved.status_code == 302
    assert SessionLog.objects.filter(patient=patient).count() == 1


def test_a_page_cached_before_an_outage_is_not_served_stale_after_it(client, redis_link, patient, routine):
    client.force_login(patient.user)
    assert "You have logged" not in client.get("/my/").content.decode()  # now cached under its version

    redis_link.cut()
    patient_services.log_session(  # its version bump is dropped: Redis is unreachable
        patient=patient,
        program=routine,
        performed_on=timezone.localdate(),
        pain_before=3,
        pain_after=2,
        difficulty="about_right",
        note="",
        red_flags=[],
        exercises=[],
        token=uuid.uuid4(),
    )
    redis_link.restore()
    time.sleep(0.2)  # past the backend's retry pause

    assert "You have logged 1 session today" in client.get("/my/").content.decode()
