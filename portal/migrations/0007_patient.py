"""Patient moves from the patients app to portal (docs/architecture.md); its table keeps its name."""

import datetime
import django.db.models.deletion
import portal.models
import uuid
from django.conf import settings
from django.db import migrations, models


def content_type_to_portal(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="patients", model="patient").update(app_label="portal")
    # The audit trail names the model by label: one label per model, so "who looked at this patient" finds all.
    apps.get_model("portal", "AuditEvent").objects.filter(model="patients.Patient").update(model="portal.Patient")


def content_type_to_patients(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="portal", model="patient").update(app_label="patients")
    apps.get_model("portal", "AuditEvent").objects.filter(model="portal.Patient").update(model="patients.Patient")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('patients', '0009_safety'),
        ('portal', '0006_audit_refused'),
    ]

    operations = [
        # The table is already there and stays as it is: only Django's idea of which app owns the model moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Patient',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date_of_birth', models.DateField(blank=True, null=True)),
                        ('phone', models.CharField(blank=True, max_length=40)),
                        ('timezone', models.CharField(default='Europe/London', max_length=64, validators=[portal.models.validate_timezone])),
                        ('reminder_time', models.TimeField(default=datetime.time(18, 0), help_text='Remind me if I have not exercised by…')),
                        ('quiet_hours_start', models.TimeField(default=datetime.time(21, 0))),
                        ('quiet_hours_end', models.TimeField(default=datetime.time(8, 0))),
                        ('calendar_token', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('archived_at', models.DateTimeField(blank=True, null=True)),
                        ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='patients', to='portal.clinic')),
                        ('primary_physio', models.ForeignKey(limit_choices_to={'is_staff': True}, on_delete=django.db.models.deletion.PROTECT, related_name='primary_patients', to=settings.AUTH_USER_MODEL)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='patient', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'patients_patient',
                        'ordering': ['user__last_name', 'user__first_name'],
                        'indexes': [models.Index(fields=['clinic', 'archived_at'], name='patients_pa_clinic__32c6c3_idx'), models.Index(fields=['clinic', '-created_at', '-id'], name='patient_clinic_newest_idx'), models.Index(fields=['-created_at', '-id'], name='patient_newest_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        # Permissions, groups and admin history follow the model: its content type changes app, keeping its id.
        migrations.RunPython(content_type_to_portal, content_type_to_patients),
    ]
