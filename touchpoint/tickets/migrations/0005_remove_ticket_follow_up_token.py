from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_hash_follow_up_tokens"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="ticket",
            name="follow_up_token",
        ),
    ]
