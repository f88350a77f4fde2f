import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.STAFF_2FA_REQUIRED = True


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_physio_is_sent_to_two_factor_set_up_before_the_admin(client, physio):
    client.force_login(physio)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/two-factor/")
    html = response.content.decode()
    assert "data:image/svg+xml;base64," in html
    assert re.search(r"<code[^>]*>[A-Z2-7]{16,}</code>", html)


def test_physio_sets_up_totp_then_reaches_the_admin(client, physio):
    client.force_login(physio)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=physio)
    response = client.post("/accounts/two-factor/", {"token": code_for(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_a_wrong_code_is_refused_and_the_admin_stays_closed(client, physio):
    client.force_login(physio)
    client.get("/accounts/two-factor/")
    response = client.post("/accounts/two-factor/", {"token": "000000"})
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
