"""Red flags: saved whatever else the form holds, triaged, the routine put on hold, and the clinic told.

The emails are read from the outbox rows the events wrote (their delivery is the outbox's own tests' job, and
the browser test in test_red_flag_browser.py follows them to a real SMTP server).
"""

import datetime
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from patients import followups, pathway, services, triage
from patients.models import Alert, CheckIn, RedFlagReport, SessionLog
from patients.questionnaires import Questionnaire
from portal import roles
from portal.models import OutboundEmail
from portal.outbox.services import deliver_email
from programs.models import Program
from testing.factories import StaffFactory

ODI = "/my/check-in/odi/"
TODAY = "/my/"


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


def alert_emails(**filters):
    return OutboundEmail.objects.filter(kind="alert", **filters)


def odi_with_a_blank_section(**extra):
    data = {f"section_{i}": "2" for i in range(1, 11) if i != 3}
    return {"token": str(uuid.uuid4()), **data, **extra}


def report(patient, flags, token=None):
    return services.report_red_flags(patient=patient, flags=flags, token=token or uuid.uuid4(), source="test")


# --- Saved before anything else is validated ----------------------------------------------------------


def test_an_odi_with_a_section_left_blank_and_both_legs_numb_saves_the_flag_and_alerts(patient_client, patient, physio):
    response = patient_client.post(ODI, odi_with_a_blank_section(red_flags=["both_legs_numb"]))

    assert response.status_code == 200  # the form comes back for the blank section...
    html = response.content.decode()
    assert "This field is required." in html
    assert not CheckIn.objects.exists()
    # ...but the flag is saved, the alert raised and the physio's email queued, and the page says so.
    saved = RedFlagReport.objects.get(patient=patient)
    assert saved.flags == ["both_legs_numb"] and saved.level == triage.Level.EMERGENCY
    alert = Alert.objects.get(patient=patient, kind=Alert.Kind.RED_FLAG)
    assert alert.severity == Alert.Severity.CRITICAL
    assert list(alert_emails().values_list("recipient", flat=True)) == [physio.email]
    assert html.index("Get emergency help now") < html.index("<h1")
    assert "We have saved this and raised an alert for your clinic team" in html
    assert "Your answers to the other questions are not saved yet" in html


def test_a_session_form_with_only_a_red_flag_ticked_saves_the_flag(patient_client, patient, program):
    response = patient_client.post(TODAY, {"token": str(uuid.uuid4()), "red_flags": ["bowel_control"]})

    assert response.status_code == 200
    assert not SessionLog.objects.exists()
    assert RedFlagReport.objects.get(patient=patient).flags == ["bowel_control"]
    assert "We have saved this and raised an alert" in response.content.decode()


def test_a_missing_or_tampered_token_and_unknown_values_still_save_the_known_flags(patient_client, patient):
    response = patient_client.post(ODI, {"token": "not-a-uuid", "red_flags": ["<script>", "saddle_numbness", "x"]})

    assert response.status_code == 200
    assert RedFlagReport.objects.get(patient=patient).flags == ["saddle_numbness"]


def test_the_advice_shown_before_sending_never_claims_anyone_was_told(patient_client, program):
    for url in (ODI, TODAY):
        html = patient_client.get(url).content.decode()
        assert "Nobody has been told yet" in html
        assert "We have told" not in html and "We have saved this" not in html


def test_the_red_flag_question_needs_an_explicit_answer(patient_client, patient):
    data = {**odi_with_a_blank_section(), "section_3": "2"}
    response = patient_client.post(ODI, data)
    assert "Tick the symptoms you have, or “None of these”." in response.content.decode()

    both = patient_client.post(ODI, {**data, "red_flags": ["none", "night_pain"]})
    assert "You ticked “None of these” and a symptom" in both.content.decode()
    assert RedFlagReport.objects.get().flags == ["night_pain"]  # a symptom ticked is saved all the same

    assert patient_client.post(ODI, {**data, "token": str(uuid.uuid4()), "red_flags": ["none"]}).status_code == 302


