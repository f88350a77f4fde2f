import factory
from django.contrib.auth.models import Group

from portal import roles
from portal.models import Clinic, User

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


def physio(**kwargs) -> User:
    return StaffFactory(role=roles.PHYSIOTHERAPIST, **kwargs)
