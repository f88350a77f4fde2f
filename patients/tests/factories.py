import factory

from portal import roles
from portal.models import Patient
from testing.factories import ClinicFactory, StaffFactory, UserFactory


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    primary_physio = factory.SubFactory(
        StaffFactory, clinic=factory.SelfAttribute("..clinic"), role=roles.PHYSIOTHERAPIST
    )
