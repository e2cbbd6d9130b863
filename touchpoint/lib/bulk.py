"""Bulk writes for the intake hot path, without the ORM's per-value SQL compilation.

`QuerySet.bulk_create` compiles every value of every row through the SQL compiler (about
10 µs each); on a 1,000-row intake batch that is most of the time. These helpers prepare values
with each field's own `get_db_prep_save` (so types are adapted exactly as the ORM would) and
send plain multi-row statements. They take plain model instances: no signals, no
multi-table inheritance, which intake never uses.

`build` and `from_row` make those instances without `Model.__init__`, which costs more than
the insert itself (per field: a default lookup, a descriptor `__set__`, a signal per instance).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
from collections.abc import Callable, Sequence
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import TypeVar

import psycopg
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.db.models.lookups import In
from django.utils import timezone

from touchpoint.lib.compiled import prepared_cursor

# Statements here are built from model metadata (quoted names) only; values are always
# parameters.
# ruff: noqa: S608

M = TypeVar("M", bound=Model)
LARGEST_STATEMENT = 512  # rows

# Field types whose Python value is already what every database driver takes.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def _prepare(field: Field, value: object, *, connection) -> object:
    return field.get_db_prep_save(value, connection)


@cache
def _defaults(model: type[Model]) -> tuple[dict, tuple[tuple[str, Callable[[], object]], ...]]:
    """A model's constant field defaults, and the fields whose default is a callable."""
    constant: dict = {}
    factories = []
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            factories.append((f.attname, f.default))
        else:
            constant[f.attname] = f.get_default()
    return constant, tuple(factories)


def build(model: type[M], **values: object) -> M:
    """A new, unsaved instance, as `model(**values)` gives when values are attnames (`unit_id`,
    not `unit`). Fields not given get their default (like `Model.__init__`)."""
    obj = model.__new__(model)
    obj._state = ModelState()
    data = obj.__dict__
    constant, factories = _defaults(model)
    data.update(constant)
    for attname, factory in factories:
        if attname not in values:
            data[attname] = factory()
    data.update(values)
    return obj


def from_row(model: type[M], attnames: Sequence[str], row: Sequence[object], alias: str) -> M:
    """A stored instance from a `values_list(*attnames)` row naming every concrete field."""
    obj = model.__new__(model)
    state = obj._state = ModelState()
    state.adding = False
    state.db = alias
    obj.__dict__.update(zip(attnames, row, strict=True))
    return obj


def concrete_attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _sqlite_datetime(connection) -> Callable[[object], object] | None:
    """SQLite's datetime adaptation without its per-value settings lookups, or None.

    Same text as `DatabaseOperations.adapt_datetimefield_value`: the value in the
    connection's time zone, naive, as `str()` (`isoformat(" ")`) writes it. Naive values go
    the ORM's way.
    """
    if connection.vendor != "sqlite" or not settings.USE_TZ:
        return None
    zone = connection.timezone
    slow = connection.ops.adapt_datetimefield_value
    # Intake repeats its `now` stamps on every row: those (in UTC, where no DST fold can make
    # equal values different instants) are kept by value. Other values are mostly distinct
    # (the interactions' own times): a lookup would cost as much as the conversion.
    memo: dict[dt.datetime, str] = {}

    def adapt(value):
        if value.tzinfo is dt.UTC:
            text = memo.get(value)
            if text is None:
                text = memo[value] = value.astimezone(zone).replace(tzinfo=None).isoformat(" ")
            return text
        if value.utcoffset() is None:
            return slow(value)
        return value.astimezone(zone).replace(tzinfo=None).isoformat(" ")

    return adapt


@Field.register_lookup
class InPlain(In):
    """`field__in_plain=values`: `__in` for thousands of plain values (str, int) that the
    driver takes as they are. `__in` prepares and resolves each value in Python (about
    2.5 µs each), which on intake's 2,000-row chunks cost more than running the query.
    Pass a set or a dict's keys: the query walks a list or tuple value by value."""

    lookup_name = "in_plain"

    def get_prep_lookup(self):
        return self.rhs

    def batch_process_rhs(self, compiler, connection, rhs=None):
        params = list(self.rhs if rhs is None else rhs)
        return ["%s"] * len(params), params

    def as_sql(self, compiler, connection):
        """PostgreSQL: `= ANY(%s)` with the values as one array parameter. Django's cursor
        binds client-side, and psycopg parses a statement with thousands of placeholders in
        Python on every run (it caches only short statements): a tenth of an intake
        batch's CPU."""
        if connection.vendor != "postgresql":
            return super().as_sql(compiler, connection)
        values = [value for value in self.rhs if value is not None]  # NULL equals nothing
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, values]


