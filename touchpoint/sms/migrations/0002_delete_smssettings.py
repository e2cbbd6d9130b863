from django.db import migrations


class Migration(migrations.Migration):
    """SmsSettings now belongs to the outbox app (same table, same rows)."""

    dependencies = [
        ("outbox", "0003_circuit_smssettings"),
        ("sms", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SmsSettings")],
            database_operations=[],
        ),
    ]
