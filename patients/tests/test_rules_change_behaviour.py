"""Every field of a clinic's follow-up rules (and the clinic's alerting settings) changes what happens.

Each scenario runs the production path — the beat's fan-outs, a logged session, a submitted check-in, the
escalation sweep — once with the default value and once with another, each in a transaction rolled back
after, and the outcome (rows queued, alerts raised) differs. A field with no scenario fails the last test,
so a rule the admin edits but nothing obeys cannot be added unnoticed.
"""

import datetime
import uuid
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from patients import followups, services
from patients.models import Alert, FollowUpRules
from patients.questionnaires import Questionnaire
from portal.models import Clinic, OutboundEmail, Patient

LONDON = ZoneInfo("Europe/London")
Scenario = Callable[[dict], object]
SCENARIOS: dict[str, tuple[object, Scenario]] = {}


def scenario(field: str, other):
    def register(run: Scenario) -> Scenario:
        SCENARIOS[field] = (other, run)
        return run

    return register


def local(hour: int, day: datetime.date | None = None, zone: ZoneInfo = LONDON) -> datetime.datetime:
    day = day or timezone.localdate()
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)


def queued(kind: str) -> int:
    return OutboundEmail.objects.filter(kind=kind).count()


def alerts(kind: str | None = None) -> list[tuple[str, int]]:
    rows = Alert.objects.filter(kind=kind) if kind else Alert.objects.all()
    return sorted(rows.values_list("kind", "severity"))


@scenario("reminders_enabled", False)
def _reminder(ctx):
    followups.fan_out_reminders(now=local(19))  # past the 18:00 reminder time, before quiet hours
    return queued("reminder")


@scenario("check_in_reminders_enabled", False)
def _check_in_due(ctx):
    followups.fan_out_check_ins_due(now=local(10))  # the baseline check-ins fell due at the programme's start
    return queued("check_in_due")


def _next_weekday(weekday: int) -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7)


@scenario("weekly_summary_enabled", False)
def _weekly_summary(ctx):
    followups.fan_out_weekly_summaries(now=local(10, _next_weekday(FollowUpRules().weekly_summary_weekday)))
    return queued("weekly_summary")


@scenario("weekly_summary_weekday", (FollowUpRules().weekly_summary_weekday + 1) % 7)
def _weekly_summary_day(ctx):
    return _weekly_summary(ctx)


def _open_alert(ctx) -> None:
    services.raise_alert(
        patient=ctx["patient"], kind=Alert.Kind.NO_SESSION, severity=Alert.Severity.LOW, key="k", message="m"
    )


@scenario("physio_digest_enabled", False)
def _digest(ctx):
    _open_alert(ctx)
    followups.fan_out_physio_digests(now=local(FollowUpRules().physio_digest_hour + 1))
    return queued("physio_digest")


@scenario("physio_digest_hour", FollowUpRules().physio_digest_hour + 2)
def _digest_hour(ctx):
    return _digest(ctx)


@scenario("pain_critical_at", FollowUpRules().pain_critical_at - 2)
def _pain_critical(ctx):
    ctx["log"](pain_before=FollowUpRules().pain_critical_at - 1, pain_after=2)
    return alerts(Alert.Kind.PAIN_HIGH)


@scenario("pain_rise_points", FollowUpRules().pain_rise_points + 1)
def _pain_rise(ctx):
    today = timezone.localdate()
    for days_ago in (4, 3, 2):  # the baseline: pain 2 in the first three sessions
        ctx["log"](performed_on=today - datetime.timedelta(days=days_ago), pain_before=2, pain_after=2)
    ctx["log"](performed_on=today, pain_before=2 + FollowUpRules().pain_rise_points, pain_after=2)
    return alerts(Alert.Kind.PAIN_RISE)


@scenario("no_session_low_hours", 24 * 9)
def _quiet_low(ctx):
    # The programme started a week ago and nothing was logged: quiet for eight days tomorrow.
    services.check_inactivity(now=timezone.now() + datetime.timedelta(days=1))
    return alerts(Alert.Kind.NO_SESSION)


@scenario("no_session_high_days", 6)
def _quiet_high(ctx):
    return _quiet_low(ctx)


@scenario("odi_worse_points", 5)
def _odi(ctx):
    for sections in ([1] * 10, [1] * 7 + [2] * 3):  # 20 % then 26 %: six points worse
        services.submit_check_in(
            patient=ctx["patient"],
            questionnaire=Questionnaire.ODI,
            answers={"sections": sections},
            red_flags=[],
            token=uuid.uuid4(),
        )
    return alerts(Alert.Kind.ODI_WORSE)


def _check_in(ctx, questionnaire: str, answers: dict) -> None:
    services.submit_check_in(
        patient=ctx["patient"], questionnaire=questionnaire, answers=answers, red_flags=[], token=uuid.uuid4()
    )