# --- Triage --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "level", "severity", "holds"),
    [
        ("saddle_numbness", "emergency", Alert.Severity.CRITICAL, True),
        ("both_legs_sciatica", "emergency", Alert.Severity.CRITICAL, True),
        ("both_legs_numb", "emergency", Alert.Severity.CRITICAL, True),
        ("leg_weakness", "emergency", Alert.Severity.CRITICAL, True),
        ("fever_unwell", "same_day", Alert.Severity.URGENT, True),
        ("weight_loss", "same_day", Alert.Severity.URGENT, True),
        ("cancer_history", "same_day", Alert.Severity.URGENT, True),
        ("trauma", "same_day", Alert.Severity.URGENT, True),
        ("immunosuppression", "same_day", Alert.Severity.URGENT, True),
        ("night_pain", "tell_physio", Alert.Severity.HIGH, False),
        ("spreading_pain", "tell_physio", Alert.Severity.HIGH, False),
    ],
)
def test_each_flag_has_its_level_severity_and_hold(patient, program, flag, level, severity, holds):
    report(patient, [flag])

    alert = Alert.objects.get(patient=patient)
    assert (alert.level, alert.severity, alert.holds_routine) == (level, severity, holds)
    program.refresh_from_db()
    assert program.status == (Program.Status.PAUSED if holds else Program.Status.ACTIVE)
    assert alert_emails().count() == 1  # every red flag is emailed to the physio


def test_the_alert_keeps_every_flag_in_full(patient):
    every = triage.RED_FLAG_KEYS
    report(patient, every)

    alert = Alert.objects.get()
    assert alert.flags == every
    assert all(label in alert.message for label in triage.labels(every))
    assert len(alert.message) > 300


def test_critical_sorts_before_urgent_then_high_then_low():
    assert [s.label for s in sorted(Alert.Severity)] == ["Critical", "Urgent", "High", "Low"]


# --- One alert, one email per event ----------------------------------------------------------------------


def test_a_double_submit_and_a_second_tab_make_one_alert_and_one_email(patient_client, patient, physio):
    data = odi_with_a_blank_section(red_flags=["wiping"])
    patient_client.post(ODI, data)
    patient_client.post(ODI, data)  # double submit: the same token
    patient_client.post(ODI, {**data, "token": str(uuid.uuid4())})  # a second tab: another token

    assert Alert.objects.count() == 1
    assert alert_emails().count() == 1
    assert RedFlagReport.objects.count() == 2


def test_a_new_flag_or_a_more_serious_level_emails_again(patient, program):
    report(patient, ["night_pain"])
    alert = Alert.objects.get()
    assert (alert.level, alert.holds_routine) == ("tell_physio", False)
    services.acknowledge_alerts(alerts=Alert.objects.all(), by=patient.primary_physio, note="Will call tomorrow")

    report(patient, ["night_pain", "urine_control"])

    alert.refresh_from_db()
    assert (alert.level, alert.severity) == ("emergency", Alert.Severity.CRITICAL)
    assert alert.acknowledged_at is None and alert.escalate_at is not None  # a new emergency for the clinic
    assert alert.flags == ["urine_control", "night_pain"]
    assert alert.holds_routine
    assert alert_emails().count() == 2


# --- Who is told -------------------------------------------------------------------------------------------


def test_an_emergency_goes_to_the_physio_and_the_clinic_inbox(patient, physio, clinic):
    clinic.alert_inbox = "urgent@riverside.example"
    clinic.save()

    report(patient, ["both_legs_sciatica"])

    assert set(alert_emails().values_list("recipient", flat=True)) == {physio.email, "urgent@riverside.example"}
    assert all(alert_emails().values_list("urgent", flat=True))


def test_a_closed_physio_account_is_skipped_and_with_no_inbox_everyone_hears_at_once(patient, physio, clinic):
    colleague = StaffFactory(email="colleague@test.example", clinic=clinic, role=roles.PHYSIOTHERAPIST)
    admin = StaffFactory(email="admin@test.example", clinic=clinic, role=roles.CLINIC_ADMIN)
    StaffFactory(email="elsewhere@test.example", role=roles.PHYSIOTHERAPIST)  # another clinic
    physio.is_active = False
    physio.save()

    report(patient, ["saddle_numbness"])

    assert set(alert_emails().values_list("recipient", flat=True)) == {colleague.email, admin.email}
    assert Alert.objects.get().escalated_at is not None


