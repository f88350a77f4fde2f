"""Property: on every form that asks the red-flag question, a ticked flag yields exactly one alert and one urgent
email, whatever the other fields hold (missing, empty, invalid, oversized or tampered) and however often it is
sent (a double submit, a retry, a second tab)."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients import selectors, triage
from patients.forms import CHECK_IN_FORMS, SessionForm
from patients.models import Alert, CheckIn, RedFlagReport, SessionLog
from portal.models import OutboundEmail
from programs.models import Program

URLS = {f"/my/check-in/{name}/": form for name, form in CHECK_IN_FORMS.items()}
URLS["/my/"] = SessionForm
JUNK = ["", "x" * 5000, "-1", "11", "999999999999", "<script>alert(1)</script>", "\x00", "2026-02-30", "none"]


def other_fields(form_class, patient) -> dict[str, list[str]]:
    """Each field other than the token and the red flags, with its valid choices (if any)."""
    if form_class is SessionForm:
        plan = selectors.today_plan(patient)
        form = SessionForm(items=plan.items, today=plan.today)
    else:
        form = form_class()
    fields = {}
    for name, field in form.fields.items():
        if name in ("token", "red_flags"):
            continue
        fields[name] = [str(value) for value, _label in getattr(field, "choices", []) if value != ""]
    return fields


def field_value(choices: list[str]):
    options = [st.none(), st.sampled_from(JUNK), st.text(max_size=30), st.integers(-5, 200).map(str)]
    if choices:
        options.append(st.sampled_from(choices))
    return st.one_of(options)


@st.composite
def submission(draw, fields: dict[str, list[str]]):
    data = {}
    for name, choices in fields.items():
        value = draw(field_value(choices))
        if value is not None:
            data[name] = value
    flags = draw(st.lists(st.sampled_from(triage.RED_FLAG_KEYS), min_size=1, unique=True))
    extras = draw(st.lists(st.sampled_from(["none", "bogus", ""]), max_size=2))
    return data, flags + extras


def reset(patient):
    RedFlagReport.objects.filter(patient=patient).delete()
    Alert.objects.filter(patient=patient).delete()
    OutboundEmail.objects.all().delete()
    CheckIn.objects.filter(patient=patient).delete()
    SessionLog.objects.filter(patient=patient).delete()
    Program.objects.filter(patient=patient).update(status=Program.Status.ACTIVE)


@pytest.mark.parametrize("url", list(URLS))
def test_a_ticked_flag_always_makes_one_alert_and_one_urgent_email(client, patient, program, url):
    client.force_login(patient.user)
    fields = other_fields(URLS[url], patient)

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(submission(fields), st.integers(1, 3), st.booleans())
    def check(sent, repeats, second_tab):
        reset(patient)
        data, flags = sent
        first_token = str(uuid.uuid4())
        for _ in range(repeats):
            response = client.post(url, {**data, "token": first_token, "red_flags": flags})
            assert response.status_code in (200, 302)
        if second_tab:
            client.post(url, {**data, "token": str(uuid.uuid4()), "red_flags": flags})

        alerts = Alert.objects.filter(patient=patient, kind=Alert.Kind.RED_FLAG)
        assert alerts.count() == 1
        assert alerts.get().flags == triage.clean(flags)
        emails = OutboundEmail.objects.filter(kind="alert")
        assert emails.count() == 1 and emails.get().urgent
        assert RedFlagReport.objects.filter(patient=patient).count() == 1 + second_tab

    check()
