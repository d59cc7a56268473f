"""ORM look-ups and writes compiled once per process, for the callbacks' hot paths (issue 7).

Building and compiling a queryset costs 0.2-0.4 ms of Python per call: more than
PostgreSQL spends answering a primary-key look-up, and a callback makes several. A
CompiledQuery asks Django's compiler for a queryset's SQL once per database, remembers
where each value sits among its parameters, and afterwards only executes that SQL and builds
the instances as QuerySet does (database converters, select_related, deferred fields). The
SQL is the ORM's own, so row locks (select_for_update), joins and quoting are exactly the
queryset's; the cursor is Django's, so query logging and assertNumQueries still see it. On
PostgreSQL each statement is also prepared once per connection (PREPARE / EXECUTE), so the
server parses and plans it once; sql_of() turns a logged EXECUTE back into its SQL.

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

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.signals import connection_created
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.dispatch import receiver

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
            if type(value) is int and not -(2**63) <= value < 2**63:
                return []  # as with the ORM: an integer no column can hold matches nothing
        params = [values[p.name] if isinstance(p, _Slot) else p for p in plan.params]
        connection = connections[self.using]
        with connection.cursor() as cursor:
            _execute(connection, cursor, plan.sql, params)
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


# Writes: the statements Model.save() would send, built once per model and field list.


def insert(model: type[Model], *, using: str = DEFAULT_DB_ALIAS, **values) -> Model:
    """Create one row as bulk_create([model(**values)]) does: no save() override, no signals.

    Defaults and auto_now_add apply as in a save(); returns the instance with its pk.
    """
    instance = model(**values)
    connection = connections[using]
    fields, sql = _insert_statement(model, connection)
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        _execute(connection, cursor, sql, params)
        if connection.features.can_return_columns_from_insert:
            (pk,) = connection.ops.fetch_returned_insert_columns(cursor, ())
        else:
            pk = connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column)
    instance.pk = pk
    instance._state.adding, instance._state.db = False, using
    return instance


def update(instance: Model, fields: list[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """UPDATE `fields` of the instance's row by pk, as save(update_fields=fields) does
    (auto_now fields are refreshed), with no save() override and no signals."""
    connection = connections[using]
    targets, sql = _update_statement(type(instance), tuple(fields), connection)
    params = [
        field.get_db_prep_save(field.pre_save(instance, False), connection) for field in targets
    ]
    params.append(instance._meta.pk.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        _execute(connection, cursor, sql, params)
        if cursor.rowcount != 1:
            raise DatabaseError(f"{type(instance).__name__} {instance.pk}: no row was updated")


_STATEMENTS: dict[tuple, tuple[list, str]] = {}


def _insert_statement(model, connection) -> tuple[list, str]:
    key = ("insert", model, connection.vendor, connection.settings_dict.get("NAME"))
    if key not in _STATEMENTS:
        meta, quote = model._meta, connection.ops.quote_name
        fields = [
            field
            for field in meta.local_concrete_fields
            if field is not meta.auto_field and not field.generated
        ]
        # Names from the model's meta, quoted; every value is a parameter.
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(meta.db_table),
            ", ".join(quote(field.column) for field in fields),
            ", ".join(_placeholder(field) for field in fields),
        )
        if connection.features.can_return_columns_from_insert:
            returning, _ = connection.ops.return_insert_columns([meta.pk])
            sql += " " + returning
        _STATEMENTS[key] = (fields, sql)
    return _STATEMENTS[key]


def _update_statement(model, names: tuple[str, ...], connection) -> tuple[list, str]:
    key = ("update", model, names, connection.vendor, connection.settings_dict.get("NAME"))
    if key not in _STATEMENTS:
        meta, quote = model._meta, connection.ops.quote_name
        fields = [meta.get_field(name) for name in names]
        # save(update_fields=...) also refreshes auto_now columns named in the list only.
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 -- as INSERT above
            quote(meta.db_table),
            ", ".join(f"{quote(field.column)} = {_placeholder(field)}" for field in fields),
            quote(meta.pk.column),
        )
        _STATEMENTS[key] = (fields, sql)
    return _STATEMENTS[key]


def _placeholder(field) -> str:
    if hasattr(field, "get_placeholder") or not field.concrete or field.primary_key:
        raise TypeError(f"{field.name}: compiled writes take plain columns only")
    return "%s"


# PostgreSQL: each statement prepared once per connection (parsed and planned once).

_PLACEHOLDER = re.compile(r"%s|%%")
_EXECUTE = re.compile(r"EXECUTE (kv_[0-9a-f]{20})\b")
_SQL_BY_NAME: dict[str, str] = {}


def sql_of(logged: str) -> str:
    """The statement a logged query ran: for `EXECUTE kv_...(...)`, the prepared SQL."""
    match = _EXECUTE.match(logged)
    return _SQL_BY_NAME.get(match.group(1), logged) if match else logged


def _execute(connection, cursor, sql: str, params: list) -> None:
    """Run `sql` on Django's cursor (logged and counted as any query), prepared on PostgreSQL.

    A prepared statement lives as long as its session (not its transaction: a rollback
    keeps it), so each new connection prepares again (see _forget_prepared).
    """
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    prepared = connection.__dict__.setdefault("_compiled_prepared", {})
    name = prepared.get(sql)
    if name is None:
        name = "kv_" + hashlib.sha1(sql.encode()).hexdigest()[:20]  # noqa: S324 -- a name
        _SQL_BY_NAME[name] = sql
        numbers = iter(range(1, len(params) + 1))
        body = _PLACEHOLDER.sub(
            lambda match: "%" if match.group() == "%%" else f"${next(numbers)}", sql
        )
        # Straight on the driver's cursor: not one of the request's own (counted) queries.
        with connection.wrap_database_errors, connection.connection.cursor() as raw:
            raw.execute(f"PREPARE {name} AS {body}")
        prepared[sql] = name
    if params:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")


@receiver(connection_created)
def _forget_prepared(sender, connection, **kwargs):
    connection.__dict__.pop("_compiled_prepared", None)