def test_an_unacknowledged_emergency_escalates_to_every_clinician_once(patient, physio, clinic):
    colleague = StaffFactory(email="colleague@test.example", clinic=clinic, role=roles.PHYSIOTHERAPIST)
    editor = StaffFactory(email="editor2@test.example", clinic=clinic, role=roles.CONTENT_EDITOR)
    report(patient, ["leaking"])
    raised = Alert.objects.get().created_at

    assert services.escalate_due_alerts(now=raised + datetime.timedelta(minutes=29)) == 0
    assert services.escalate_due_alerts(now=raised + datetime.timedelta(minutes=31)) == 1
    assert services.escalate_due_alerts(now=raised + datetime.timedelta(minutes=40)) == 0  # once

    escalated = alert_emails(context__escalation=True)
    assert set(escalated.values_list("recipient", flat=True)) == {physio.email, colleague.email}
    assert editor.email not in set(alert_emails().values_list("recipient", flat=True))


def test_a_same_day_alert_raised_to_an_emergency_after_escalating_escalates_again(patient, physio):
    report(patient, ["weight_loss"])
    assert services.escalate_due_alerts(now=timezone.now() + datetime.timedelta(hours=1)) == 1
    report(patient, ["saddle_numbness"])

    assert services.escalate_due_alerts(now=timezone.now() + datetime.timedelta(hours=1)) == 1
    assert alert_emails(context__escalation=True, recipient=physio.email).count() == 2


def test_an_acknowledged_alert_does_not_escalate_and_the_clinic_sets_the_time(patient, clinic):
    clinic.escalate_after_minutes = 10
    clinic.save()
    report(patient, ["trauma"])
    alert = Alert.objects.get()
    assert abs(alert.escalate_at - alert.created_at - datetime.timedelta(minutes=10)) < datetime.timedelta(seconds=1)
    services.acknowledge_alerts(alerts=Alert.objects.all(), by=patient.primary_physio)

    assert services.escalate_due_alerts(now=timezone.now() + datetime.timedelta(hours=1)) == 0


def test_an_escalation_acknowledged_before_it_is_sent_is_cancelled_with_the_reason(patient, physio):
    report(patient, ["leaking"])
    services.escalate_due_alerts(now=timezone.now() + datetime.timedelta(hours=1))
    services.acknowledge_alerts(alerts=Alert.objects.all(), by=physio, note="On the phone with them")
    row = alert_emails(context__escalation=True).get()

    deliver_email(email_id=row.pk)

    row.refresh_from_db()
    assert (row.status, row.cancel_reason) == ("cancelled", "acknowledged before the escalation went out")


def test_the_alert_email_lists_every_flag_and_the_advice_but_the_subject_says_nothing_clinical(
    patient, physio, mailoutbox
):
    patient.phone = "07700 900123"
    patient.save()
    report(patient, ["both_legs_numb", "fever_unwell"])

    deliver_email(email_id=alert_emails().get().pk)

    message = mailoutbox[0]
    assert message.subject == "Critical: a patient needs your attention"
    body = message.body
    assert "Numbness, pins and needles or weakness in both legs" in body
    assert "A high temperature" in body and "07700 900123" in body
    assert "Call 999 or go to A&E now" in body


# --- The routine stops until a clinician resumes it --------------------------------------------------------


def test_an_emergency_puts_today_on_hold_with_the_advice(patient_client, patient, program):
    report(patient, ["both_legs_numb"])

    html = patient_client.get(TODAY).content.decode()

    assert "Your exercises are on hold" in html
    assert "Call 999 or go to A&amp;E now" in html
    assert "Save my session" not in html


def test_no_reminder_check_in_or_summary_email_while_on_hold(patient, program, clinic):
    patient.user.set_password("x")
    patient.user.save()
    pathway.start(patient=patient, start_date=timezone.localdate() - datetime.timedelta(days=1))
    london = ZoneInfo("Europe/London")
    today = timezone.localdate()
    sunday = today + datetime.timedelta(days=(6 - today.weekday()))
    evening = datetime.datetime.combine(today, datetime.time(19), tzinfo=london)

    report(patient, ["urine_control"])

    assert followups.fan_out_reminders(now=evening) == 0
    assert followups.fan_out_check_ins_due(now=datetime.datetime.combine(today, datetime.time(10), tzinfo=london)) == 0
    assert (
        followups.fan_out_weekly_summaries(now=datetime.datetime.combine(sunday, datetime.time(10), tzinfo=london)) == 0
    )
    services.resume_routine(patient=patient, by=patient.primary_physio, note="Seen in A&E: no cauda equina.")
    assert followups.fan_out_reminders(now=evening) == 1