@scenario("startback_high_alert", False)
def _startback(ctx):
    _check_in(ctx, Questionnaire.STARTBACK, {"agree": [True] * 8, "bothersomeness": "extremely"})  # high risk
    return alerts(Alert.Kind.STARTBACK_HIGH)


@scenario("groc_worse_at", -6)
def _groc(ctx):
    _check_in(ctx, Questionnaire.GROC, {"rating": -5})  # "quite a bit worse"
    return alerts(Alert.Kind.GROC_WORSE)


def _run(model, field: str, value, run: Scenario, ctx: dict):
    """The scenario's outcome with `field` set to `value` (saved as the admin saves it), the database left as
    it was. The cache is not rolled back: a page cached in one run must be made stale by the change itself."""
    with transaction.atomic():
        if model is FollowUpRules:
            FollowUpRules.objects.update_or_create(clinic=ctx["patient"].clinic, defaults={field: value})
        else:
            clinic = Clinic.objects.get(pk=ctx["patient"].clinic_id)
            setattr(clinic, field, value)
            clinic.save()
        ctx["patient"] = Patient.objects.select_related("clinic", "user", "primary_physio").get(pk=ctx["patient"].pk)
        outcome = run(ctx)
        transaction.set_rollback(True)
    return outcome


@pytest.fixture
def ctx(patient, program, log, physio, client):
    patient.primary_physio = physio
    patient.save()
    client.force_login(patient.user)
    return {"patient": patient, "program": program, "log": log, "client": client}


def _default(model, field: str):
    return model._meta.get_field(field).get_default()


@pytest.mark.parametrize("field", sorted(SCENARIOS))
def test_changing_a_follow_up_rule_changes_what_happens(field, ctx):
    other, run = SCENARIOS[field]
    default = _default(FollowUpRules, field)
    with_default = _run(FollowUpRules, field, default, run, ctx)
    changed = _run(FollowUpRules, field, other, run, ctx)
    assert with_default != changed, f"{field}: {default!r} and {other!r} both gave {with_default!r}"


def test_every_follow_up_rule_has_a_scenario():
    fields = {f.name for f in FollowUpRules._meta.concrete_fields if not f.primary_key and not f.is_relation}
    assert fields == set(SCENARIOS)


# --- The clinic's settings ------------------------------------------------------------------------------------

CLINIC_SCENARIOS: dict[str, tuple[object, Scenario]] = {}
# What pages and emails show about the clinic (checked as read by portal/tests/test_wired.py), not behaviour.
CLINIC_DESCRIPTION = {"name", "slug", "phone", "email", "address"}


def clinic_scenario(field: str, other):
    def register(run: Scenario) -> Scenario:
        CLINIC_SCENARIOS[field] = (other, run)
        return run

    return register


def _red_flag(ctx) -> None:
    services.report_red_flags(patient=ctx["patient"], flags=["both_legs_numb"], token=uuid.uuid4(), source="test")


@clinic_scenario("escalate_after_minutes", 15)
def _escalation(ctx):
    _red_flag(ctx)
    return services.escalate_due_alerts(now=timezone.now() + datetime.timedelta(minutes=20))


@clinic_scenario("alert_inbox", "urgent@clinic.example")
def _alert_inbox(ctx):
    _red_flag(ctx)
    return sorted(OutboundEmail.objects.filter(kind="alert").values_list("recipient", flat=True))


@clinic_scenario("timezone", "Pacific/Auckland")
def _clinic_day(ctx):
    _open_alert(ctx)  # the digest goes out from 08:00 in the clinic's time zone: 07:00 in London is evening there
    followups.fan_out_physio_digests(now=local(FollowUpRules().physio_digest_hour - 1))
    return queued("physio_digest")


def _patients_page(ctx) -> str:
    return ctx["client"].get("/my/").content.decode()  # logged in once, before either run: a cached copy


@clinic_scenario("emergency_number", "112")
def _emergency_number(ctx):
    return "call 112" in _patients_page(ctx)


@clinic_scenario("emergency_department", "the Emergency Department")
def _emergency_department(ctx):
    return "go to the Emergency Department" in _patients_page(ctx)


@pytest.mark.parametrize("field", sorted(CLINIC_SCENARIOS))
def test_changing_a_clinic_setting_changes_what_happens(field, ctx):
    other, run = CLINIC_SCENARIOS[field]
    default = _default(Clinic, field)
    with_default = _run(Clinic, field, default, run, ctx)
    changed = _run(Clinic, field, other, run, ctx)
    assert with_default != changed, f"{field}: {default!r} and {other!r} both gave {with_default!r}"


def test_every_clinic_setting_has_a_scenario_or_is_description():
    fields = {f.name for f in Clinic._meta.concrete_fields if not f.primary_key and not f.is_relation}
    assert fields == set(CLINIC_SCENARIOS) | CLINIC_DESCRIPTION
