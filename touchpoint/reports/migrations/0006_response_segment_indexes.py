"""Indexes for the raw path of segment reports (several segments together, attributes not
declared), which reads the answers of a period and filters on their segment snapshots.

- PostgreSQL: a GIN index of the snapshots, which filters by containment
  (`reports.params.segment_q`) use; a combination becomes a BitmapAnd with the answered_at
  range. jsonb_path_ops: smaller than the default operator class (6 MB for a million answers
  of 5–20 values per key), and containment is the only operator the reports use.
- SQLite has no GIN: a covering index (account, answered_at, unit_path, score, segments), so
  that the period's answers are read in order from the index, not one table page each (a
  million answers: 4.4 s to 0.7 s for two segments at the brand; README, Benchmarks).

Kept with the reports, which read it, rather than on the Response model (Django declares GIN
indexes only for PostgreSQL, and the suite runs on both)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS response_segments_gin ON responses_response "
            "USING gin (segments jsonb_path_ops)"
        )
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS response_segments_cover ON responses_response "
            "(account_id, answered_at, unit_path, score, segments)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS response_segments_gin")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP INDEX IF EXISTS response_segments_cover")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_rollup_deltas_and_segment_dimensions"),
        ("responses", "0004_response_segments"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
