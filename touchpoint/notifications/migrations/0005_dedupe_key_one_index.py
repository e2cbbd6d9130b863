"""A delivery's dedupe key keeps one index, its unique one, not also PostgreSQL's LIKE index,
which nothing searches it with and every row written paid an insert into
(lib/unique_text.py)."""

from django.db import migrations, models

from touchpoint.lib.unique_text import as_constraint


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_endpoint_teams_kind"),
    ]

    operations = [
        as_constraint(
            "notifications",
            "delivery",
            "dedupe_key",
            models.CharField(blank=True, max_length=200, null=True),
            "delivery_dedupe_key_unique",
        ),
    ]
