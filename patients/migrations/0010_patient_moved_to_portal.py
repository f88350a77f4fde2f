"""The patients app's models point at portal.Patient, and the app no longer owns Patient (the table stays)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0009_safety'),
        ('portal', '0007_patient'),
        ('programs', '0006_patient_moved_to_portal'),
    ]

    operations = [
        # The table is already there and stays as it is: only Django's idea of which app owns the model moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='alert',
                    name='patient',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='alerts', to='portal.patient'),
                ),
                migrations.AlterField(
                    model_name='checkin',
                    name='patient',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='check_ins', to='portal.patient'),
                ),
                migrations.AlterField(
                    model_name='checkinschedule',
                    name='patient',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='check_in_schedules', to='portal.patient'),
                ),
                migrations.AlterField(
                    model_name='redflagreport',
                    name='patient',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='red_flag_reports', to='portal.patient'),
                ),
                migrations.AlterField(
                    model_name='sessionlog',
                    name='patient',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='session_logs', to='portal.patient'),
                ),
                migrations.DeleteModel(
                    name='Patient',
                ),
            ],
            database_operations=[],
        ),
    ]
