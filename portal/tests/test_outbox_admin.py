import os

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.utils import timezone

from portal.models import OutboundEmail
from testing.factories import ClinicFactory, OutboundEmailFactory, StaffFactory, UserFactory

Status = OutboundEmail.Status
CHANGELIST = "/admin/portal/outboundemail/"


def change_url(row) -> str:
    return f"{CHANGELIST}{row.pk}/change/"


@pytest.mark.parametrize(
    ("who", "status"),
    [("superuser", 200), ("clinic_admin", 200), ("physio", 403), ("editor", 403), ("patient", 302)],
)
def test_who_can_open_the_outbox(client, request, who, status):
    user = request.getfixturevalue(who)
    client.force_login(user.user if who == "patient" else user)
    assert client.get(CHANGELIST).status_code == status


def test_clinic_admin_sees_only_their_clinics_emails(client, clinic_admin, clinic2):
    own = OutboundEmailFactory(clinic=clinic_admin.clinic, recipient="own@example.com")
    other = OutboundEmailFactory(clinic=clinic2, recipient="other-clinic@example.com")
    unscoped = OutboundEmailFactory(clinic=None, recipient="editor-mail@example.com")
    client.force_login(clinic_admin)

    page = client.get(CHANGELIST).content.decode()
    assert "own@example.com" in page
    assert "other-clinic@example.com" not in page and "editor-mail@example.com" not in page
    assert client.get(change_url(own)).status_code == 200
    assert client.get(change_url(other)).status_code == 404
    assert client.get(change_url(unscoped)).status_code == 404


def test_changelist_filters_by_status_and_kind_and_searches_by_key(client, superuser):
    failed = OutboundEmailFactory(status=Status.FAILED, recipient="failed@example.com", key="invite:42")
    OutboundEmailFactory(recipient="pending@example.com")
    client.force_login(superuser)

    by_status = client.get(CHANGELIST, {"status__exact": "failed", "kind": "staff_welcome"}).content.decode()
    assert "failed@example.com" in by_status and "pending@example.com" not in by_status
    by_key = client.get(CHANGELIST, {"q": failed.key}).content.decode()
    assert "failed@example.com" in by_key and "pending@example.com" not in by_key


def test_changelist_queries_do_not_grow_with_rows(client, superuser, django_assert_max_num_queries):
    clinic = ClinicFactory()
    OutboundEmailFactory.create_batch(3, clinic=clinic)
    client.force_login(superuser)
    with django_assert_max_num_queries(12) as small:
        client.get(CHANGELIST)
    OutboundEmailFactory.create_batch(40, clinic=clinic)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(CHANGELIST).status_code == 200


def test_a_message_is_shown_rendered_with_its_html_sandboxed(client, superuser):
    user = UserFactory(first_name="<script>alert(1)</script>", email="sam@example.com")
    row = OutboundEmailFactory(recipient=user.email, context={"user_id": user.pk})
    client.force_login(superuser)

    page = client.get(change_url(row)).content.decode()
    assert "Your Back &amp; Spine Clinic staff account is ready" in page
    assert '<iframe sandbox="" srcdoc="' in page
    assert "&lt;p&gt;Hello" in page  # the HTML is data inside the attribute, never markup of the admin page
    assert "<script>alert" not in page


def test_a_sent_message_is_read_only_and_nothing_can_be_deleted(client, superuser):
    row = OutboundEmailFactory(status=Status.SENT, sent_at=timezone.now(), attempts=1)
    client.force_login(superuser)

    page = client.get(change_url(row)).content.decode()
    assert 'name="_save"' not in page and "/delete/" not in page
    assert client.post(change_url(row), {"recipient": "changed@example.com"}).status_code == 403
    assert client.post(f"{CHANGELIST}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboundEmail.objects.get(pk=row.pk).recipient == row.recipient


def test_retry_failed_action_queues_only_failed_ones_again(client, clinic_admin, django_capture_on_commit_callbacks):
    failed = OutboundEmailFactory.create_batch(2, clinic=clinic_admin.clinic, status=Status.FAILED, attempts=3)
    sent = OutboundEmailFactory(clinic=clinic_admin.clinic, status=Status.SENT, sent_at=timezone.now(), attempts=1)
    client.force_login(clinic_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, {"action": "retry_failed", "_selected_action": [r.pk for r in [*failed, sent]]}, follow=True
        )

    assert "2 failed email(s) queued again." in response.content.decode()
    assert len(mail.outbox) == 2  # tasks run in-process here
    assert {r.status for r in OutboundEmail.objects.filter(pk__in=[r.pk for r in failed])} == {Status.SENT}
    assert LogEntry.objects.filter(change_message="Retried from the admin").count() == 2


def test_cancel_pending_action_cancels_with_who_did_it(client, clinic_admin):
    pending = OutboundEmailFactory(clinic=clinic_admin.clinic)
    sent = OutboundEmailFactory(clinic=clinic_admin.clinic, status=Status.SENT, sent_at=timezone.now(), attempts=1)
    client.force_login(clinic_admin)

    response = client.post(
        CHANGELIST, {"action": "cancel_pending", "_selected_action": [pending.pk, sent.pk]}, follow=True
    )

    assert "1 pending email(s) cancelled." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.CANCELLED
    assert pending.cancel_reason == "cancelled in the admin by clinic-admin@test.example"
    assert OutboundEmail.objects.get(pk=sent.pk).status == Status.SENT


def test_a_clinic_admin_cannot_act_on_another_clinics_emails(client, clinic_admin, clinic2):
    other = OutboundEmailFactory(clinic=clinic2)
    client.force_login(clinic_admin)
    client.post(CHANGELIST, {"action": "cancel_pending", "_selected_action": [other.pk]})
    assert OutboundEmail.objects.get(pk=other.pk).status == Status.PENDING


def test_staff_without_outbox_permission_cannot_run_actions(client, db):
    physio = StaffFactory(role="Physiotherapist")
    row = OutboundEmailFactory(clinic=physio.clinic)
    client.force_login(physio)
    assert client.post(CHANGELIST, {"action": "cancel_pending", "_selected_action": [row.pk]}).status_code == 403
    assert OutboundEmail.objects.get(pk=row.pk).status == Status.PENDING


@pytest.mark.browser
def test_admin_shows_the_email_as_the_recipient_will_see_it(browser_page, superuser, password):
    from testing.services import SCREENSHOTS, login, screenshot

    row = OutboundEmailFactory(clinic=ClinicFactory(name="Riverside Back & Spine Clinic"))
    login(browser_page, superuser.email, password)
    browser_page.goto(change_url(row))
    frame = browser_page.frame_locator("iframe[title='HTML version of the email']")
    frame.get_by_role("link", name="Log in").wait_for()
    assert frame.get_by_text("Riverside Back & Spine Clinic").first.is_visible()
    screenshot(browser_page, "outbox-admin-message")
    # Full-page captures leave the sandboxed (out-of-process) frame blank; the viewport shows it.
    browser_page.locator("iframe").scroll_into_view_if_needed()
    browser_page.screenshot(path=os.path.join(SCREENSHOTS, "outbox-email-preview.png"))
