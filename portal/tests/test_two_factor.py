import re

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import OutboundEmail
from portal.outbox.services import deliver_email

SETUP = "/accounts/two-factor/"


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.STAFF_2FA_REQUIRED = True


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def emailed_code(user) -> str:
    """What the worker does with the queued email, and the code as the staff member reads it."""
    row = OutboundEmail.objects.filter(kind="two_factor_code", recipient=user.email).latest("pk")
    deliver_email(email_id=row.pk)
    return re.search(r"set up two-factor authentication: (\d{6})", mail.outbox[-1].body).group(1)


def prove_mailbox(client, user) -> None:
    client.get(SETUP)
    client.post(SETUP, {"token": emailed_code(user)})


def test_a_first_enrolment_shows_no_secret_before_the_emailed_code_is_typed(client, physio):
    client.force_login(physio)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)
    html = response.content.decode()
    assert "data:image/svg" not in html and not TOTPDevice.objects.exists()  # a password alone enrols nothing
    assert f"code emailed to {physio.email}" in html

    client.post(SETUP, {"token": emailed_code(physio)})
    html = client.get(SETUP).content.decode()
    assert "data:image/svg+xml;base64," in html
    assert re.search(r"<code[^>]*>[A-Z2-7]{16,}</code>", html)


def test_physio_sets_up_totp_gets_backup_codes_then_reaches_the_admin(client, physio):
    client.force_login(physio)
    prove_mailbox(client, physio)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=physio)
    response = client.post(SETUP, {"token": code_for(device), "next": "/admin/"})
    codes = re.findall(r"<li>([a-z0-9]{8,})</li>", response.content.decode())
    assert len(codes) == 10 and StaticDevice.objects.get(user=physio).token_set.count() == 10
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_a_backup_code_signs_in_once(client, physio):
    client.force_login(physio)
    prove_mailbox(client, physio)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=physio)
    codes = re.findall(r"<li>([a-z0-9]{8,})</li>", client.post(SETUP, {"token": code_for(device)}).content.decode())
    client.logout()

    client.force_login(physio)
    assert client.post(SETUP, {"token": codes[0], "next": "/admin/"})["Location"] == "/admin/"
    client.logout()
    client.force_login(physio)
    assert "That code is not right" in client.post(SETUP, {"token": codes[0]}).content.decode()


def test_a_wrong_code_is_refused_and_the_admin_stays_closed(client, physio):
    client.force_login(physio)
    prove_mailbox(client, physio)
    client.get(SETUP)
    response = client.post(SETUP, {"token": "000000"})
    assert "That code is not right" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_next_log_in_asks_for_a_code_from_the_confirmed_device(client, physio):
    device = TOTPDevice.objects.create(user=physio, name="phone", confirmed=True)
    client.force_login(physio)
    html = client.get("/accounts/two-factor/").content.decode()
    assert "data:image/svg" not in html  # no new secret shown once set up
    client.post("/accounts/two-factor/", {"token": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_content_editor_without_patient_access_needs_no_second_factor(client, editor):
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200


def test_next_cannot_send_the_user_off_site(client, physio):
    device = TOTPDevice.objects.create(user=physio, name="phone", confirmed=True)
    client.force_login(physio)
    response = client.post("/accounts/two-factor/", {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"
