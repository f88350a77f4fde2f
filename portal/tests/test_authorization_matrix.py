"""Every URL pattern of the project × every role, against one readable table.

Each URL is resolved with objects that belong to clinic 1 and patient A. A URL pattern that no row
of MATRIX matches fails the test, so a new page cannot go untested; a row that matches no URL fails
too, so the table cannot rot.

Outcomes: 200, 403, 404, 405, "login" (redirect to the log-in page), "admin" (redirect to the admin
log-in page), "302" (any other redirect).
"""

import datetime
import re
import uuid

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.models import Condition, Tag
from articles.tests.factories import published_article
from patients import services as patient_services
from patients.models import FollowUpRules
from patients.questionnaires import Questionnaire
from portal.models import AuditEvent, Patient
from portal.outbox.rendering import unsubscribe_token
from portal.outbox.services import opt_out
from programs.services import assign_program
from programs.tests.factories import make_template
from testing.factories import OutboundEmailFactory

ROLES = ["anon", "patient", "patient_b", "physio", "physio2", "editor", "clinic_admin", "superuser"]

# (URL name regex, outcomes for: anon patient patient_b physio physio2 editor clinic_admin superuser)
MATRIX: list[tuple[str, str]] = [
    # Public pages
    (r"home|password_reset|password_reset_done|password_reset_complete", "200 200 200 200 200 200 200 200"),
    (r"login", "200 302 302 302 302 302 302 302"),
    (r"password_reset_confirm", "200 200 200 200 200 200 200 200"),
    (r"healthz|service_worker|web_manifest", "200 200 200 200 200 200 200 200"),
    (r"logout", "405 405 405 405 405 405 405 405"),
    (r"password_change|password_change_done", "login 200 200 200 200 200 200 200"),
    (r"two_factor", "login 200 200 200 200 200 200 200"),
    (r"programs:exercise_detail", "200 200 200 200 200 200 200 200"),
    # The patient's own pages: patient B gets 404 for patient A's objects, staff get 404 (not patients)
    (r"patients:(today|progress|export|export_file)", "login 200 200 404 404 404 404 404"),
    (r"patients:(check_in_list|check_in_form|settings)", "login 200 200 404 404 404 404 404"),
    (r"patients:(check_in_done|session_done)", "login 200 404 404 404 404 404 404"),
    (r"patients:calendar_feed", "200 200 200 200 200 200 200 200"),  # no login: the token is the credential
    (r"patients:(rotate_calendar|reading_read)", "405 405 405 405 405 405 405 405"),  # POST only (own tests)
    (r"patients:welcome|patients:welcome_new", "200 200 200 200 200 200 200 200"),  # the invitation link
    # Admin: closed to anonymous visitors and patients
    (r"moved_patient_admin", "308 308 308 308 308 308 308 308"),  # the patient admin's old address
    (r"admin:(index|password_change|password_change_done)", "admin admin admin 200 200 200 200 200"),
    (r"admin:login", "200 200 200 302 302 302 302 302"),
    (r"admin:logout", "302 302 302 405 405 405 405 405"),
    (r"admin:jsi18n", "admin admin admin 200 200 200 200 200"),
    (r"admin:autocomplete", "admin admin admin 200 200 403 200 200"),  # patients for a program, scoped
    (r"admin:view_on_site", "admin admin admin 404 404 404 404 404"),
    # Clinical records of clinic 1: physio2 (clinic 2) gets 404, like a record that does not exist
    (
        r"admin:(portal_patient|patients_(alert|sessionlog|checkin|checkinschedule|redflagreport))_changelist",
        "admin admin admin 200 200 403 200 200",
    ),
    (r"admin:portal_patient_add", "admin admin admin 200 200 403 200 200"),
    (
        r"admin:patients_(alert|sessionlog|checkin|checkinschedule|redflagreport)_add",
        "admin admin admin 403 403 403 403 403",
    ),  # made by the system
    (
        r"admin:(portal_patient|patients_(alert|sessionlog|checkin|checkinschedule|redflagreport))_(change|history)",
        "admin admin admin 200 404 404 200 200",
    ),
    (r"admin:portal_patient_progress", "admin admin admin 200 404 404 200 200"),
    (
        r"admin:patients_alert_(acknowledge|resolve)",
        "admin admin admin 405 405 405 405 405",
    ),  # POST only: test_clinician_home.py
    (
        r"admin:(portal_patient|patients_(alert|sessionlog|checkin|checkinschedule|redflagreport))_delete",
        "admin admin admin 403 404 404 403 403",
    ),  # never deleted
    (
        r"admin:(portal_patient|patients_(alert|sessionlog|checkin|checkinschedule|redflagreport))_redirect",
        "admin admin admin 302 302 302 302 302",
    ),
    # Follow-up rules: the clinic admin edits their clinic's; physios read them
    (r"admin:patients_followuprules_changelist", "admin admin admin 200 200 403 200 200"),
    (r"admin:patients_followuprules_add", "admin admin admin 403 403 403 403 200"),  # one row per clinic
    (r"admin:patients_followuprules_(change|history)", "admin admin admin 200 404 404 200 200"),
    (r"admin:patients_followuprules_delete", "admin admin admin 403 404 404 403 200"),
    (r"admin:patients_followuprules_redirect", "admin admin admin 302 302 302 302 302"),
    # Staff accounts and clinics, scoped to the clinic
    (r"admin:portal_(user|clinic)_changelist", "admin admin admin 200 200 403 200 200"),
    (r"admin:portal_user_add", "admin admin admin 403 403 403 200 200"),
    (r"admin:portal_clinic_add", "admin admin admin 403 403 403 403 200"),
    (r"admin:portal_(user|clinic)_(change|history)", "admin admin admin 200 404 404 200 200"),
    (r"admin:portal_(user|clinic)_delete", "admin admin admin 403 404 404 403 200"),
    (r"admin:auth_user_password_change", "admin admin admin 403 403 403 200 200"),
    (r"admin:portal_(user|clinic)_redirect", "admin admin admin 302 302 302 302 302"),
    # The audit trail: the clinic admin reads it, nobody writes it
    (r"admin:portal_auditevent_changelist", "admin admin admin 403 403 403 200 200"),
    (r"admin:portal_auditevent_(change|history)", "admin admin admin 403 404 404 200 200"),
    (r"admin:portal_auditevent_add", "admin admin admin 403 403 403 403 403"),
    (r"admin:portal_auditevent_delete", "admin admin admin 403 404 404 403 403"),
    (r"admin:portal_auditevent_redirect", "admin admin admin 302 302 302 302 302"),
    # Superuser-only machinery: groups, lockouts, two-factor devices
    (
        r"admin:(auth_group|axes_\w+|otp_\w+)_(changelist|change|history|delete)",
        "admin admin admin 403 403 403 403 200",
    ),
    (r"admin:(auth_group|otp_\w+)_add", "admin admin admin 403 403 403 403 200"),
    (r"admin:axes_\w+_add", "admin admin admin 403 403 403 403 403"),  # lockouts are only recorded
    (r"admin:otp_totp_totpdevice_(config|qrcode)", "admin admin admin 403 403 403 403 200"),
    (r"admin:(auth_group|axes_\w+|otp_\w+)_redirect", "admin admin admin 302 302 302 302 302"),
    # Programs: the exercise library is public; a handout belongs to its patient only
    (r"programs:exercise_(list|detail)", "200 200 200 200 200 200 200 200"),
    (r"programs:handout_(pdf|print)", "login 200 404 404 404 404 404 404"),
    (r"admin:programs_(program|programchange)_changelist", "admin admin admin 200 200 403 200 200"),
    (r"admin:programs_program_add", "admin admin admin 302 302 403 302 302"),  # to the assign page
    (r"admin:programs_program_assign", "admin admin admin 200 200 403 200 200"),
    (r"admin:programs_(program|programchange)_(change|history)", "admin admin admin 200 404 404 200 200"),
    (r"admin:programs_program_handout", "admin admin admin 200 404 404 200 200"),
    (r"admin:programs_program_advance", "admin admin admin 405 405 405 405 405"),  # POST only: test_patient_page.py
    (r"admin:programs_(program|programchange)_delete", "admin admin admin 403 404 404 403 403"),  # never deleted
    (r"admin:programs_programchange_add", "admin admin admin 403 403 403 403 403"),
    (r"admin:programs_exercise_(changelist|add|change|history)", "admin admin admin 200 200 200 200 200"),
    (r"admin:programs_exercise_changes", "admin admin admin 404 404 404 404 404"),  # no change is waiting
    (
        r"admin:programs_(programtemplate|templatephase)_(changelist|add|change|history)",
        "admin admin admin 200 200 403 200 200",
    ),
    (r"admin:programs_(exercise|programtemplate|templatephase)_delete", "admin admin admin 403 403 403 403 200"),
    (r"admin:programs_\w+_redirect", "admin admin admin 302 302 302 302 302"),
    # Articles: public when published; editors write them, clinical staff read them in the admin
    (r"articles:(list|detail|feed|sitemap|robots)", "200 200 200 200 200 200 200 200"),
    (r"admin:articles_(article|condition|tag)_(changelist|change|history)", "admin admin admin 200 200 200 200 200"),
    (r"admin:articles_article_preview", "admin admin admin 200 200 200 200 200"),
    (r"admin:articles_(article|condition|tag)_(add|delete)", "admin admin admin 403 403 200 403 200"),
    (r"admin:articles_article_restore", "admin admin admin 403 403 200 403 200"),
    (r"admin:articles_article_working_copy", "admin admin admin 405 405 405 405 405"),  # POST only
    (r"admin:articles_article_changes", "admin admin admin 403 403 403 403 403"),  # the article is no working copy
    (r"admin:articles_(article|condition|tag)_redirect", "admin admin admin 302 302 302 302 302"),
    # The email outbox: the clinic admin reads (and retries) their clinic's emails; nothing is deleted
    (r"outbox-unsubscribe", "200 200 200 200 200 200 200 200"),
    (r"media", "404 404 404 404 404 404 404 404"),  # a file that is not there; the library's files are public
    (r"admin:portal_outboundemail_changelist", "admin admin admin 403 403 403 200 200"),
    (r"admin:portal_outboundemail_(change|history)", "admin admin admin 403 404 404 200 200"),
    (r"admin:portal_outboundemail_add", "admin admin admin 403 403 403 403 403"),
    (r"admin:portal_outboundemail_delete", "admin admin admin 403 404 404 403 403"),
    (r"admin:portal_(outboundemail|emailoptout)_redirect", "admin admin admin 302 302 302 302 302"),
    (r"admin:portal_emailoptout_(changelist|change|history|delete)", "admin admin admin 403 403 403 403 200"),
    (r"admin:portal_emailoptout_add", "admin admin admin 403 403 403 403 403"),
    (r"admin:app_list", "admin admin admin 200 200 404 200 200"),
    (r"admin:catch_all", "admin admin admin 404 404 404 404 404"),
]


