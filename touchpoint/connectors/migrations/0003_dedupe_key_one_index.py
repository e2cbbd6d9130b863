"""A connector call's dedupe key keeps one index, its unique one, not also PostgreSQL's LIKE
index, which nothing searches it with and every row written paid an insert into
(lib/unique_text.py)."""

from django.db import migrations, models

from touchpoint.lib.unique_text import as_constraint


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0002_inbound_hash"),
    ]

    operations = [
        as_constraint(
            "connectors",
            "connectorcall",
            "dedupe_key",
            models.CharField(max_length=200),
            "connector_call_dedupe_key_unique",
        ),
    ]
