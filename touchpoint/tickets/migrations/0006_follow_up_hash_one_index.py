"""A ticket's follow-up link hash keeps one index, its unique one, not also PostgreSQL's LIKE
index, which nothing searches it with and every row written paid an insert into
(lib/unique_text.py)."""

from django.db import migrations, models

from touchpoint.lib.unique_text import as_constraint


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_remove_ticket_follow_up_token"),
    ]

    operations = [
        as_constraint(
            "tickets",
            "ticket",
            "follow_up_hash",
            models.CharField(blank=True, editable=False, max_length=64, null=True),
            "ticket_follow_up_hash_unique",
        ),
    ]
