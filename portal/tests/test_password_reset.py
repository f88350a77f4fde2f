"""Password reset goes through the outbox: nothing is sent from the request, an SMTP outage loses nothing, the
page says the same for every address, and there are limits per address and per client."""

import re

import pytest
from django.core import mail

from portal.models import OutboundEmail
from portal.outbox.services import deliver_email

RESET = "/accounts/password_reset/"
LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)")


def ask(client, email, ip="198.51.100.7"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def test_a_reset_is_queued_not_sent_from_the_request_and_its_link_works(client, editor, settings):
    settings.SITE_URL = "https://portal.example"
    response = ask(client, editor.email)

    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []  # nothing left the request
    row = OutboundEmail.objects.get(kind="password_reset")
    assert (row.recipient, row.status) == (editor.email, "pending")

    deliver_email(email_id=row.pk)
    (message,) = mail.outbox
    assert message.subject == f"Reset your {settings.SITE_NAME} password"
    path = LINK.search(message.body).group(1)
    assert client.get(path).status_code == 302  # Django swaps the token for a session and shows the form


def test_an_unknown_address_gets_the_same_answer_and_nothing_is_queued(client, editor):
    known, unknown = ask(client, editor.email), ask(client, "nobody@test.example")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert OutboundEmail.objects.filter(kind="password_reset").count() == 1


def test_at_most_three_reset_emails_an_hour_to_one_address(client, editor):
    for n in range(6):
        assert ask(client, editor.email.upper(), ip=f"198.51.100.{n}").status_code == 302
    assert OutboundEmail.objects.filter(kind="password_reset").count() == 3


def test_at_most_twenty_requests_an_hour_from_one_client(client, settings, db):
    from testing.factories import UserFactory

    users = [UserFactory(email=f"user{n}@test.example") for n in range(25)]
    for user in users:
        ask(client, user.email, ip="203.0.113.9")
    assert OutboundEmail.objects.filter(kind="password_reset").count() == settings.PASSWORD_RESET_PER_IP


@pytest.mark.django_db(transaction=True)
def test_an_smtp_outage_keeps_the_email_for_a_retry(client, editor, smtp_server):
    smtp_server.reply.append("451 try again later")
    ask(client, editor.email)  # in-process tasks run after the commit: the send is tried at once

    row = OutboundEmail.objects.get(kind="password_reset")
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in row.last_error
