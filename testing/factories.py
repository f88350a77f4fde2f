import factory
from django.contrib.auth.models import Group

from portal import roles
from portal.models import Clinic, ClinicianProfile, User

PASSWORD = "test-pass-123"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    phone = "020 7946 0001"
    email = factory.Sequence(lambda n: f"clinic{n}@clinic.example")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    password = factory.django.Password(PASSWORD)


class StaffFactory(UserFactory):
    """A staff member; pass role=roles.PHYSIOTHERAPIST etc."""

    is_staff = True
    clinic = factory.SubFactory(ClinicFactory)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create and extracted == roles.PHYSIOTHERAPIST:  # a physiotherapist is a registered clinician
            ClinicianProfile.objects.create(
                user=self,
                profession="physiotherapist",
                registration_body="HCPC",
                registration_number=f"PH{self.pk:06d}",
            )


def physio(**kwargs) -> User:
    return StaffFactory(role=roles.PHYSIOTHERAPIST, **kwargs)


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    """An outbox row of the portal's own `staff_welcome` kind; pass status=... and the fields it needs."""

    class Meta:
        model = "portal.OutboundEmail"

    key = factory.Sequence(lambda n: f"test:{n}")
    kind = "staff_welcome"
    recipient = factory.Sequence(lambda n: f"recipient{n}@example.com")
    context = factory.LazyAttribute(lambda row: {"user_id": UserFactory(email=row.recipient).pk})
