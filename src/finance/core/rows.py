"""Hot-path queries that skip the ORM's per-call query building but keep its results.

Building a query with the ORM (filter, compile to SQL) costs several times more CPU than sending it on
this kind of hardware. For the reads and writes made on every request (the user behind a token, the rows
a transaction locks, the balance it moves, the report aggregates), the SQL is compiled once per database
alias and reused.
Rows still go through the backend's converters and `Model.from_db`, so instances are exactly what the
equivalent ORM call returns, and `select_for_update` keeps its rules (it needs a transaction).
"""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models import Q
from django.db.models.sql import UpdateQuery

M = TypeVar("M", bound=models.Model)
# Placeholder values the SQL is compiled with; each must come back as exactly one parameter.
_PLACEHOLDER = 8_765_432_100


class Rows(Generic[M]):
    """`model.objects.filter(f1=v1, f2=v2, ...)[.select_for_update()].first()` with the SQL compiled once.

    `fields` are primary keys or foreign key columns (`pk`, `id`, `user_id`): integer equality.
    """

    def __init__(self, model: type[M], *fields: str, for_update: bool = False):
        self.model = model
        self.fields = fields
        self.for_update = for_update
        self._compiled: dict[str, tuple] = {}

    def _compile(self, alias: str) -> tuple:
        placeholders = [_PLACEHOLDER + index for index in range(len(self.fields))]
        queryset = self.model._default_manager.using(alias).filter(
            *(Q((field, value)) for field, value in zip(self.fields, placeholders, strict=True))
        )
        if self.for_update:
            queryset = queryset.select_for_update()
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if sorted(params) != placeholders:
            raise RuntimeError(f"unexpected parameters {params!r} for {self.model.__name__} {self.fields}")
        order = [placeholders.index(param) for param in params]  # value index for each SQL parameter
        columns = [column for column, _, _ in compiler.select]
        names = [column.target.attname for column in columns]
        return sql, order, names, compiler, compiler.get_converters(columns)

    def first(self, *values, using: str = "default") -> M | None:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        sql, order, names, compiler, converters = compiled
        params = [int(values[index]) for index in order]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return self.model.from_db(using, names, row)


class RowByPk(Rows[M]):
    """`model.objects.filter(pk=pk).first()` with the SQL compiled once."""

    def __init__(self, model: type[M]):
        super().__init__(model, "pk")

    def get(self, pk, *, using: str = "default") -> M | None:
        return self.first(pk, using=using)


class ColumnUpdate(Generic[M]):
    """`model.objects.filter(pk=pk).update(column=value)` with the SQL compiled once; returns rows changed."""

    def __init__(self, model: type[M], column: str):
        self.model = model
        self.field = model._meta.get_field(column)
        self._compiled: dict[str, str] = {}

    def _compile(self, alias: str) -> str:
        query = self.model._default_manager.filter(pk=_PLACEHOLDER).query.chain(UpdateQuery)
        # Compiled with a real value so the field's own placeholder and preparation are used.
        query.add_update_values({self.field.name: self.field.to_python(0)})
        sql, params = query.get_compiler(using=alias).as_sql()
        if len(params) != 2 or params[1] != _PLACEHOLDER:
            raise RuntimeError(f"unexpected parameters {params!r} updating {self.model.__name__}")
        return sql

    def run(self, pk, value, *, using: str = "default") -> int:
        sql = self._compiled.get(using)
        if sql is None:
            sql = self._compiled[using] = self._compile(using)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.field.get_db_prep_save(value, connection=connection), int(pk)])
            return cursor.rowcount


class PreparedValues:
    """A `.values()` query compiled once per database alias and run again with new parameter values.

    `build(**values)` returns the queryset for the given values (always the same shape). It is compiled
    once with `sentinels` - per parameter, the model field it filters and a value no real query uses -
    and each SQL parameter that equals a prepared sentinel is replaced at run time by the real value,
    prepared by the same field. Every other parameter is a constant of the query. Rows come back as the
    ORM's values() dicts, through the backend's converters.
    """

    def __init__(self, build: Callable[..., models.QuerySet], **sentinels: tuple[models.Field, Any]):
        self.build = build
        self.sentinels = sentinels
        self._compiled: dict[str, tuple] = {}

    def _compile(self, alias: str) -> tuple:
        connection = connections[alias]
        queryset = self.build(**{name: value for name, (_, value) in self.sentinels.items()})
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        prepared = {
            name: field.get_db_prep_value(value, connection, prepared=False)
            for name, (field, value) in self.sentinels.items()
        }
        slots = [next((name for name, value in prepared.items() if value == param), None) for param in params]
        if set(slots) - {None} != set(self.sentinels):
            raise RuntimeError(f"parameters {params!r} do not hold every sentinel of {list(self.sentinels)}")
        names = (
            list(query.selected)
            if query.selected
            else [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
        )
        return sql, list(params), slots, names, compiler

    def rows(self, *, using: str = "default", **values) -> list[dict]:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        sql, constants, slots, names, compiler = compiled
        connection = connections[using]
        prepared = {
            name: field.get_db_prep_value(values[name], connection, prepared=False)
            for name, (field, _) in self.sentinels.items()
        }
        params = [
            constant if slot is None else prepared[slot]
            for constant, slot in zip(constants, slots, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        return [dict(zip(names, row, strict=True)) for row in compiler.results_iter(results=[fetched])]