def url_patterns(patterns=None, prefix="", namespace=""):
    """(name, route) for every pattern; unnamed admin redirects get the name <model>_redirect."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = pattern.name
            if name is None and route.endswith("(?P<url>.*)$"):
                name = "catch_all"
            elif name is None and namespace == "admin:":
                app, model = route.split("/")[1:3]
                name = f"{app}_{model}_redirect"
            yield f"{namespace}{name}", route


@pytest.fixture
def world(clinic, clinic2, patient, other_patient, patient2, physio, physio2, editor, clinic_admin, superuser):
    check_in = patient_services.submit_check_in(
        patient=patient, questionnaire=Questionnaire.GROC, answers={"rating": 1}, red_flags=[], token=uuid.uuid4()
    )
    alert = patient_services.raise_alert(patient=patient, kind="pain_high", severity=2, key="k", message="m")
    audit = AuditEvent.objects.create(actor=physio, clinic=clinic, action="view", model="x", path="/")
    article = published_article(reviewer=physio, author=editor, slug="sciatica")
    template = make_template(phases=1, items_per_phase=1)
    program = assign_program(patient=patient, physio=physio, template=template, start_date=datetime.date.today())
    session = patient_services.log_session(
        patient=patient,
        program=program,
        performed_on=datetime.date.today(),
        pain_before=2,
        pain_after=1,
        difficulty="about_right",
        note="",
        red_flags=[],
        exercises=[],
        token=uuid.uuid4(),
    )
    objects = {
        "portal_patient": patient,
        "patients_alert": alert,
        "patients_sessionlog": session,
        "patients_checkin": check_in,
        "patients_checkinschedule": patient.check_in_schedules.first(),  # the assignment made them
        "patients_redflagreport": patient_services.report_red_flags(
            patient=patient, flags=["night_pain"], token=uuid.uuid4(), source="session"
        ),
        "patients_followuprules": FollowUpRules.objects.create(clinic=clinic),
        "portal_clinic": clinic,
        "portal_user": physio,
        "auth_user": physio,
        "portal_auditevent": audit,
        "auth_group": Group.objects.first(),
        "portal_outboundemail": OutboundEmailFactory(clinic=clinic),
        "portal_emailoptout": opt_out(email="sam@example.com", group="reminders"),
        "articles_article": article,
        "programs_program": program,
        "programs_programchange": program.changes.first(),
        "programs_programtemplate": template,
        "programs_templatephase": template.phases.first(),
        "programs_exercise": template.phases.first().items.first().exercise,
        "articles_condition": Condition.objects.create(name="Sciatica", slug="sciatica"),
        "articles_tag": Tag.objects.create(name="Exercise", slug="exercise"),
        "axes_accessattempt": AccessAttempt.objects.create(
            username="x", ip_address="127.0.0.1", failures_since_start=1
        ),
        "axes_accesslog": AccessLog.objects.create(username="x", ip_address="127.0.0.1"),
        "axes_accessfailurelog": AccessFailureLog.objects.create(username="x", ip_address="127.0.0.1"),
        "otp_totp_totpdevice": TOTPDevice.objects.create(user=physio, name="phone"),
        "otp_email_emaildevice": EmailDevice.objects.create(user=physio, name="email"),
        "otp_static_staticdevice": StaticDevice.objects.create(user=physio, name="backup"),
    }
    users = {
        "anon": None,
        "patient": patient.user,
        "patient_b": other_patient.user,
        "physio": physio,
        "physio2": physio2,
        "editor": editor,
        "clinic_admin": clinic_admin,
        "superuser": superuser,
    }
    return {"objects": objects, "users": users, "check_in": check_in, "session": session}


def concrete_path(route: str, name: str, world) -> str:
    """Fill a route's parameters with clinic 1 / patient A objects."""
    if route.startswith("admin/^(?P<app_label>"):
        return "/admin/patients/"
    if name == "moved_patient_admin":
        return "/admin/patients/patient/"
    if name == "admin:autocomplete":
        return "/admin/autocomplete/?app_label=programs&model_name=program&field_name=patient&term="
    if route.endswith("(?P<url>.*)$"):
        return "/admin/no-such-page/"
    values = {
        "token": unsubscribe_token("sam@example.com", "reminders") if name == "outbox-unsubscribe" else "set-password",
        "fmt": "csv",
        "path": "exercises/no-such-picture.jpg",
        "slug": "sciatica" if name == "articles:detail" else "knee-to-chest",
        "revision_pk": str(world["objects"]["articles_article"].revisions.first().pk),
        "questionnaire": Questionnaire.ODI,
        "uidb64": "MQ",
        "content_type_id": str(ContentType.objects.get_for_model(Patient).pk),
    }
    admin_name = name.removeprefix("admin:")
    obj = next((o for key, o in world["objects"].items() if admin_name.startswith(key + "_")), None)
    if name == "patients:check_in_done":
        obj = world["check_in"]
    if name == "patients:session_done":
        obj = world["session"]
    if name == "patients:reading_read":
        obj = world["objects"]["programs_program"]  # any number: GET is refused before the reading is looked up
    if name == "patients:calendar_feed":
        values["token"] = str(world["objects"]["portal_patient"].calendar_token)
    if name.startswith("programs:handout"):
        obj = world["objects"]["programs_program"]
    if name == "admin:view_on_site":
        obj = world["objects"]["portal_patient"]

    def fill(match):
        param = match.group(1).split(":")[-1]
        if param in ("object_id", "pk", "id"):
            return str(obj.pk)
        return values[param]

    return "/" + re.sub(r"<([^>]+)>", fill, route)


