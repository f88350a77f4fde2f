"""Patient moved from the patients app to portal (docs/architecture.md). A database with the demo data in
the schema from before the move (migrated back to it) is migrated forward: every row, relation, permission
and audit label is carried, and nothing in the database had to be rebuilt."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.models import AuditEvent, Patient
from programs.models import Program

BEFORE_THE_MOVE = [("portal", "0006_audit_refused"), ("programs", "0005_upload_limits"), ("patients", "0009_safety")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_demo_data_in_the_old_schema_is_carried_by_the_move(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    patients, programs = Patient.objects.count(), list(Program.objects.values_list("pk", "patient_id"))
    content_type_id = ContentType.objects.get_for_model(Patient).pk
    AuditEvent.objects.create(actor=Program.objects.first().physio, action="view", model="portal.Patient", path="/")
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()

    old = migrate(BEFORE_THE_MOVE)
    assert old.get_model("patients", "Patient").objects.count() == patients
    assert old.get_model("contenttypes", "ContentType").objects.get(pk=content_type_id).app_label == "patients"
    assert old.get_model("portal", "AuditEvent").objects.filter(model="patients.Patient").count() == 1
    with pytest.raises(LookupError):
        old.get_model("portal", "Patient")

    migrate(leaves)
    ContentType.objects.clear_cache()
    assert Patient.objects.count() == patients
    assert list(Program.objects.values_list("pk", "patient_id")) == programs
    assert Program.objects.select_related("patient__user").first().patient.user.email
    assert ContentType.objects.get_for_model(Patient).pk == content_type_id  # so permissions and admin history stay
    assert Group.objects.get(name="Physiotherapist").permissions.filter(codename="view_patient").exists()
    assert AuditEvent.objects.filter(model="portal.Patient").count() == 1
