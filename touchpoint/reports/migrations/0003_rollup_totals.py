"""Rollup totals: per unit and period, every touchpoint and channel added together, filled
from the existing rollups (their sum, exactly what the live path and a rebuild keep). Like
the rollups, never scanned by PostgreSQL's parallel workers (see 0002)."""

import django.db.models.deletion
from django.db import migrations, models

SUMS = ", ".join(f"SUM(s{n})" for n in range(11))
COLUMNS = ", ".join(f"s{n}" for n in range(11))


def fill(apps, schema_editor):
    schema_editor.execute(
        f"INSERT INTO reports_rolluptotal (account_id, unit_id, grain, period, {COLUMNS}) "
        f"SELECT account_id, unit_id, grain, period, {SUMS} FROM reports_rollup "
        "GROUP BY account_id, unit_id, grain, period"
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reports_rolluptotal SET (parallel_workers = 0)")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_memberinvitation'),
        ('reports', '0002_rollups_read_without_parallel_workers'),
    ]

    operations = [
        migrations.CreateModel(
            name='RollupTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('grain', models.CharField(choices=[('day', 'Day'), ('month', 'Month')], max_length=5)),
                ('period', models.DateField(help_text='The day, or the first day of the month.')),
                ('s0', models.IntegerField(default=0)),
                ('s1', models.IntegerField(default=0)),
                ('s2', models.IntegerField(default=0)),
                ('s3', models.IntegerField(default=0)),
                ('s4', models.IntegerField(default=0)),
                ('s5', models.IntegerField(default=0)),
                ('s6', models.IntegerField(default=0)),
                ('s7', models.IntegerField(default=0)),
                ('s8', models.IntegerField(default=0)),
                ('s9', models.IntegerField(default=0)),
                ('s10', models.IntegerField(default=0)),
                ('account', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='accounts.account')),
                ('unit', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='accounts.unit')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('unit', 'grain', 'period'), name='rollup_total_key')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
