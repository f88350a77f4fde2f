"""Demo clinics and staff. Each app adds its own demo data in `<app>/demo.py`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from portal import roles
from portal.models import Clinic, ClinicianProfile

DEMO_PASSWORD = "demo-pass"

CLINICS = {
    "clinic": {
        "slug": "riverside",
        "name": "Riverside Back & Spine Clinic",
        "phone": "020 7946 0000",
        "email": "riverside@clinic.example",
        "address": "12 River Walk, London",
        "alert_inbox": "urgent@riverside.example",
    },
    "clinic2": {
        "slug": "hillside",
        "name": "Hillside Physiotherapy",
        "phone": "0161 496 0000",
        "email": "hillside@clinic.example",
        "address": "3 Hill Road, Manchester",
    },
}

STAFF = [
    # key, email, first, last, clinic key, role, superuser
    ("admin", "admin@example.com", "Alex", "Morgan", "clinic", roles.CLINIC_ADMIN, True),
    ("physio", "physio@example.com", "Priya", "Shah", "clinic", roles.PHYSIOTHERAPIST, False),
    ("physio_b", "physio.b@example.com", "Tom", "Okafor", "clinic", roles.PHYSIOTHERAPIST, False),
    ("physio2", "physio2@example.com", "Hannah", "Lewis", "clinic2", roles.PHYSIOTHERAPIST, False),
    ("editor", "editor@example.com", "Eve", "Carter", None, roles.CONTENT_EDITOR, False),
]


def seed(demo: dict) -> None:
    for key, fields in CLINICS.items():
        slug = fields["slug"]
        demo[key], _ = Clinic.objects.update_or_create(slug=slug, defaults=fields)
    User = get_user_model()
    for key, email, first, last, clinic_key, role, superuser in STAFF:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": True,
                "is_superuser": superuser,
                "clinic": demo[clinic_key] if clinic_key else None,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        if role == roles.PHYSIOTHERAPIST:
            ClinicianProfile.objects.get_or_create(
                user=user,
                defaults={
                    "profession": ClinicianProfile.Profession.PHYSIOTHERAPIST,
                    "registration_body": ClinicianProfile.Body.HCPC,
                    "registration_number": f"PH{100000 + user.pk}",
                },
            )
        demo[key] = user
    demo["logins"] = [email for _key, email, *_rest in STAFF if email != "physio.b@example.com"]
