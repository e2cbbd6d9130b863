"""On PostgreSQL, rollups are never scanned by parallel workers.

A dashboard figure sums a few thousand rollup rows through the index; parallel workers cost
more to start than they save, and on a busy server take the cores other requests need. The
table's own setting keeps every other query (a scan of raw answers for a segment, an export)
free to use them. (Parallel Append, which hands whole UNION ALL branches to workers, is off
for the app's connections: see DATABASES in settings.)
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
