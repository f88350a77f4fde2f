"""Who may manage whose staff account: a clinic admin manages the physiotherapists of their own clinic, never
a superuser, another clinic admin, a content editor, their own roles, or anyone of another clinic."""

import pytest
from django.contrib.auth.models import Group

from portal import roles
from testing.factories import PASSWORD, StaffFactory, UserFactory

USERS = "/admin/portal/user/"


@pytest.fixture
def people(clinic, clinic_admin, physio, physio2, editor):
    root = UserFactory(email="root@test.example", is_staff=True, is_superuser=True, clinic=clinic)
    other_admin = StaffFactory(email="admin-b@test.example", clinic=clinic, role=roles.CLINIC_ADMIN)
    return {"root": root, "other_admin": other_admin, "physio": physio, "physio2": physio2, "editor": editor}


def password_form(password="N3w-long-passw0rd!"):
    return {"password1": password, "password2": password}


@pytest.mark.parametrize(
    ("target", "status"),
    [("root", 403), ("other_admin", 403), ("physio", 200), ("physio2", 404), ("editor", 404)],
)
def test_a_clinic_admin_may_reset_only_the_passwords_of_their_own_physios(client, clinic_admin, people, target, status):
    user = people[target]
    client.force_login(clinic_admin)

    assert client.get(f"{USERS}{user.pk}/password/").status_code == status
    client.post(f"{USERS}{user.pk}/password/", password_form())

    user.refresh_from_db()
    assert user.check_password("N3w-long-passw0rd!") is (status == 200)


def test_a_clinic_admin_cannot_take_over_the_superuser(client, clinic_admin, people):
    root = people["root"]
    client.force_login(clinic_admin)
    response = client.post(
        f"{USERS}{root.pk}/change/",
        {
            "email": root.email,
            "is_active": "",
            "is_staff": "on",
            "groups": [Group.objects.get(name=roles.CLINIC_ADMIN).pk],
        },
    )

    assert response.status_code == 403
    root.refresh_from_db()
    assert root.is_active and root.check_password(PASSWORD)


def test_a_clinic_admin_cannot_grant_a_global_role_or_superuser_even_to_a_physio(client, clinic_admin, people):
    physio = people["physio"]
    editors = Group.objects.get(name=roles.CONTENT_EDITOR)
    client.force_login(clinic_admin)
    data = {"email": physio.email, "first_name": "P", "last_name": "T", "is_active": "on", "is_superuser": "on"}

    refused = client.post(f"{USERS}{physio.pk}/change/", {**data, "groups": [editors.pk]})
    assert "Select a valid choice" in refused.content.decode()
    client.post(f"{USERS}{physio.pk}/change/", data)

    physio.refresh_from_db()
    assert not physio.is_superuser
    assert roles.CONTENT_EDITOR not in roles.role_names(physio)


def test_a_clinic_admin_cannot_change_their_own_roles(client, clinic_admin):
    client.force_login(clinic_admin)
    editors = Group.objects.get(name=roles.CONTENT_EDITOR)
    data = {"email": clinic_admin.email, "is_active": "on", "groups": [editors.pk]}

    assert client.post(f"{USERS}{clinic_admin.pk}/change/", data).status_code == 403
    assert roles.role_names(clinic_admin) == {roles.CLINIC_ADMIN}


def test_a_clinic_admin_deactivates_and_renames_a_physio_of_their_clinic(client, clinic_admin, people):
    physio = people["physio"]
    physios = Group.objects.get(name=roles.PHYSIOTHERAPIST)
    client.force_login(clinic_admin)
    data = {"email": physio.email, "first_name": "Pat", "last_name": "Lee", "groups": [physios.pk]}
    data.update({"clinician_profile-TOTAL_FORMS": "0", "clinician_profile-INITIAL_FORMS": "0"})  # left as it is

    response = client.post(f"{USERS}{physio.pk}/change/", data)

    assert response.status_code == 302
    physio.refresh_from_db()
    assert (physio.first_name, physio.is_active, physio.is_staff) == ("Pat", False, True)


def test_a_clinic_admin_adds_staff_to_their_own_clinic_only(client, clinic_admin, clinic2):
    client.force_login(clinic_admin)
    data = {"email": "new@test.example", "clinic": clinic2.pk, **password_form(), "usable_password": "true"}

    client.post(f"{USERS}add/", data)

    from portal.models import User

    new = User.objects.get(email="new@test.example")
    assert (new.clinic_id, new.is_staff, new.is_superuser) == (clinic_admin.clinic_id, True, False)


def test_a_new_staff_member_is_welcomed_by_email_once(
    client, clinic_admin, mailoutbox, django_capture_on_commit_callbacks
):
    """Tasks run in-process here: the email goes out when the admin's transaction commits."""
    client.force_login(clinic_admin)
    data = {"email": "welcome@test.example", "first_name": "Robin", **password_form(), "usable_password": "true"}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{USERS}add/", data)
    from portal.models import OutboundEmail, User

    new = User.objects.get(email="welcome@test.example")
    (row,) = OutboundEmail.objects.filter(kind="staff_welcome")
    assert (row.recipient, row.key, row.status) == (new.email, f"staff_welcome:{new.pk}", "sent")
    (message,) = mailoutbox
    assert message.to == [new.email] and "staff account" in message.body and "/accounts/login/" in message.body

    client.post(f"{USERS}{new.pk}/change/", {"email": new.email, "first_name": "Robin", "groups": []})
    assert OutboundEmail.objects.filter(kind="staff_welcome").count() == 1  # an edit welcomes nobody again


def test_a_physio_manages_nobody(client, physio, people):
    client.force_login(physio)
    colleague = StaffFactory(email="colleague@test.example", clinic=physio.clinic, role=roles.PHYSIOTHERAPIST)
    assert client.get(f"{USERS}{colleague.pk}/password/").status_code == 403
    assert client.post(f"{USERS}{colleague.pk}/change/", {"email": colleague.email}).status_code == 403
