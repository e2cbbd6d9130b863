"""A text column made unique by a named constraint instead of `unique=True`, in place.

On PostgreSQL, Django gives a `unique=True` CharField two indexes: the unique one and one for
LIKE searches (varchar_pattern_ops). For a hash or a dedupe key nothing searches by prefix,
yet every row written pays a second random insert. A `UniqueConstraint` on the field makes
only the unique index. `as_constraint` is the migration that moves a field there without
rebuilding anything: on PostgreSQL the existing unique constraint is renamed (no table lock
held while its values are sorted again) and the LIKE index dropped. SQLite has no LIKE
index, and its inline UNIQUE keeps the same rule; it is left as it is (a later change to the
table rebuilds the table from the models, as SQLite always does).
"""

from __future__ import annotations

import functools

from django.db import migrations, models


def as_constraint(
    app_label: str, model_name: str, field_name: str, field: models.Field, constraint_name: str
) -> migrations.SeparateDatabaseAndState:
    """The operation, in a migration of `app_label`, that turns `field_name` of `model_name`
    (now `field`, without `unique=True`) into a field made unique by the constraint
    `constraint_name`."""
    app_model = (app_label, model_name)
    return migrations.SeparateDatabaseAndState(
        state_operations=[
            migrations.AlterField(model_name=model_name, name=field_name, field=field),
            migrations.AddConstraint(
                model_name=model_name,
                constraint=models.UniqueConstraint(fields=(field_name,), name=constraint_name),
            ),
        ],
        database_operations=[
            migrations.RunPython(
                functools.partial(
                    _one_index, app_model=app_model, field_name=field_name, name=constraint_name
                ),
                functools.partial(
                    _two_indexes, app_model=app_model, field_name=field_name, name=constraint_name
                ),
            )
        ],
    )


def _indexes_on(schema_editor, table: str, column: str) -> dict[str, dict]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: c for name, c in found.items() if c["columns"] == [column]}


def _one_index(
    apps, schema_editor, *, app_model: tuple[str, str], field_name: str, name: str
) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model(*app_model)
    table, column = model._meta.db_table, model._meta.get_field(field_name).column
    quote = schema_editor.quote_name
    for found, c in _indexes_on(schema_editor, table, column).items():
        if c["unique"] and found != name:
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(found)} TO {quote(name)}"
            )
        elif not c["unique"] and c["index"]:
            schema_editor.execute(f"DROP INDEX {quote(found)}")


def _two_indexes(
    apps, schema_editor, *, app_model: tuple[str, str], field_name: str, name: str
) -> None:
    """Back to what `unique=True` made: the constraint under PostgreSQL's own name for it,
    and the LIKE index beside it."""
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model(*app_model)
    field = model._meta.get_field(field_name)
    table, quote = model._meta.db_table, schema_editor.quote_name
    if name in _indexes_on(schema_editor, table, field.column):
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name)} "
            f"TO {quote(f'{table}_{field.column}_key')}"
        )
    schema_editor.execute(schema_editor._create_like_index_sql(model, field))
