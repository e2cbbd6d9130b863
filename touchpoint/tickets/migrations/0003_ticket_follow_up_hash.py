from django.db import migrations, models


class Migration(migrations.Migration):
    """Follow-up links stored as a hash (touchpoint/lib/links.py); 0004 fills it from the
    clear tokens, 0005 drops the clear column."""

    dependencies = [
        ("tickets", "0002_ticketrule_escalate"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="follow_up_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, unique=True
            ),
        ),
    ]