def _preparers(fields: Sequence, connection) -> list[tuple[int, Callable[[object], object]]]:
    """(position, adapt) for each field whose Python value the driver cannot take as is."""
    adapt_datetime = _sqlite_datetime(connection) or connection.ops.adapt_datetimefield_value
    out = []
    for i, field in enumerate(fields):
        kind = field.get_internal_type()
        if kind in _PLAIN:
            continue
        if kind == "DateTimeField":  # intake only ever holds aware datetimes
            if connection.vendor == "postgresql":
                continue  # its adapt_datetimefield_value returns the value: psycopg takes it
            out.append((i, adapt_datetime))
        elif kind == "JSONField" and field.encoder is None and connection.vendor == "sqlite":
            out.append((i, json.dumps))  # what JSONField.get_db_prep_save ends in on SQLite
        else:
            out.append((i, functools.partial(_prepare, field, connection=connection)))
    return out


def _values(objs: Sequence[Model], fields: Sequence, connection) -> list[tuple]:
    """Each instance's database values for `fields`, adapted (None stays None).

    Read by column: one C-level `itemgetter` per instance, then each column that needs
    adapting in one comprehension (a loop per value of every row cost a third of an
    insert's Python time)."""
    if not objs:
        return []
    attnames = [f.attname for f in fields]
    get: Callable[[dict], tuple]
    if len(attnames) > 1:
        get = itemgetter(*attnames)
    else:  # itemgetter of one name gives the value, not a 1-tuple
        (only,) = attnames

        def get(values: dict) -> tuple:
            return (values[only],)

    try:
        rows = [get(obj.__dict__) for obj in objs]  # every field is set on intake's instances
    except KeyError:  # a deferred field: let the model load it
        rows = [tuple(getattr(obj, a) for a in attnames) for obj in objs]
    preparers = _preparers(fields, connection)
    if not preparers:
        return rows
    columns: list = list(zip(*rows, strict=True))
    for i, adapt in preparers:
        columns[i] = [None if value is None else adapt(value) for value in columns[i]]
    return list(zip(*columns, strict=True))


