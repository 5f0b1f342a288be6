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


class _Prepared:
    """Compile a queryset shape once with sentinel values and run it again with real ones.

    `build(**values)` returns the queryset for the given values (always the same shape). It is compiled
    with `sentinels` - per parameter, the model field it filters and a value no real query uses - and each
    SQL parameter that equals a prepared sentinel is replaced at run time by the real value, prepared by
    the same field. Every other parameter is a constant of the query.
    """

    def __init__(self, build: Callable[..., models.QuerySet], **sentinels: tuple[models.Field, Any]):
        self.build = build
        self.sentinels = sentinels
        self._compiled: dict[tuple, tuple] = {}

    def _compile_queryset(self, queryset: models.QuerySet, alias: str) -> tuple:
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        prepared = {
            name: field.get_db_prep_value(value, connection, prepared=False)
            for name, (field, value) in self.sentinels.items()
        }
        slots = [next((name for name, value in prepared.items() if value == param), None) for param in params]
        if set(slots) - {None} != set(self.sentinels):
            raise RuntimeError(f"parameters {params!r} do not hold every sentinel of {list(self.sentinels)}")
        return sql, list(params), slots, compiler

    def _sentinel_values(self) -> dict[str, Any]:
        return {name: value for name, (_, value) in self.sentinels.items()}

    def _fetch(self, compiled: tuple, values: dict[str, Any], using: str) -> list:
        sql, constants, slots, compiler = compiled[:4]
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
        return list(compiler.results_iter(results=[fetched]))


class PreparedValues(_Prepared):
    """A `.values()` query compiled once per database alias; rows come back as the ORM's dicts."""

    def _compile(self, alias: str) -> tuple:
        queryset = self.build(**self._sentinel_values())
        query = queryset.query
        names = (
            list(query.selected)
            if query.selected
            else [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
        )
        return (*self._compile_queryset(queryset, alias), names)

    def rows(self, *, using: str = "default", **values) -> list[dict]:
        key = (using,)
        compiled = self._compiled.get(key) or self._compiled.setdefault(key, self._compile(using))
        names = compiled[4]
        return [dict(zip(names, row, strict=True)) for row in self._fetch(compiled, values, using)]


class PreparedModels(_Prepared):
    """Model instances of a queryset, compiled once per database alias and slice (LIMIT/OFFSET are part
    of the SQL), with annotations set as attributes as the ORM sets them. No select_related."""

    def _compile(self, alias: str, start: int, stop: int | None) -> tuple:
        queryset = self.build(**self._sentinel_values())[start:stop]
        compiled = self._compile_queryset(queryset, alias)
        compiler = compiled[3]
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        begin, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in compiler.select[begin:end]]
        return (*compiled, klass_info["model"], begin, end, names, dict(compiler.annotation_col_map))

    def rows(self, *, start: int = 0, stop: int | None = None, using: str = "default", **values) -> list:
        key = (using, start, stop)
        compiled = self._compiled.get(key)
        if compiled is None:
            if len(self._compiled) > 256:  # bounded: one entry per page slice asked for
                self._compiled.clear()
            compiled = self._compiled[key] = self._compile(using, start, stop)
        model, begin, end, names, annotations = compiled[4:]
        instances = []
        for row in self._fetch(compiled, values, using):
            instance = model.from_db(using, names, row[begin:end])
            for name, position in annotations.items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances


class PreparedList:
    """What Django's Paginator needs from a queryset - count() and slicing - over prepared queries:
    `models` for the rows and `count` for a values() query whose `count` column adds up to the total."""

    def __init__(self, models: PreparedModels, count: PreparedValues, **values):
        self.models = models
        self.counter = count
        self.values = values

    def count(self) -> int:
        return sum(row["count"] for row in self.counter.rows(**self.values))

    def __getitem__(self, key: slice) -> list:
        if not isinstance(key, slice) or key.step is not None or (key.start or 0) < 0:
            raise TypeError("a prepared list is read in forward slices")
        return self.models.rows(start=key.start or 0, stop=key.stop, **self.values)
