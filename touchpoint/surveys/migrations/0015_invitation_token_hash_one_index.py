"""The survey link's hash keeps one index, its unique one.

`unique=True` on a CharField gives it, on PostgreSQL, a second index for LIKE searches
(varchar_pattern_ops). Nothing searches a hash by prefix, and every invitation sent paid a
random insert into it: 7 % of an intake's time on PostgreSQL. The uniqueness becomes a
named constraint, which Django creates without that index.

On PostgreSQL the existing unique constraint is renamed rather than rebuilt (no lock held
while millions of hashes are sorted again) and the LIKE index dropped. SQLite has no such
index; its inline UNIQUE keeps the same rule and is left in place (a later change to the
table rebuilds it from the models, as SQLite always does).
"""

from django.db import migrations, models

TABLE = "surveys_invitation"
NAME = "invitation_token_hash_unique"


def _token_hash_indexes(schema_editor) -> dict[str, dict]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, TABLE)
    return {name: c for name, c in found.items() if c["columns"] == ["token_hash"]}


def one_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for name, c in _token_hash_indexes(schema_editor).items():
        if c["unique"] and name != NAME:
            schema_editor.execute(
                f"ALTER TABLE {quote(TABLE)} RENAME CONSTRAINT {quote(name)} TO {quote(NAME)}"
            )
        elif not c["unique"] and c["index"]:
            schema_editor.execute(f"DROP INDEX {quote(name)}")


def two_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    if NAME in _token_hash_indexes(schema_editor):
        schema_editor.execute(
            f"ALTER TABLE {quote(TABLE)} RENAME CONSTRAINT {quote(NAME)} "
            f"TO {quote(TABLE + '_token_hash_key')}"
        )
    model = apps.get_model("surveys", "Invitation")
    field = model._meta.get_field("token_hash")
    schema_editor.execute(schema_editor._create_like_index_sql(model, field))


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0014_interaction_time_index_unused"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="invitation",
                    name="token_hash",
                    field=models.CharField(blank=True, editable=False, max_length=64, null=True),
                ),
                migrations.AddConstraint(
                    model_name="invitation",
                    constraint=models.UniqueConstraint(fields=("token_hash",), name=NAME),
                ),
            ],
            database_operations=[migrations.RunPython(one_index, two_indexes)],
        ),
    ]
