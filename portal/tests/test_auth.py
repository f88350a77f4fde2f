import re

import pytest
from django.core import mail

from portal.models import OutboundEmail
from portal.outbox.services import deliver_email


def test_login_with_email_lands_on_home(client, physio, password):
    response = client.post("/accounts/login/", {"username": "PHYSIO@test.example", "password": password})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_failed_login_keeps_the_email_and_says_what_is_wrong(client, physio):
    response = client.post("/accounts/login/", {"username": "physio@test.example", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="physio@test.example"' in html
    assert "Please enter a correct email address and password" in html


def test_the_cached_empty_login_form_never_holds_what_someone_typed(client, physio):
    typed = client.post("/accounts/login/", {"username": "physio@test.example", "password": "wrong"})
    assert 'value="physio@test.example"' in typed.content.decode()
    for _ in range(2):  # rendered, then from the cache
        again = client.get("/accounts/login/").content.decode()
        assert 'name="username"' in again and 'name="password"' in again
    assert "physio@test.example" not in again and 'name="username"' in again
    assert re.search(r'name="csrfmiddlewaretoken" value="[^"]+"', again)  # the token stays per visitor


def test_login_form_says_when_the_email_is_missing(client, db):
    response = client.post("/accounts/login/", {"username": "", "password": "x"})
    assert "This field is required" in response.content.decode()


def test_patient_cannot_reach_the_admin(client, patient):
    client.force_login(patient.user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_password_reset_sends_a_single_use_link(client, patient):
    response = client.post("/accounts/password_reset/", {"email": patient.user.email})
    assert response.status_code == 302
    deliver_email(email_id=OutboundEmail.objects.get(kind="password_reset").pk)  # what the worker does
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "a-new-Passw0rd!", "new_password2": "a-new-Passw0rd!"})
    assert response.status_code == 302
    patient.user.refresh_from_db()
    assert patient.user.check_password("a-new-Passw0rd!")
    assert client.get(link).status_code == 200  # the page renders, but says the link is spent
    assert "expired or was already used" in client.get(link).content.decode()


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/password_reset/"])
def test_public_pages_render(client, db, path):
    assert client.get(path).status_code == 200


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "can't find that page" in response.content.decode()


def test_login_page_shows_the_portal_name_not_the_host(client, db, settings):
    page = client.get("/accounts/login/").content.decode().replace("&amp;", "&")
    assert f"<title>Log in · {settings.SITE_NAME}</title>" in page
    assert "testserver" not in page