def outcome(response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return "admin"
        if location.startswith("/accounts/login/"):
            return "login"
        return "302"
    return str(response.status_code)


@pytest.fixture
def exercise(db):
    from programs.models import Exercise

    return Exercise.objects.create(
        name="Knee to chest",
        slug="knee-to-chest",
        body_region="lower-back",
        kind="stretch",
        summary="s",
        instructions="a",
    )


def test_every_url_and_role_matches_the_table(client, world, exercise):
    patterns = sorted(set(url_patterns()))
    rows = [(re.compile(rf"^(?:{regex})$"), expected.split()) for regex, expected in MATRIX]
    unmatched = [name for name, _ in patterns if not any(r.match(name) for r, _ in rows)]
    assert not unmatched, f"URL patterns without a row in MATRIX: {unmatched}"
    unused = [regex for regex, _ in MATRIX if not any(re.match(rf"^(?:{regex})$", n) for n, _ in patterns)]
    assert not unused, f"MATRIX rows that match no URL: {unused}"

    mismatches = []
    for role in ROLES:
        client.logout()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        for name, route in patterns:
            expected = next(e for r, e in rows if r.match(name))[ROLES.index(role)]
            path = concrete_path(route, name, world)
            got = outcome(client.get(path))
            if got != expected:
                mismatches.append(f"{role:12} {path:55} expected {expected:5} got {got}")
    assert not mismatches, f"{len(mismatches)} cells differ:\n" + "\n".join(mismatches)
