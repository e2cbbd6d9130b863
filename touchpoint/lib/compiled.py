"""A hot query of fixed shape, compiled to SQL once per database instead of once per call.

The ORM compiles a queryset to SQL every time it runs it. For the survey page's one query
(an invitation with its account, contact, touchpoint, unit and its unit's parents, joined)
that compilation cost more CPU than everything else the page does with the database: about
1.4 ms of a 6 ms page view, 2.8 ms more for the answer's. `CompiledQuery` builds the
queryset once with a stand-in value, keeps its SQL and the compiler that knows how to turn
rows into model instances (with their `select_related` relations, exactly as the ORM's own
iterator does), and runs that SQL again with the real value in the stand-in's place.

Only for querysets whose SQL does not depend on the value (a filter on one column by
equality, or on a list of a given length); each stand-in must appear exactly once among the
parameters. `CompiledUpdate` does the same for a hot UPDATE (the answer's claim, a message's
hand-off), which the ORM also compiles anew on every call.

On PostgreSQL such a statement also runs prepared (`prepared_cursor`): the survey page's
twelve-table join took 4 ms to plan and 0.3 ms to run, planned again on every page view and
answer, because Django's own cursors bind parameters client-side and are never prepared.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar, cast

from django.db import connections, router
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)


def prepared_cursor(connection):
    """A cursor for statements whose best plan does not depend on their values. On
    PostgreSQL one that binds parameters server-side, which psycopg prepares from a
    statement's second run on a connection (prepare_threshold, settings.py), so it is
    planned once per connection; elsewhere the connection's usual cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    # As connection.cursor() wraps its own: query logging, error translation, thread checks.
    # (The stubs give the psycopg cursor class no arguments; it takes its connection.)
    cursor = ServerBindingCursor(connection.connection)  # type: ignore[call-arg]
    return connection._prepare_cursor(cursor)


class _Compiled:
    __slots__ = (
        "compiler",
        "converters",
        "indexes",
        "init_list",
        "model",
        "params",
        "populators",
        "span",
        "sql",
    )

    def __init__(self, queryset: QuerySet, stand_ins: tuple, alias: str) -> None:
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        self.indexes = []
        for stand_in in stand_ins:
            where = [i for i, p in enumerate(params) if p == stand_in and type(p) is type(stand_in)]
            if len(where) != 1:
                raise ValueError(f"a stand-in value must be one parameter of the query: {params}")
            self.indexes.append(where[0])
        self.compiler, self.sql, self.params = compiler, sql, list(params)
        # Each column's conversion from the driver's value (the ORM finds them on every run).
        columns = [column[0] for column in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(columns)
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        self.model = klass_info["model"]
        self.span = (fields[0], fields[-1] + 1)
        start, end = self.span
        self.init_list = [column[0].target.attname for column in select[start:end]]
        # (Django 5.2's signature; the stubs already know 6.0's, which adds `fetch_mode`.)
        self.populators = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]


class CompiledQuery(Generic[M]):
    """`build(value)` must return the same queryset shape for every value; `first(value)`
    is `build(value).first()` without the ordering (the filter finds one row at most), and
    `all(value)` is `list(build(value))`, in the queryset's order.

    With `each=True`, the stand-in is a tuple of distinct values and `value` a sequence of
    as many, each one parameter of the query (an `__in` filter on a list of that length)."""

    def __init__(
        self, build: Callable[[object], QuerySet[M]], stand_in: object, *, each: bool = False
    ) -> None:
        self._build, self._stand_in, self._each = build, stand_in, each
        if each and not isinstance(stand_in, tuple):
            raise TypeError("with each=True the stand-in is a tuple of values")
        self._stand_ins = stand_in if isinstance(stand_in, tuple) and each else (stand_in,)
        self._model = build(stand_in).model
        self._by_alias: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compiled(self, alias: str) -> _Compiled:
        found = self._by_alias.get(alias)
        if found is None:
            with self._lock:
                found = self._by_alias.get(alias)
                if found is None:
                    found = _Compiled(self._build(self._stand_in), self._stand_ins, alias)
                    self._by_alias[alias] = found
        return found

    def _run(self, value: object, limit: int | None) -> list[M]:
        alias = router.db_for_read(self._model)
        compiled = self._compiled(alias)
        values = tuple(cast(Iterable[object], value)) if self._each else (value,)
        if len(values) != len(compiled.indexes):
            raise ValueError(f"{len(compiled.indexes)} values expected, not {len(values)}")
        params = list(compiled.params)
        for index, given in zip(compiled.indexes, values, strict=True):
            params[index] = given
        with prepared_cursor(connections[alias]) as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        start, end = compiled.span
        found = []
        for row in rows:
            instance = compiled.model.from_db(alias, compiled.init_list, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, instance)
            found.append(instance)
        return found

    def first(self, value: object) -> M | None:
        found = self._run(value, 1)
        return found[0] if found else None

    def all(self, value: object) -> list[M]:
        return self._run(value, None)


class CompiledUpdate:
    """`UPDATE <model's table> SET <fields> = ... WHERE <fields> = ... AND ...`, its SQL built
    once per database and run prepared on PostgreSQL; values are adapted by their fields, as
    the ORM does. The ORM compiles an UPDATE anew on every `update()` call (0.3 ms of CPU for
    the answer's claim of its invitation, against 0.1 ms for the whole statement here)."""

    def __init__(self, model: type[Model], set_fields: Sequence[str], where: Sequence[str]):
        self.model = model
        self.set_fields = [_column(model, name) for name in set_fields]
        self.where = [_column(model, name) for name in where]
        self._sql: dict[str, str] = {}

    def _statement(self, alias: str) -> str:
        sql = self._sql.get(alias)
        if sql is None:
            quote = connections[alias].ops.quote_name
            assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in self.set_fields)
            conditions = " AND ".join(f"{quote(str(f.column))} = %s" for f in self.where)
            table = quote(self.model._meta.db_table)
            # Names from the model's metadata, quoted; every value is a parameter.
            sql = f"UPDATE {table} SET {assignments} WHERE {conditions}"  # noqa: S608
            self._sql[alias] = sql
        return sql

    def run(self, values: Sequence[object], where: Sequence[object]) -> int:
        """Set `values` (in the order of the set fields) on the rows whose where fields equal
        `where`; returns how many rows changed."""
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        params = [
            f.get_db_prep_save(v, connection) for f, v in zip(self.set_fields, values, strict=True)
        ] + [f.get_db_prep_value(v, connection) for f, v in zip(self.where, where, strict=True)]
        with prepared_cursor(connection) as cursor:
            cursor.execute(self._statement(alias), params)
            return cursor.rowcount


def _column(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a column of its table")
    return field
