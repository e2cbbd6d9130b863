"""On PostgreSQL, rollups are never scanned by parallel workers.

A dashboard figure sums a few thousand rollup rows through the index. For a child leaderboard
the planner chose a parallel plan whose workers cost more to start than they saved: 52 ms
median against 15 ms without, on 10 M answers (benchmarks/reports.py), and on a busy server
they take the cores other requests need. The table's own setting keeps every other query
(a scan of raw answers for a segment, an export) free to use them.
"""

from django.db import migrations


def serial_scans(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reports_rollup SET (parallel_workers = 0)")


def default_scans(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reports_rollup RESET (parallel_workers)")


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(serial_scans, default_scans)]
