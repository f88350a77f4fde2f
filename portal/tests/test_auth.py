import re

import pytest
from django.core import mail

from portal.models import OutboundEmail
from portal.outbox.services import deliver_email


def test_login_with_email_in_any_case_lands_staff_on_their_home(client, physio, password):
    response = client.post("/accounts/login/", {"username": "PHYSIO@test.example", "password": password})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


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


def test_a_patient_changes_their_password_on_the_sites_pages_not_the_admins(client, patient, password):
    client.force_login(patient.user)
    html = client.get("/accounts/password_change/").content.decode()
    assert "Change your password" in html and "Django site admin" not in html and 'href="/admin/"' not in html
    response = client.post(
        "/accounts/password_change/",
        {"old_password": password, "new_password1": "a-new-Passw0rd!!", "new_password2": "a-new-Passw0rd!!"},
        follow=True,
    )
    assert "Your new password is saved" in response.content.decode()
    assert "site admin" not in response.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.check_password("a-new-Passw0rd!!")


def test_scoped_staff_see_no_other_clinics_in_filters_and_add_patients_as_their_own(client, physio, clinic2):
    client.force_login(physio)
    html = client.get("/admin/portal/patient/").content.decode()
    assert clinic2.name not in html and "By clinic" not in html
    response = client.get("/admin/portal/patient/add/")
    assert response.context["adminform"].form.initial["primary_physio"] == physio.pk


def test_the_article_form_names_author_and_reviewer_without_links_staff_cannot_open(client, editor, physio):
    from articles.tests.factories import published_article

    article = published_article(reviewer=physio, author=editor, title="Names")
    client.force_login(editor)
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert f"/admin/portal/user/{physio.pk}/" not in html and f"/admin/portal/user/{editor.pk}/" not in html
    assert physio.get_full_name() in html
