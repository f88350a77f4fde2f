"""Who may review: only staff with a clinical registration hold the review permissions, whatever their role."""

import pytest

from articles.tests.factories import published_article
from portal.models import ClinicianProfile

pytestmark = pytest.mark.django_db
REVIEW = ("articles.can_review_clinically", "programs.can_review_clinically")


def register(user, number="PH123456"):
    return ClinicianProfile.objects.create(
        user=user, profession="physiotherapist", registration_body="HCPC", registration_number=number
    )


def test_a_role_alone_does_not_make_a_reviewer(clinic_admin, superuser, physio, editor):
    for unregistered in (clinic_admin, superuser, editor):
        assert not any(unregistered.has_perm(perm) for perm in REVIEW)
    assert all(physio.has_perm(perm) for perm in REVIEW)
    register(clinic_admin)
    clinic_admin = type(clinic_admin).objects.get(pk=clinic_admin.pk)  # permissions are cached per instance
    assert all(clinic_admin.has_perm(perm) for perm in REVIEW)


def test_the_public_page_names_the_reviewer_with_their_profession(client, physio, editor):
    physio.first_name, physio.last_name = "Priya", "Shah"
    physio.save()
    article = published_article(reviewer=physio, author=editor, slug="reviewed")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Priya Shah, Physiotherapist" in html
    assert '"jobTitle": "Physiotherapist"' in html


def test_a_clinic_admin_registers_a_physio_but_not_themselves(client, clinic_admin, physio):
    client.force_login(clinic_admin)
    own = client.get(f"/admin/portal/user/{clinic_admin.pk}/change/").content.decode()
    theirs = client.get(f"/admin/portal/user/{physio.pk}/change/").content.decode()
    assert 'name="clinician_profile-0-registration_number"' in theirs
    assert 'name="clinician_profile-0-registration_number"' not in own
