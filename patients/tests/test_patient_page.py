"""The patient's page is the physio's hub: profile, programme (assign from a template, move to the next phase),
alerts acted on in place, every questionnaire, sessions, emails sent and who viewed the record; in the third person,
scoped to the clinic, and the same queries whatever the caseload's size."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patients import services
from patients.models import Alert
from patients.tests.test_clinician_home import caseload_of
from programs.models import Program, ProgramChange
from programs.services import assign_program
from programs.tests.factories import make_template

pytestmark = pytest.mark.django_db


def page_url(patient) -> str:
    return f"/admin/portal/patient/{patient.pk}/progress/"


@pytest.fixture
def program(patient, physio):
    template = make_template(phases=2, items_per_phase=2, weeks=2)
    return assign_program(patient=patient, physio=physio, template=template, start_date=timezone.localdate())


def test_the_page_holds_profile_programme_alerts_questionnaires_emails_and_views(client, physio, patient, program):
    services.raise_alert(patient=patient, kind=Alert.Kind.PAIN_HIGH, severity=3, key="k", message="Pain 8/10")
    client.force_login(physio)
    client.get(page_url(patient))  # a first view, recorded

    html = client.get(page_url(patient)).content.decode()

    for heading in ("Profile", "Programme", "Open alerts", "Outcome questionnaires", "Progress and sessions",
                    f"Emails to {patient}", "Who looked at this record"):  # fmt: skip
        assert f">{heading}" in html, heading
    assert patient.user.email in html and f"“{program.title}”" in html
    assert f'action="/admin/patients/alert/{Alert.objects.get().pk}/acknowledge/"' in html
    assert f'name="next" value="{page_url(patient)}"' in html  # back here after acting
    assert "Back pain screening (STarT Back)" in html and "Global rating of change (GROC)" in html
    assert "program_assigned" in html  # the programme email, from the outbox
    assert f"{physio} viewed it on" in html
    assert not re.search(r"\byour\b", re.sub(r"<[^>]+>", " ", html.split('id="content-main"')[1]), re.I)


def test_a_template_is_assigned_from_the_page_in_two_interactions(client, physio, patient):
    template = make_template(phases=1, items_per_phase=2)
    client.force_login(physio)
    html = client.get(page_url(patient)).content.decode()
    form = re.search(
        r'<form method="post" action="(/admin/programs/program/assign/)" class="hub-assign">(.*?)</form>', html, re.S
    )
    assert form, "the assign form is on the patient's page"
    fields = dict(re.findall(r'<input type="(?:hidden|date)" name="(\w+)"[^>]*value="([^"]*)"', form.group(2)))
    assert fields["patient"] == str(patient.pk) and fields["start_date"] == timezone.localdate().isoformat()
    assert f'<option value="{template.pk}">{template.name}</option>' in form.group(2)

    # 1: choose the template; 2: "Assign programme". The start date is today unless changed.
    response = client.post(form.group(1), {**fields, "template": template.pk})

    program = Program.objects.get(patient=patient)
    assert response.status_code == 302 and response["Location"] == f"/admin/programs/program/{program.pk}/change/"
    assert (program.template, program.physio, program.items.count()) == (template, physio, 2)


def test_move_to_the_next_phase_from_the_page(client, physio, patient, program):
    client.force_login(physio)
    assert "Move to the next phase" in client.get(page_url(patient)).content.decode()
    response = client.post(f"/admin/programs/program/{program.pk}/advance/", {"next": page_url(patient)}, follow=True)
    assert response.redirect_chain[-1][0] == page_url(patient)
    program.refresh_from_db()
    assert program.current_phase == program.phases.order_by("order").last()
    assert "moved on to" in response.content.decode()
    assert program.changes.filter(action=ProgramChange.Action.PHASE_ADVANCED, actor=physio).exists()
    response = client.post(f"/admin/programs/program/{program.pk}/advance/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/admin/programs/program/{program.pk}/change/"  # not off-site; and it says why
    assert client.get(f"/admin/programs/program/{program.pk}/advance/").status_code == 405


def test_another_clinic_gets_404_for_the_page_and_its_actions(client, physio2, patient, program):
    client.force_login(physio2)
    assert client.get(page_url(patient)).status_code == 404
    assert client.post(f"/admin/programs/program/{program.pk}/advance/").status_code == 404
    program.refresh_from_db()
    assert program.current_phase == program.phases.order_by("order").first()


def test_the_page_costs_the_same_queries_with_10_and_1000_patients_in_the_caseload(
    client, physio, patient, program, clinic
):
    client.force_login(physio)
    client.get(page_url(patient))
    caseload_of(10, clinic, physio, "small")
    with CaptureQueriesContext(connection) as small:
        assert client.get(page_url(patient)).status_code == 200
    caseload_of(990, clinic, physio, "large")
    with CaptureQueriesContext(connection) as large:
        assert client.get(page_url(patient)).status_code == 200
    assert len(large) == len(small) and len(small) <= 30, [q["sql"] for q in large.captured_queries]


def test_sessions_cannot_predate_the_programme(patient, program):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="before"):
        services.log_session(
            patient=patient, program=program, performed_on=program.start_date - datetime.timedelta(days=1),
            pain_before=2, pain_after=2, difficulty="about_right", note="", red_flags=[], exercises=[],
            token="00000000-0000-0000-0000-000000000001",
        )  # fmt: skip