def _statement_sizes(connection, fields: Sequence, objs: Sequence[Model]) -> list[int]:
    """Rows per INSERT: as many of the largest size as fit, then powers of two.

    Django assumes SQLite's old limit of 999 parameters; the library says what it really
    takes (32,766 since 3.32), so a chunk is a few statements instead of thirty. Sizes are
    powers of two so that a connection prepares a handful of statement shapes and reuses
    them: SQLite keeps every prepared statement of a new shape (128 of them), and with one
    shape per batch size a 400,000-row import grew to 427 MB (197 MB with a handful).
    """
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    else:
        limit = connection.ops.bulk_batch_size(fields, objs) * len(fields)
    largest = 1 << (max(1, min(limit // len(fields), LARGEST_STATEMENT)).bit_length() - 1)
    sizes = [largest] * (len(objs) // largest)
    rest = len(objs) % largest
    while rest:
        size = 1 << (rest.bit_length() - 1)
        sizes.append(size)
        rest -= size
    return sizes


def driver_cursor(connection):
    """Django's cursor wrapper (query log, error translation) around the driver's own cursor,
    for the bulk statements below, written with `placeholder(connection)`.

    SQLite: Django's cursor rewrites `%s` into `?` with a regex over the whole statement,
    about 10 µs a row for a 512-row INSERT. PostgreSQL: Django's cursor binds client-side,
    quoting every value in Python (nine tenths of a bulk INSERT's time); a server-binding
    cursor sends the values apart from the statement, and psycopg prepares each statement
    shape from its second run on a connection (`prepare_threshold`, settings.py).
    """
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        raw = connection.connection.cursor()  # not Django's SQLiteCursorWrapper
        if connection.queries_logged:  # DEBUG, or a test counting queries
            connection.validate_thread_sharing()
            return _QmarkDebugCursor(raw, connection)
    elif connection.vendor == "postgresql":
        raw = psycopg.Cursor(connection.connection)
    else:
        return connection.cursor()
    return connection._prepare_cursor(raw)


class _QmarkDebugCursor(CursorDebugWrapper):
    """The query log around a raw SQLite cursor: the statement is logged as written (`?`
    placeholders), since Django's SQLite `last_executed_query` formats with `%s`."""

    def execute(self, sql, params=None):
        with (
            self.debug_sql(sql, params, use_last_executed_query=False),
            self.db.wrap_database_errors,
        ):
            return self.cursor.execute(sql, params or ())

    def executemany(self, sql, param_list):
        with self.debug_sql(sql, param_list, many=True), self.db.wrap_database_errors:
            return self.cursor.executemany(sql, param_list)


def placeholder(connection) -> str:
    return "?" if connection.vendor == "sqlite" else "%s"


def _array_casts(connection, fields: Sequence) -> list[str]:
    """PostgreSQL: one array parameter per column, as Django's own bulk_create sends them
    (types without their length: no truncation)."""
    return [f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields]


def _columns_of(rows: list[list[object]]) -> list[list[object]]:
    return [list(column) for column in zip(*rows, strict=True)]


@cache
def _sequence(alias: str, table: str, column: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        return cursor.fetchone()[0]


def reserve_ids(objs: Sequence[Model]) -> None:
    """Give each new instance (all of one model) the primary key it will be inserted with,
    before anything is written: rows that point at each other (a contact's interaction, its
    invitation) can then be built, and decided on, before any of them is stored.

    PostgreSQL: drawn from the table's sequence, as a default would be. SQLite: its tables
    have AUTOINCREMENT keys, whose last value is a row of `sqlite_sequence`; moving it
    on by n (an ordinary UPDATE, which takes the write lock) sets n keys aside for this
    transaction. If it rolls back, so does the move.
    """
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    table, column = model._meta.db_table, model._meta.pk.column
    with driver_cursor(connection) as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                [_sequence(alias, table, column), len(objs)],
            )
            keys = sorted(pk for (pk,) in cursor.fetchall())
        elif connection.vendor == "sqlite":
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = seq + ? WHERE name = ? RETURNING seq",
                [len(objs), table],
            )
            moved = cursor.fetchone()
            if moved is None:  # the table never had a row
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, len(objs)]
                )
            last = len(objs) if moved is None else moved[0]
            keys = list(range(last - len(objs) + 1, last + 1))
        else:
            raise NotImplementedError(f"reserve_ids: no support for {connection.vendor}")
    pk_attname = model._meta.pk.attname
    for obj, pk in zip(objs, keys, strict=True):
        obj.__dict__[pk_attname] = pk


FEW = 32  # rows: below this, `insert_few` is one plain statement


def insert_few(objs: Sequence[Model]) -> None:
    """Insert a few new instances (all of one model) in one plain INSERT, their keys left to
    the database and not read back: one round trip, where `bulk_insert` takes two (the keys
    set aside, then COPY). For rows nothing in the transaction points at (an answer's events
    and rollup change). More rows than FEW go through `bulk_insert`."""
    if len(objs) > FEW:
        bulk_insert(objs)
        return
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    fields, sql = _insert_statement(model, connection.alias, len(objs), returning=False)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, _stamped_values(objs, fields, connection))


def insert_one(obj: Model) -> None:
    """Insert one new instance and set its key, as `obj.save(force_insert=True)` does, from
    SQL built once per model and run prepared on PostgreSQL: the ORM compiles the INSERT anew
    on every save (about 0.3 ms, an answer's stored response). No signals are sent (none is
    connected for the models this writes)."""
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        obj.save(force_insert=True, using=alias)
        return
    fields, sql = _insert_statement(model, alias, 1, returning=True)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, _stamped_values([obj], fields, connection))
        (key,) = cursor.fetchone()
    obj.pk = key
    obj._state.adding, obj._state.db = False, alias


