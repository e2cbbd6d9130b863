"""On PostgreSQL, rollup totals are read from their key's index alone.

A leaderboard reads a few rows for each of up to a hundred units; the rows of one unit were
written day after day among everyone else's, so each sits on its own heap page (a region's
leaderboard touched 1,332 pages for 1,355 rows). The key's index carries the counts (INCLUDE),
kept in key order, so the same read is an index-only scan of a few adjacent pages. Index-only
scans need the visibility map to be current, so the table is vacuumed after 1 % of its rows
changed rather than 20 %. SQLite has no INCLUDE: its table and key stay as they were.
"""

from django.db import migrations

COLUMNS = ", ".join(["account_id", *(f"s{n}" for n in range(11))])


def _key(schema_editor, *, include: str, autovacuum: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE reports_rolluptotal DROP CONSTRAINT rollup_total_key, "
        f"ADD CONSTRAINT rollup_total_key UNIQUE (unit_id, grain, period) {include}"
    )
    schema_editor.execute(f"ALTER TABLE reports_rolluptotal {autovacuum}")


def covering_key(apps, schema_editor):
    _key(
        schema_editor,
        include=f"INCLUDE ({COLUMNS})",
        autovacuum="SET (autovacuum_vacuum_scale_factor = 0.01, "
        "autovacuum_vacuum_insert_scale_factor = 0.01)",
    )


def plain_key(apps, schema_editor):
    _key(
        schema_editor,
        include="",
        autovacuum="RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor)",
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_rollup_totals")]

    operations = [migrations.RunPython(covering_key, plain_key)]