def test_a_reminder_queued_before_the_flag_is_cancelled_when_it_would_go_out(patient, program):
    patient.user.set_password("x")
    patient.user.save()
    now = datetime.datetime.combine(timezone.localdate(), datetime.time(19), tzinfo=ZoneInfo("Europe/London"))
    followups.fan_out_reminders(now=now)
    report(patient, ["saddle_numbness"])

    row = OutboundEmail.objects.get(kind="reminder")
    deliver_email(email_id=row.pk)

    row.refresh_from_db()
    assert row.status == "cancelled"


def test_resuming_needs_a_note_and_restarts_the_programme(patient, program, physio):
    report(patient, ["fever_unwell"])
    with pytest.raises(Exception, match="Say what was decided"):
        services.resume_routine(patient=patient, by=physio, note="  ")

    resumed = services.resume_routine(patient=patient, by=physio, note="GP saw them: a chest infection, treated.")

    assert resumed == program
    program.refresh_from_db()
    assert program.status == Program.Status.ACTIVE
    assert program.changes.filter(summary__startswith="Resumed: GP saw them").exists()
    alert = Alert.objects.get()
    assert (alert.hold_lifted_by, alert.hold_note) == (physio, "GP saw them: a chest infection, treated.")


def test_the_admin_resumes_a_routine_with_a_note(client, patient, program, physio):
    report(patient, ["trauma"])
    alert = Alert.objects.get()
    client.force_login(physio)
    chosen = {"action": "resume_routine", "_selected_action": [alert.pk]}

    refused = client.post("/admin/patients/alert/", {**chosen, "apply": "1", "note": ""})
    assert "This field is required." in refused.content.decode()
    response = client.post(
        "/admin/patients/alert/", {**chosen, "apply": "1", "note": "X-ray clear, carry on."}, follow=True
    )

    assert "Resumed the routine of 1 patient(s)." in response.content.decode()
    program.refresh_from_db()
    assert program.status == Program.Status.ACTIVE


# --- The admin shows what was ticked ------------------------------------------------------------------------


def test_session_and_check_in_rows_in_the_admin_list_the_flags(client, patient, physio, log):
    log(red_flags=["night_pain"])
    services.submit_check_in(
        patient=patient,
        questionnaire=Questionnaire.GROC,
        answers={"rating": 0},
        red_flags=["weight_loss"],
        token=uuid.uuid4(),
    )
    client.force_login(physio)

    sessions = client.get("/admin/patients/sessionlog/").content.decode()
    check_ins = client.get("/admin/patients/checkin/").content.decode()
    reports = client.get("/admin/patients/redflagreport/").content.decode()

    assert "Constant pain at night" in sessions
    assert "Losing weight without trying" in check_ins
    assert "Constant pain at night" in reports and "Losing weight without trying" in reports


# --- The emergency number is a clinic setting -----------------------------------------------------------------


def test_the_clinics_emergency_number_is_used_on_its_patients_pages_and_handout(patient_client, patient, program):
    clinic = patient.clinic
    clinic.emergency_number, clinic.emergency_department = "112", "the emergency department"
    clinic.save()

    today = patient_client.get(TODAY).content.decode()
    handout = patient_client.get(f"/my/programs/{program.pk}/handout/").content.decode()

    for html in (today, handout):
        assert "call 112 or go to the emergency department now" in html
        assert re.search(r"\b999\b", html) is None  # word-bounded: a form token may contain the digits


def test_resuming_from_several_alerts_skips_a_patient_already_resumed(client, patient, other_patient, program, physio):
    report(patient, ["trauma"])
    report(other_patient, ["fever_unwell"])
    services.resume_routine(patient=patient, by=physio, note="Seen: bruising only.")
    client.force_login(physio)
    chosen = {"action": "resume_routine", "_selected_action": list(Alert.objects.values_list("pk", flat=True))}

    response = client.post("/admin/patients/alert/", {**chosen, "apply": "1", "note": "GP saw them."}, follow=True)

    assert "Resumed the routine of 1 patient(s)." in response.content.decode()
    assert not Alert.objects.holding().exists()
