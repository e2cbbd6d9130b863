from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0012_hash_survey_tokens"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="invitation",
            name="token",
        ),
    ]
