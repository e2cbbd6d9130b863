import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Survey links stored as a nonce and a hash (touchpoint/lib/links.py); 0012 fills them
    from the clear tokens, 0013 drops the clear column."""

    dependencies = [
        ("surveys", "0010_invitation_suppression_reasons"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="token_nonce",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, unique=True
            ),
        ),
        migrations.CreateModel(
            name="LegacyLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token_hash", models.CharField(editable=False, max_length=64, unique=True)),
                (
                    "invitation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="legacy_links",
                        to="surveys.invitation",
                    ),
                ),
            ],
        ),
    ]
