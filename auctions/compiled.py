"""ORM look-ups compiled once per process, for the callbacks' hot paths (issue 7).

Building and compiling a queryset costs 0.2-0.4 ms of Python per call: more than
PostgreSQL spends answering a primary-key look-up, and a callback makes several. A
CompiledQuery asks Django's compiler for a queryset's SQL once per database, remembers
where each value sits among its parameters, and afterwards only executes that SQL and builds
the instances as QuerySet does (database converters, select_related, deferred fields). The
SQL is the ORM's own, so row locks (select_for_update), joins and quoting are exactly the
queryset's; the cursor is Django's, so query logging and assertNumQueries still see it.

    LOCK = CompiledQuery(
        lambda key: Order.objects.select_for_update().select_related("customer").filter(key=key),
        key=str,
    )
    order = LOCK.get(key="A1")  # Order.DoesNotExist / MultipleObjectsReturned as .get()
    orders = LOCK.all(key="A1")  # a list

Values are the parameters' own types (str or int) and are passed to the database as they are,
so a look-up must compare them with a column of that type; constants in the queryset stay
constants.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

# Placeholder values the queryset is compiled with, recognisable among the parameters.
_SENTINELS = {
    str: lambda index: f"\x1ecompiled-query-slot-{index}\x1e",
    int: lambda index: -4_611_686_018_427_387_000 - index,
}


@dataclass(frozen=True)
class _Slot:
    name: str


@dataclass
class _Plan:
    sql: str
    params: list  # a _Slot for each value, constants as compiled
    compiler: object
    converters: dict
    model: type
    init_list: list[str]
    fields_start: int
    fields_end: int
    related_populators: list


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], *, using: str = DEFAULT_DB_ALIAS, **types):
        unsupported = {name: kind for name, kind in types.items() if kind not in _SENTINELS}
        if unsupported:
            raise TypeError(f"CompiledQuery values must be str or int: {unsupported}")
        self.build, self.types, self.using = build, types, using
        self._plans: dict[str, _Plan] = {}

    def get(self, **values):
        """The one row the query finds, as QuerySet.get() would return it."""
        rows = self._run(values, limit=2)
        model = self._plan().model
        if not rows:
            raise model.DoesNotExist(f"{model.__name__} matching query does not exist.")
        if len(rows) > 1:
            raise model.MultipleObjectsReturned(f"get() returned more than one {model.__name__}")
        return rows[0]

    def all(self, **values) -> list:
        """Every row the query finds (keep such queries bounded)."""
        return self._run(values, limit=None)

    def _run(self, values: dict, *, limit: int | None) -> list:
        plan = self._plan()
        if values.keys() != self.types.keys():
            raise TypeError(f"expected values for {sorted(self.types)}, got {sorted(values)}")
        for name, value in values.items():
            if type(value) is not self.types[name]:
                raise TypeError(f"{name} must be {self.types[name].__name__}")
        params = [values[p.name] if isinstance(p, _Slot) else p for p in plan.params]
        with connections[self.using].cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
        if plan.converters:
            rows = plan.compiler.apply_converters(rows, plan.converters)
        instances = []
        for row in rows:
            instance = plan.model.from_db(
                self.using, plan.init_list, row[plan.fields_start : plan.fields_end]
            )
            for populator in plan.related_populators:
                populator.populate(row, instance)
            instances.append(instance)
        return instances

    def _plan(self) -> _Plan:
        connection = connections[self.using]
        # One plan per backend: tests may swap the database a process talks to.
        key = f"{connection.vendor}:{connection.settings_dict.get('NAME')}"
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile()
        return plan

    def _compile(self) -> _Plan:
        sentinels = {
            name: _SENTINELS[kind](index) for index, (name, kind) in enumerate(self.types.items())
        }
        queryset = self.build(**sentinels)
        compiler = queryset.query.get_compiler(using=self.using)
        sql, compiled_params = compiler.as_sql()
        names = {(type(value), value): name for name, value in sentinels.items()}
        params = []
        for value in compiled_params:
            name = names.get((type(value), value))
            params.append(_Slot(name) if name else value)
        placed = [p.name for p in params if isinstance(p, _Slot)]
        if sorted(placed) != sorted(self.types):
            raise ValueError(f"each value must appear once among the parameters: {placed}")
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            sql=sql,
            params=params,
            compiler=compiler,
            converters=compiler.get_converters([column[0] for column in select]),
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]],
            fields_start=start,
            fields_end=end,
            related_populators=get_related_populators(klass_info, select, self.using),
        )
