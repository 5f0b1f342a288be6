"""Hot-path reads that skip the ORM's per-call query building but keep its results.

Building a query with the ORM (filter, compile to SQL) costs several times more CPU than sending the
query on this kind of hardware. For a read made on every request, the SQL is compiled once per database
alias and reused; rows still go through the backend's converters and `Model.from_db`, so the instances
are exactly what `Model.objects.get(pk=...)` returns.
"""

from typing import Generic, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)


class RowByPk(Generic[M]):
    """`model.objects.filter(pk=pk).first()` with the SQL compiled once."""

    def __init__(self, model: type[M]):
        self.model = model
        self._compiled: dict[str, tuple] = {}

    def _compile(self, alias: str) -> tuple:
        placeholder = 0
        compiler = self.model._default_manager.filter(pk=placeholder).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if list(params) != [placeholder]:  # the primary key must be the only parameter
            raise RuntimeError(f"unexpected parameters {params!r} for {self.model.__name__}")
        columns = [column for column, _, _ in compiler.select]
        names = [column.target.attname for column in columns]
        return sql, names, compiler, compiler.get_converters(columns)

    def get(self, pk, *, using: str = "default") -> M | None:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        sql, names, compiler, converters = compiled
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [self.model._meta.pk.get_prep_value(pk)])
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return self.model.from_db(using, names, row)
