"""Each real-service fixture carries a real test: SMTP, a Celery worker on Redis, Chromium."""

import pytest
from django.core.mail import send_mail

from portal.celery import app
from portal.models import Clinic
from testing.services import login, screenshot


@app.task(name="tests.create_clinic")
def create_clinic(slug: str) -> None:
    Clinic.objects.create(name=slug.title(), slug=slug)


def test_smtp_server_receives_what_django_sends(smtp_server):
    send_mail("Hello", "Body text", "care@clinic.example", ["sam@example.com"])
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Hello"
    assert message["To"] == "sam@example.com"
    assert message.get_content().strip() == "Body text"


def test_smtp_server_can_refuse_mail(smtp_server):
    from smtplib import SMTPDataError

    smtp_server.reply.append("550 mailbox unavailable")
    with pytest.raises(SMTPDataError):
        send_mail("Hello", "Body", "care@clinic.example", ["sam@example.com"])
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_celery_worker_runs_a_task_from_redis(celery_worker):
    result = create_clinic.apply_async(args=["from-worker"])
    assert result.id
    import time

    deadline = time.monotonic() + 20
    while not Clinic.objects.filter(slug="from-worker").exists():
        assert time.monotonic() < deadline, "the worker never ran the task"
        time.sleep(0.1)


def test_browser_logs_in_and_sees_its_name(browser_page, patient, password):
    login(browser_page, patient.user.email, password)
    assert browser_page.url.endswith("/")
    assert browser_page.get_by_role("button", name="Log out").is_visible()
    screenshot(browser_page, "home")
