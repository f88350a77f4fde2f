"""Follow-up rules in the admin: clinic admins edit their own clinic's; physios only read them."""

from django.utils import timezone

from patients.models import FollowUpRules

URL = "/admin/patients/followuprules/"


def rules_post(**overrides):
    data = {
        "reminders_enabled": "on",
        "weekly_summary_weekday": 6,
        "physio_digest_hour": 8,
        "pain_critical_at": 7,
        "pain_rise_points": 2,
        "no_session_low_hours": 49,
        "no_session_high_days": 14,
        "odi_worse_points": 10,
        "startback_high_alert": "on",
        "groc_worse_at": -4,
        "pathway-TOTAL_FORMS": 0,
        "pathway-INITIAL_FORMS": 0,
    }
    return {**data, **overrides}


def test_clinic_admin_adds_their_clinics_rules_once_and_edits_them(client, clinic_admin, clinic):
    client.force_login(clinic_admin)
    assert client.post(f"{URL}add/", rules_post(physio_digest_hour=7)).status_code == 302
    rules = FollowUpRules.objects.get()
    assert rules.clinic == clinic and rules.physio_digest_hour == 7 and not rules.weekly_summary_enabled
    assert client.get(f"{URL}add/").status_code == 403  # one row per clinic
    response = client.post(f"{URL}{rules.pk}/change/", rules_post(physio_digest_hour=25))
    assert "Ensure this value is less than or equal to 23" in response.content.decode()
    assert client.post(f"{URL}{rules.pk}/change/", rules_post(physio_digest_hour=9)).status_code == 302
    rules.refresh_from_db()
    assert rules.physio_digest_hour == 9


def test_physio_reads_but_cannot_change_the_rules(client, physio, clinic):
    rules = FollowUpRules.objects.create(clinic=clinic)
    client.force_login(physio)
    assert client.get(f"{URL}{rules.pk}/change/").status_code == 200
    client.post(f"{URL}{rules.pk}/change/", rules_post(physio_digest_hour=3))
    rules.refresh_from_db()
    assert rules.physio_digest_hour == 8


def test_other_clinics_rules_are_not_found(client, clinic_admin, clinic2):
    rules = FollowUpRules.objects.create(clinic=clinic2)
    client.force_login(clinic_admin)
    assert client.get(f"{URL}{rules.pk}/change/").status_code == 404
    assert str(rules.clinic) not in client.get(URL).content.decode()


def test_the_clinics_pathway_set_in_the_admin_is_what_an_assignment_starts(
    client, clinic_admin, clinic, physio, patient
):
    from programs.services import assign_program
    from programs.tests.factories import make_template

    client.force_login(clinic_admin)
    steps = {
        "pathway-TOTAL_FORMS": 2,
        "pathway-0-questionnaire": "odi",
        "pathway-0-first_week": 0,
        "pathway-0-every_weeks": 4,
        "pathway-1-questionnaire": "groc",
        "pathway-1-first_week": "",
        "pathway-1-every_weeks": 0,
        "pathway-1-at_discharge": "on",
    }
    assert client.post(f"{URL}add/", rules_post(**steps)).status_code == 302
    program = assign_program(patient=patient, physio=physio, template=make_template(), start_date=timezone.localdate())
    schedules = {
        s.questionnaire: (s.next_due_on, s.every_days, s.at_discharge) for s in patient.check_in_schedules.all()
    }
    assert schedules == {"odi": (program.start_date, 28, False), "groc": (None, 0, True)}
