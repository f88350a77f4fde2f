"""Program.patient now points at portal.Patient: the same table, so nothing changes in the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0007_patient'),
        ('programs', '0005_upload_limits'),
    ]

    operations = [
        # The table is already there and stays as it is: only Django's idea of which app owns the model moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='program',
                    name='patient',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='programs', to='portal.patient'),
                ),
            ],
            database_operations=[],
        ),
    ]
