import pytest
from django.core import mail
from django.test import Client

from portal.models import EmailOptOut, OutboundEmail
from portal.outbox import queue_email
from portal.outbox.rendering import unsubscribe_url
from testing.services import screenshot


def is_opted_out(email: str, group: str) -> bool:
    return EmailOptOut.objects.filter(email=email, group__in=[group, "all"]).exists()


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def send_welcome(user, key: str, capture) -> OutboundEmail:
    with capture(execute=True):
        return queue_email(kind="staff_welcome", to=user.email, key=key, context={"user_id": user.pk})


def test_the_link_shows_a_confirmation_page_and_changes_nothing_on_get(client, db):
    url = path_of(unsubscribe_url("sam@example.com", "account"))
    page = client.get(url)
    assert page.status_code == 200
    assert "sam@example.com" in page.content.decode()
    assert not EmailOptOut.objects.exists()


def test_one_click_post_without_csrf_token_opts_out(db):
    client = Client(enforce_csrf_checks=True)  # as a mail provider's one-click POST arrives
    url = path_of(unsubscribe_url("Sam@Example.com", "account"))
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert is_opted_out("sam@example.com", "account")
    assert not is_opted_out("sam@example.com", "reminders")
    assert client.post(url).status_code == 200  # twice is fine
    assert EmailOptOut.objects.count() == 1


@pytest.mark.parametrize("token", ["not-a-token", "eyJlIjoic2FtQGV4YW1wbGUuY29tIiwiZyI6ImFjY291bnQifQ:forged"])
def test_a_forged_link_is_not_found(client, db, token):
    assert client.post(f"/email/unsubscribe/{token}/").status_code == 404
    assert not EmailOptOut.objects.exists()


def test_the_header_of_a_sent_email_stops_the_next_one(client, physio, django_capture_on_commit_callbacks):
    send_welcome(physio, "first", django_capture_on_commit_callbacks)
    header = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    client.post(path_of(header))

    second = send_welcome(physio, "second", django_capture_on_commit_callbacks)
    second.refresh_from_db()
    assert len(mail.outbox) == 1
    assert second.status == OutboundEmail.Status.CANCELLED


@pytest.mark.browser
def test_unsubscribe_works_on_a_phone(browser_page, db):
    browser_page.set_viewport_size({"width": 320, "height": 640})
    browser_page.goto(path_of(unsubscribe_url("sam@example.com", "reminders")))
    assert browser_page.get_by_role("heading", level=1).inner_text() == "Stop these emails?"
    browser_page.get_by_role("button", name="Stop these emails").click()
    assert browser_page.get_by_role("status").filter(has_text="reminders").is_visible()
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(browser_page, "unsubscribe-done")
    assert is_opted_out("sam@example.com", "reminders")
