"""A GIN index of the answers' segment snapshots (PostgreSQL only): the raw path of segment
reports (several segments together, attributes not declared) filters on them by containment
(`reports.params.segment_q`). jsonb_path_ops: smaller than the default operator class, and
containment is the only operator the reports use. SQLite has no such index: nothing to do.

Kept with the reports, which read it, rather than on the Response model (Django declares GIN
indexes only for PostgreSQL, and the suite runs on both)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS response_segments_gin ON responses_response "
            "USING gin (segments jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS response_segments_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_rollup_deltas_and_segment_dimensions"),
        ("responses", "0004_response_segments"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
