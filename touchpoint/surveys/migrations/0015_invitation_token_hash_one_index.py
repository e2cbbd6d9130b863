"""The survey link's hash keeps one index, its unique one: PostgreSQL's LIKE index on it
(what `unique=True` gives a text column) cost 7 % of an intake there (lib/unique_text.py)."""

from django.db import migrations, models

from touchpoint.lib.unique_text import as_constraint


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0014_interaction_time_index_unused"),
    ]

    operations = [
        as_constraint(
            "surveys",
            "invitation",
            "token_hash",
            models.CharField(blank=True, editable=False, max_length=64, null=True),
            "invitation_token_hash_unique",
        ),
    ]
