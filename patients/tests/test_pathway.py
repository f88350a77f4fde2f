"""The outcome pathway runs by itself: assignment starts it, a pause stops it, completion asks the discharge
questionnaires, and the physio sees every result and can change a patient's schedule."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from patients import services
from patients.models import Alert, CheckInSchedule
from patients.questionnaires import Questionnaire
from portal.models import OutboundEmail
from programs.services import complete_program, pause_program, resume_program

SCHEDULES = "/admin/patients/checkinschedule/"


def due(patient) -> set[str]:
    return set(patient.check_in_schedules.due(patient.local_today()).values_list("questionnaire", flat=True))


def answer(patient, questionnaire, answers):
    return services.submit_check_in(
        patient=patient, questionnaire=questionnaire, answers=answers, red_flags=[], token=uuid.uuid4()
    )


def test_assignment_starts_the_default_pathway(patient, program):
    start = program.start_date
    rows = {s.questionnaire: (s.next_due_on, s.every_days, s.at_discharge) for s in patient.check_in_schedules.all()}
    assert rows == {
        "startback": (start, 0, False),
        "odi": (start, 14, True),
        "psfs": (start, 14, True),
        "groc": (start + datetime.timedelta(weeks=6), 0, True),
    }
    assert due(patient) == {"startback", "odi", "psfs"}


def test_answering_moves_the_next_date_from_the_patients_own_today(patient, program):
    patient.timezone = "Australia/Sydney"
    patient.save()
    answer(patient, Questionnaire.ODI, {"sections": [2] * 10})
    odi = patient.check_in_schedules.get(questionnaire="odi")
    assert odi.next_due_on == patient.local_today() + datetime.timedelta(days=14)
    answer(patient, Questionnaire.STARTBACK, {"agree": [False] * 8, "bothersomeness": "slightly"})
    assert patient.check_in_schedules.get(questionnaire="startback").next_due_on is None  # once only
    assert due(patient) == {"psfs"}


def test_a_pause_stops_the_schedule_until_the_routine_resumes(patient, program, physio, client):
    pause_program(program=program, actor=physio, reason="holiday")
    assert due(patient) == set()
    client.force_login(patient.user)
    assert "Oswestry" not in client.get("/my/check-in/").content.decode()
    resume_program(program=program, actor=physio)
    assert due(patient) == {"startback", "odi", "psfs"}


def test_completing_the_programme_asks_the_discharge_questionnaires_and_stops_the_rest(patient, program, physio):
    answer(patient, Questionnaire.ODI, {"sections": [2] * 10})
    complete_program(program=program, actor=physio)
    assert due(patient) == {"odi", "psfs", "groc"}
    assert not patient.check_in_schedules.get(questionnaire="startback").active
    answer(patient, Questionnaire.GROC, {"rating": 3})
    assert due(patient) == {"odi", "psfs"}  # each asked once at discharge


def test_startback_high_risk_and_a_groc_of_minus_seven_raise_alerts(patient, program):
    answer(patient, Questionnaire.STARTBACK, {"agree": [True] * 8, "bothersomeness": "very_much"})
    answer(patient, Questionnaire.GROC, {"rating": -7})
    messages = dict(Alert.objects.values_list("kind", "message"))
    assert messages == {
        "startback_high": "STarT Back high risk: total 9/9, distress 5/5.",
        "groc_worse": "GROC -7: “A very great deal worse”.",
    }


def test_the_physio_sees_every_questionnaire_over_time(client, physio, patient, program):
    answer(patient, Questionnaire.STARTBACK, {"agree": [True] * 4 + [False] * 4, "bothersomeness": "moderately"})
    answer(patient, Questionnaire.ODI, {"sections": [2] * 10})
    answer(patient, Questionnaire.PSFS, {"activities": [{"name": "Putting on socks", "score": 4}]})
    answer(patient, Questionnaire.GROC, {"rating": 4})
    client.force_login(physio)
    html = client.get(f"/admin/portal/patient/{patient.pk}/progress/").content.decode()
    assert "distress subscale 0/5" in html and "medium" in html  # STarT Back: risk group and subscale
    assert "<td>40</td><td>moderate</td>" in html  # ODI with its published band
    assert "Putting on socks: 4/10" in html
    assert "<td>+4</td><td>better</td><td>Moderately better</td>" in html


def test_the_physio_changes_a_patients_schedule_on_the_patients_page(client, physio, patient, program):
    client.force_login(physio)
    page = client.get(f"/admin/portal/patient/{patient.pk}/change/")
    formset = page.context["inline_admin_formsets"][0].formset
    data = {
        "email": patient.user.email,
        "first_name": patient.user.first_name,
        "last_name": patient.user.last_name,
        "primary_physio": physio.pk,
        "timezone": patient.timezone,
        "check_in_schedules-TOTAL_FORMS": len(formset.forms),
        "check_in_schedules-INITIAL_FORMS": len(formset.forms),
    }
    later = timezone.localdate() + datetime.timedelta(days=3)
    for i, form in enumerate(formset.forms):
        schedule = form.instance
        data |= {
            f"check_in_schedules-{i}-id": schedule.pk,
            f"check_in_schedules-{i}-patient": patient.pk,
            f"check_in_schedules-{i}-questionnaire": schedule.questionnaire,
            f"check_in_schedules-{i}-next_due_on": later.isoformat() if schedule.questionnaire == "odi" else "",
            f"check_in_schedules-{i}-every_days": 28 if schedule.questionnaire == "odi" else schedule.every_days,
        }
        if schedule.questionnaire == "odi":
            data[f"check_in_schedules-{i}-active"] = "on"
    response = client.post(f"/admin/portal/patient/{patient.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    odi = patient.check_in_schedules.get(questionnaire="odi")
    assert (odi.next_due_on, odi.every_days, odi.active) == (later, 28, True)
    assert not patient.check_in_schedules.get(questionnaire="psfs").active


def test_the_check_in_list_shows_due_and_overdue_across_the_caseload_and_no_other_clinic(
    client, physio, patient, program, other_patient, patient2
):
    CheckInSchedule.objects.filter(patient=patient).exclude(questionnaire="groc").update(
        next_due_on=timezone.localdate()
    )
    CheckInSchedule.objects.filter(patient=patient, questionnaire="odi").update(
        next_due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    CheckInSchedule.objects.create(patient=patient2, questionnaire="odi", next_due_on=timezone.localdate())
    client.force_login(physio)
    overdue = client.get(f"{SCHEDULES}?due=overdue")
    assert [(s.patient, s.questionnaire) for s in overdue.context["cl"].result_list] == [(patient, "odi")]
    assert "overdue" in overdue.content.decode()
    today = client.get(f"{SCHEDULES}?due=today").context["cl"].result_list
    assert {s.questionnaire for s in today} == {"startback", "psfs"}
    assert patient2 not in {s.patient for s in client.get(SCHEDULES).context["cl"].result_list}


@pytest.mark.parametrize("url", [SCHEDULES, "/admin/patients/checkin/"])
def test_the_check_in_lists_take_a_fixed_number_of_queries(
    client, physio, patient, program, url, django_assert_max_num_queries
):
    client.force_login(physio)
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_a_patient_in_sydney_is_told_by_email_and_by_the_page_on_the_same_local_day(client, patient, program):
    """22:30 UTC is 09:30 the next day in Sydney: the check-in falls due there, and both the email and the page
    say so (the page used the server's date before)."""
    import time_machine

    from patients import followups

    patient.timezone = "Australia/Sydney"
    patient.user.set_password("pw")
    patient.user.save()
    patient.save()
    moment = datetime.datetime.combine(timezone.localdate(), datetime.time(22, 30), tzinfo=datetime.UTC)
    sydney_day = moment.astimezone(ZoneInfo("Australia/Sydney")).date()
    patient.check_in_schedules.update(next_due_on=None)
    patient.check_in_schedules.filter(questionnaire="odi").update(next_due_on=sydney_day)
    with time_machine.travel(moment, tick=False):
        assert followups.fan_out_check_ins_due() == 1
        client.force_login(patient.user)
        assert "Oswestry" in client.get("/my/check-in/").content.decode()
        assert OutboundEmail.objects.get(kind="check_in_due").context["due_on"] == sydney_day.isoformat()