def _stamped_values(objs: Sequence[Model], fields: Sequence[Field], connection) -> list:
    """The rows' parameters, once their empty auto_now(_add) fields are stamped."""
    _stamp(objs, fields)
    return list(chain.from_iterable(_values(objs, fields, connection)))


def _stamp(objs: Sequence[Model], fields: Sequence[Field]) -> None:
    """Give auto_now(_add) fields left empty the current time, as `save` would."""
    stamped = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    now = timezone.now()
    for obj in objs:
        for attname in stamped:
            if getattr(obj, attname) is None:
                setattr(obj, attname, now)


@cache
def _insert_statement(
    model: type[Model], alias: str, rows: int, *, returning: bool
) -> tuple[list[Field], str]:
    """The fields (all but the key) and the INSERT of `rows` rows of them, with the new key
    read back when `returning`."""
    ops = connections[alias].ops
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {ops.quote_name(model._meta.db_table)} "
        f"({', '.join(ops.quote_name(str(f.column)) for f in fields)}) "
        f"VALUES {', '.join([row] * rows)}"
    )
    if returning:
        sql += f" RETURNING {ops.quote_name(str(model._meta.pk.column))}"
    return fields, sql


def bulk_insert(objs: Sequence[Model]) -> None:
    """Insert new instances, with the keys `reserve_ids` gave them (or gives them now).

    PostgreSQL: with COPY, which psycopg writes in C (a multi-row VALUES statement of
    thousands of parameters was parsed in Python on every run, past psycopg's statement
    cache, and array parameters are dumped in Python too). SQLite: multi-row VALUES
    statements of a few fixed sizes.
    """
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    ops = connection.ops
    pk_attname = model._meta.pk.attname
    unkeyed = [obj for obj in objs if obj.__dict__.get(pk_attname) is None]
    if unkeyed:
        reserve_ids(unkeyed)
    fields = list(model._meta.concrete_fields)  # the key first
    _stamp(objs, fields)
    table = ops.quote_name(str(model._meta.db_table))
    columns = ", ".join(ops.quote_name(str(f.column)) for f in fields)
    with driver_cursor(connection) as cursor:
        if connection.vendor == "postgresql":
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for values in _values(objs, fields, connection):
                    copy.write_row(values)
        else:
            row = "(" + ", ".join([placeholder(connection)] * len(fields)) + ")"
            prefix = f"INSERT INTO {table} ({columns}) VALUES "
            start = 0
            for size in _statement_sizes(connection, fields, objs):
                chunk = objs[start : start + size]
                start += size
                params = list(chain.from_iterable(_values(chunk, fields, connection)))
                cursor.execute(prefix + ", ".join([row] * size), params)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def _concrete(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # a column of the table, not a reverse relation
    return field


def _quoted(ops, field) -> str:
    return ops.quote_name(str(field.column))


def bulk_set(objs: Sequence[Model], field_names: Sequence[str]) -> None:
    """UPDATE the named fields of saved instances (each instance once): one prepared
    statement for all rows, or on PostgreSQL one `UPDATE … FROM UNNEST(arrays)`."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    ops = connection.ops
    fields = [_concrete(model, name) for name in field_names]
    table = ops.quote_name(str(model._meta.db_table))
    pk = model._meta.pk
    rows = [
        [*values, obj.pk]
        for obj, values in zip(objs, _values(objs, fields, connection), strict=True)
    ]
    with driver_cursor(connection) as cursor:
        if connection.vendor == "postgresql":
            names = [f"c{i}" for i in range(len(fields))]
            assignments = ", ".join(
                f"{_quoted(ops, f)} = v.{n}" for f, n in zip(fields, names, strict=True)
            )
            unnest = ", ".join(_array_casts(connection, [*fields, pk]))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM UNNEST({unnest}) AS v({', '.join(names)}, "
                f"pk) WHERE {table}.{ops.quote_name(str(pk.column))} = v.pk",
                _columns_of(rows),
            )
            return
        mark = placeholder(connection)
        assignments = ", ".join(f"{_quoted(ops, f)} = {mark}" for f in fields)
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE {_quoted(ops, pk)} = {mark}", rows
        )
