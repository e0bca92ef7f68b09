"""Officials' documents answered by one statement, as PostGraphile answers them.

graphql-core resolves an answer field by field: a page of 20 cases with their power, department,
steps and cards is several hundred resolver calls, a task for many of them and five statements,
and nearly all of its CPU is the API's, while PostgreSQL's core waits. For the shapes officials
ask most (a case or a page of cases, a power or a page of powers, with what hangs off them), the
document is instead compiled once into one statement whose ``json_build_object`` and ``json_agg``
build the answer in PostgreSQL; the API parses it and sends it on.

Nothing about *what* is answered is decided here:

- **Which rows**: each root starts from the very statement its resolver runs (``db``'s
  ``*_statement`` functions), with the arguments the resolver gives it (the same scope functions,
  page sizes and cursors); a root the resolver would refuse (not found, a bad cursor) is left to
  the executor, which refuses it in its own words.
- **Who sees which field**: each field's declared visibility (:mod:`schema.visibility`) is asked,
  through :func:`~schema.visibility.decide`, what the viewer gets of a record their department
  owns and of one it does not; the statement switches on the record's owner between the two
  answers. A field that would be masked (personal data), an audited field, a field restricted to
  some callers, and any field this module has no column for, leave the document to the executor:
  masks and the audit trail stay where they are.
- **How values are written**: enum names come from the schema's own enum types, labels from the
  same tables the resolvers read; times are written as :func:`schema.scalars.moment_text` writes
  them.

``tests/test_sql_answers.py`` runs a corpus of documents as discipline and as departments, each
through this path and through the executor alone, and requires the two answers to be equal and
this path to have answered.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
)
from graphql.execution import Executor
from graphql.execution.values import get_argument_values
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from db import cases as db_cases
from db import powers as db_powers
from db.queries import Statement
from domain.cases import STATE_LABELS
from domain.errors import DomainError
from domain.supervision import COLOR_LABELS, RULE_LABELS
from domain.viewer import Role, Viewer
from schema.context import Context
from schema.pagination import decode_cursor, decode_date_id_cursor, encode_cursor, page_size
from schema.scope import department_scope, draft_scope
from schema.visibility import AUDITED_KEY, CALLERS_KEY, VISIBILITY_KEY, Decision, Visibility, decide

log = logging.getLogger("sunshine.sql_answers")

# Who may be answered this way: officials whose visibility depends on their department alone.
ROLES = frozenset({Role.DEPARTMENT, Role.DISCIPLINE})
_TODAY = "\x00today\x00"  # placeholders for the statement's own parameters, numbered at the end
_DEPARTMENT = "\x00department\x00"
_MAX_KEYS = 50  # json_build_object takes at most 100 arguments


# --- What each type's fields read ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leaf:
    """A scalar or enum field: ``sql`` over the row (``{r}`` its alias), written as its GraphQL
    type is: a ``DateTime`` as :func:`moment_text` writes it, a ``Decimal`` as its text (as
    Python's ``str`` writes it), an enum by its enum type's names, anything else as PostgreSQL
    writes JSON (text, numbers, booleans, dates). ``labels`` maps a value to its label (else null,
    or the value itself with ``or_value``)."""

    sql: str
    labels: Mapping[Any, str] | None = None
    or_value: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """An object field read from other rows: ``source`` is the ``FROM … WHERE …`` of the target
    rows (``{s}`` their alias, ``{r}`` this row's), ``many`` a list in ``order``. ``owner`` is
    the target's owning department where it is this row's (a case's steps), else the target
    type's own."""

    type_name: str
    source: str
    many: bool = False
    order: str = ""
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class Embedded:
    """An object field read from this same row (a power's fee)."""

    type_name: str


@dataclass(frozen=True, slots=True)
class Computed:
    """An object field the API makes from rows the statement brings (``sql``, JSON over ``{r}``):
    ``build`` makes the very object the resolver makes of them (a laid-out process map), and the
    selection is read off it as the executor would, for fields that are read straight off an
    object. ``build`` raising leaves the document to the executor."""

    type_name: str
    sql: str
    build: Callable[[Any], object]


@dataclass(frozen=True, slots=True)
class Shape:
    owner: str | None  # the row's owning department (``{r}``), for non-public fields
    # Fields read from the row's column of the field's Python name (``caseNo`` from ``case_no``).
    columns: frozenset[str] = frozenset()
    fields: Mapping[str, Leaf | Link | Embedded | Computed] = field(default_factory=dict)

    def spec(self, name: str, python_name: str) -> Leaf | Link | Embedded | Computed | None:
        if name in self.columns:
            return Leaf(f"{{r}}.{python_name}")
        return self.fields.get(name)


def _moment(sql: str) -> str:
    """:func:`schema.scalars.moment_text` in SQL: ISO 8601 in China's time, microseconds only
    when there are any, the offset as ``+08:00``."""
    local = f"({sql} AT TIME ZONE 'Asia/Shanghai')"
    return (
        f"(to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_part('microseconds', {sql})::bigint % 1000000 <> 0"
        f" THEN to_char({local}, '.US') ELSE '' END"
        f" || '+' || to_char({local} - ({sql} AT TIME ZONE 'UTC'), 'HH24:MI'))"
    )


@functools.cache
def _shapes() -> dict[str, Shape]:
    """Each type's fields (made at first use: the schema's modules, whose labels they read,
    import this module's users)."""
    from schema.cases import CHANNEL_LABELS
    from schema.powers import CATEGORY_LABELS, STATUS_LABELS
    from schema.supervision import CARD_STATUS_LABELS

    current_step = (
        "FROM process_steps {s} WHERE {s}.power_id = {r}.power_id AND {s}.key = {r}.current_step_key"
    )
    return {
        "Case": Shape(
            owner="{r}.department_id",
            columns=frozenset(
                {
                    "caseNo",
                    "state",
                    "channel",
                    "receivedAt",
                    "acceptedOn",
                    "promisedDueOn",
                    "statutoryDueOn",
                    "completedOn",
                    "applicantKind",
                    "feeChargedYuan",
                    "handlerStaffNo",
                    "refusalReason",
                    "locked",
                }
            ),
            fields={
                "stateLabel": Leaf("{r}.state", labels={s.value: label for s, label in STATE_LABELS.items()}),
                "channelLabel": Leaf("{r}.channel", labels=CHANNEL_LABELS, or_value=True),
                "onTime": Leaf(
                    f"CASE WHEN {{r}}.promised_due_on IS NOT NULL"
                    f" THEN coalesce({{r}}.completed_on, {_TODAY}::date) <= {{r}}.promised_due_on END"
                ),
                "currentStepName": Leaf(
                    f"(SELECT s.name {current_step.format(s='s', r='{r}')} ORDER BY s.position LIMIT 1)"
                ),
                "currentStepKey": Leaf(
                    f"CASE WHEN EXISTS (SELECT 1 {current_step.format(s='s', r='{r}')})"
                    " THEN {r}.current_step_key END"
                ),
                "power": Link("Power", "FROM powers {s} WHERE {s}.id = {r}.power_id"),
                "department": Link("Department", "FROM departments {s} WHERE {s}.id = {r}.department_id"),
                "steps": Link(
                    "CaseStepRecord",
                    "FROM case_steps {s} WHERE {s}.case_id = {r}.id",
                    many=True,
                    order="ORDER BY {s}.started_at, {s}.step_key",
                    owner="{r}.department_id",
                ),
                "cards": Link(
                    "Card",
                    "FROM cards {s} LEFT JOIN cases {s}k ON {s}k.id = {s}.case_id WHERE {s}.case_id = {r}.id",
                    many=True,
                    order="ORDER BY {s}.id",
                ),
                "lockHistory": Link(
                    "LockRecord",
                    "FROM case_lock_events {s} WHERE {s}.case_id = {r}.id",
                    many=True,
                    order="ORDER BY {s}.id",
                    owner="{r}.department_id",
                ),
            },
        ),
        "LockRecord": Shape(
            owner=None,  # the case's, given by the link
            columns=frozenset({"action", "actor", "note", "at"}),
        ),
        "CaseStepRecord": Shape(
            owner=None,  # the case's, given by the link
            columns=frozenset({"stepKey", "staffNo", "startedAt", "finishedAt", "finishedBy", "opinion"}),
        ),
        "Card": Shape(
            owner="{r}.department_id",
            columns=frozenset(
                {
                    "id",
                    "color",
                    "subject",
                    "staffNo",
                    "raisedAt",
                    "status",
                    "explanation",
                    "explainedBy",
                    "explainedAt",
                    "closedBy",
                    "closedAt",
                    "closingNote",
                    "outcome",
                    "explainDueOn",
                    "escalatedAt",
                    "escalatedBy",
                    "escalationNote",
                }
            ),
            fields={
                "kind": Leaf(
                    "CASE WHEN {r}.case_id IS NOT NULL THEN 'case'"
                    " WHEN {r}.complaint_id IS NOT NULL THEN 'complaint' ELSE 'payment' END"
                ),
                "caseNo": Leaf("{r}k.case_no"),
                "rule": Leaf("{r}.rule_code"),
                "ruleLabel": Leaf("{r}.rule_code", labels=RULE_LABELS, or_value=True),
                "colorLabel": Leaf("{r}.color", labels=COLOR_LABELS),
                "evidence": Leaf("{r}.evidence::json"),
                "dueOn": Leaf("{r}k.promised_due_on"),
                "statusLabel": Leaf("{r}.status", labels=CARD_STATUS_LABELS),
                "caseLocked": Leaf("{r}k.locked"),
                "department": Link("Department", "FROM departments {s} WHERE {s}.id = {r}.department_id"),
            },
        ),
        "Department": Shape(
            owner="{r}.id",
            columns=frozenset({"code", "name", "shortName", "serviceLevel", "hall", "phone", "address"}),
        ),
        "Power": Shape(
            owner="{r}.department_id",
            columns=frozenset(
                {
                    "code",
                    "name",
                    "category",
                    "status",
                    "serviceLevel",
                    "legalBasis",
                    "conditions",
                    "procedure",
                    "statutoryLimitDays",
                    "promisedLimitDays",
                    "visitsNeeded",
                    "parallelApproval",
                    "consultationChannel",
                    "complaintChannel",
                    "publishedOn",
                    "internalNote",
                }
            ),
            fields={
                "categoryLabel": Leaf(
                    "{r}.category", labels={c.value: t for c, t in CATEGORY_LABELS.items()}
                ),
                "statusLabel": Leaf("{r}.status", labels={s.value: t for s, t in STATUS_LABELS.items()}),
                "fee": Embedded("Fee"),
                "department": Link("Department", "FROM departments {s} WHERE {s}.id = {r}.department_id"),
                "processMap": Computed("ProcessMap", _MAP_ROWS, _laid_out_map),
            },
        ),
        "Fee": Shape(
            owner=None,
            fields={
                "free": Leaf("({r}.fee_yuan IS NULL OR {r}.fee_yuan = 0)"),
                "amountYuan": Leaf("{r}.fee_yuan"),
                "basis": Leaf("{r}.fee_basis"),
                "label": Leaf("coalesce(to_char({r}.fee_yuan, 'FM999999999999990.00') || '元', '免费')"),
            },
        ),
    }


# A power's map as its loader reads it (db.powers.list_maps_by_power): the steps in order, the
# edges by their steps' positions, each as the values of its row. (An edge's steps are the power's
# own: saying so lets PostgreSQL find them by the power's index rather than hash every step.)
_MAP_ROWS = (
    "json_build_object('name', {r}.name, 'owner', {r}.department_id, 'steps',"
    " (SELECT coalesce(json_agg(json_build_array(s.id, s.power_id, s.key, s.name, s.post_name,"
    " s.department_id, s.limit_days, s.counts_toward_limit, s.checks, s.position) ORDER BY s.position),"
    " '[]'::json) FROM process_steps s WHERE s.power_id = {r}.id), 'edges',"
    " (SELECT coalesce(json_agg(json_build_array(e.power_id, f.key, t.key, e.condition)"
    " ORDER BY f.position, t.position), '[]'::json)"
    " FROM process_edges e JOIN process_steps f ON f.id = e.from_step_id AND f.power_id = {r}.id"
    " JOIN process_steps t ON t.id = e.to_step_id AND t.power_id = {r}.id WHERE e.power_id = {r}.id))"
)


def _laid_out_map(raw: Any) -> object:
    from schema.powers import laid_out_map

    steps = [db_powers.StepRow(*values) for values in raw["steps"]]
    edges = [db_powers.EdgeRow(*values) for values in raw["edges"]]
    return laid_out_map(raw["name"], raw["owner"], steps, edges)


# --- Roots ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Root:
    """A root field answered this way: the items' type, the resolver's statement for the
    arguments and the request, the arguments it may be given and, for a connection, its type, the
    columns its cursor is made of (and how), the order of its rows and its total where it has one.
    ``statement`` raises a DomainError where the resolver would refuse the arguments, and
    ``check`` says whether the resolver would answer the row it found (not a case of another
    department): the executor answers otherwise."""

    type_name: str
    statement: Callable[[dict[str, Any], Context], Awaitable[Statement]]
    arguments: frozenset[str]
    connection: str | None = None  # the connection type's name
    keys: tuple[str, ...] = ()  # the row's columns its cursor is made of
    cursor: Callable[[Any], str] = str
    order: str = ""
    total: Callable[[dict[str, Any], Context], Awaitable[int]] | None = None  # totalCount
    check: Callable[[Any, Context], bool] = field(default=lambda row, context: True)


async def _cases(args: dict[str, Any], context: Context) -> Statement:
    from schema.cases import CaseFilter, case_page_statement

    size = page_size(args.get("first"), context.limits)
    return await case_page_statement(context, args.get("filter") or CaseFilter(), size, args.get("after"))


async def _powers(args: dict[str, Any], context: Context) -> Statement:
    from schema.powers import PowerFilter, power_search

    size = page_size(args.get("first"), context.limits)
    return db_powers.list_powers_statement(
        scope=draft_scope(context.viewer),
        search=power_search(PowerFilter(), department_id=None),
        after_code=decode_cursor(args.get("after")),
        limit=size + 1,
    )


async def _power(args: dict[str, Any], context: Context) -> Statement:
    from schema.powers import check_power_code

    code = args["code"]
    check_power_code(context.limits, code)
    return db_powers.power_by_code_statement(scope=draft_scope(context.viewer), code=code)


async def _case(args: dict[str, Any], context: Context) -> Statement:
    return db_cases.case_bundle_statement(case_no=args["case_no"])


async def _overdue_cases(args: dict[str, Any], context: Context) -> Statement:
    from schema.cases import OverdueCaseFilter, overdue_scope

    size = page_size(args.get("first"), context.limits)
    f = args.get("filter") or OverdueCaseFilter()
    department_id, township_code = await overdue_scope(context, f, args.get("department_code"))
    return db_cases.list_overdue_cases_statement(
        department_id=department_id,
        township_code=township_code,
        today=context.today,
        after=decode_date_id_cursor(args.get("after")),
        limit=size + 1,
    )


async def _overdue_total(args: dict[str, Any], context: Context) -> int:
    from schema.cases import OverdueCaseFilter, overdue_scope

    f = args.get("filter") or OverdueCaseFilter()
    department_id, township_code = await overdue_scope(context, f, args.get("department_code"))
    return await db_cases.count_overdue_cases(
        context.db, department_id=department_id, township_code=township_code, today=context.today
    )


def _own_case(row: Any, context: Context) -> bool:
    scope = department_scope(context.viewer)
    return scope is None or row["department_id"] == scope


ROOTS: dict[str, Root] = {
    "case": Root("Case", _case, frozenset({"caseNo"}), check=_own_case),
    "cases": Root(
        "Case",
        _cases,
        frozenset({"filter", "first", "after"}),
        connection="CaseConnection",
        keys=("id",),
        cursor=lambda row: str(row[0]),
        order="r.id DESC",
    ),
    "overdueCases": Root(
        "Case",
        _overdue_cases,
        frozenset({"filter", "departmentCode", "first", "after"}),
        connection="OverdueCaseConnection",
        keys=("promised_due_on", "id"),
        cursor=lambda row: f"{row[0]}/{row[1]}",
        order="r.promised_due_on, r.id",
        total=_overdue_total,
    ),
    "power": Root("Power", _power, frozenset({"code"})),
    "powers": Root(
        "Power",
        _powers,
        frozenset({"first", "after"}),
        connection="PowerConnection",
        keys=("code",),
        cursor=lambda row: str(row[0]),
        order="r.code",
    ),
}


# --- Compiling a document -------------------------------------------------------------------------


# Where, from an item, the API finishes a part of the statement's answer, and how.
Finish = tuple[tuple[str, ...], Callable[[Any], Any]]


class Unsupported(Exception):
    """The document asks for something this module does not answer: the executor answers it."""


def _literal(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Unsupported(repr(value))
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def _mapped(sql: str, labels: Mapping[Any, str], or_value: bool) -> str:
    whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in labels.items())
    return f"CASE {sql} {whens} ELSE {sql if or_value else 'NULL'} END"


@dataclass(slots=True)
class _Compiler:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    viewer: Viewer
    shapes: Mapping[str, Shape]
    aliases: int = 0
    path: list[str] = field(default_factory=list)  # response keys from the item to the field at hand
    finishes: list[Finish] = field(default_factory=list)  # of the object compiled last

    def alias(self) -> str:
        self.aliases += 1
        return f"t{self.aliases}"

    def collect(
        self, selection_sets: Iterable[SelectionSetNode | None], type_name: str
    ) -> dict[str, list[FieldNode]]:
        """The fields of ``type_name`` the selection sets ask for, by response key, in order."""
        found: dict[str, list[FieldNode]] = {}

        def walk(selection_set: SelectionSetNode | None) -> None:
            if selection_set is None:
                raise Unsupported("no selection")
            for selection in selection_set.selections:
                if selection.directives:
                    raise Unsupported("directive")
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    found.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    if condition is not None and condition.name.value != type_name:
                        raise Unsupported("fragment on another type")
                    walk(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments.get(selection.name.value)
                    if fragment is None or fragment.type_condition.name.value != type_name:
                        raise Unsupported("fragment on another type")
                    walk(fragment.selection_set)

        for selection_set in selection_sets:
            walk(selection_set)
        return found

    def obj(self, type_name: str, nodes: list[FieldNode], row: str, owner: str | None) -> str:
        """The JSON object ``nodes``' selections make of the row ``row`` of ``type_name``."""
        shape = self.shapes.get(type_name)
        graphql_type = self.schema.type_map.get(type_name)
        if shape is None or not isinstance(graphql_type, GraphQLObjectType):
            raise Unsupported(type_name)
        if shape.owner is not None:
            owner = shape.owner.format(r=row)
        parts: list[str] = []
        for key, group in self.collect((n.selection_set for n in nodes), type_name).items():
            name = group[0].name.value
            if name == "__typename":
                parts.append(f"'{key}', {_literal(type_name)}")
                continue
            graphql_field = graphql_type.fields.get(name)
            definition = graphql_field.extensions["strawberry-definition"] if graphql_field else None
            spec = shape.spec(name, definition.python_name) if definition else None
            if definition is None or spec is None or any(n.arguments for n in group):
                raise Unsupported(f"{type_name}.{name}")
            metadata = definition.metadata
            if metadata.get(CALLERS_KEY) is not None or metadata.get(AUDITED_KEY):
                raise Unsupported(f"{type_name}.{name}: callers or audited")
            self.path.append(key)
            value = self.value(spec, graphql_field.type, group, row, owner)
            self.path.pop()
            parts.append(f"'{key}', {self.visible(metadata[VISIBILITY_KEY], value, owner)}")
        if not parts or len(parts) > _MAX_KEYS:
            raise Unsupported("too many keys")
        return f"json_build_object({', '.join(parts)})"

    def value(
        self,
        spec: Leaf | Link | Embedded | Computed,
        output: Any,
        group: list[FieldNode],
        row: str,
        owner: str | None,
    ) -> str:
        named = get_named_type(output)
        if isinstance(spec, Leaf):
            sql = spec.sql.format(r=row)
            if isinstance(named, GraphQLEnumType):
                sql = _mapped(sql, {v.value: name for name, v in named.values.items()}, False)
            elif spec.labels is not None:
                sql = _mapped(sql, spec.labels, spec.or_value)
            if named.name == "Decimal":
                return f"({sql})::text"
            if named.name == "DateTime":
                return _moment(sql)
            return sql
        if named.name != spec.type_name:
            raise Unsupported(named.name)
        if isinstance(spec, Embedded):
            return self.obj(spec.type_name, group, row, owner)
        if isinstance(spec, Computed):
            render, build = self.renderer(spec.type_name, group), spec.build
            self.finishes.append((tuple(self.path), lambda raw: render(build(raw))))
            return spec.sql.format(r=row)
        target = self.alias()
        child_owner = spec.owner.format(r=row) if spec.owner is not None else None
        item = self.obj(spec.type_name, group, target, child_owner)
        source = spec.source.format(r=row, s=target)
        if spec.many:
            order = spec.order.format(s=target)
            return f"(SELECT coalesce(json_agg({item} {order}), '[]'::json) {source})"
        return f"(SELECT {item} {source} LIMIT 1)"

    def renderer(self, type_name: str, nodes: list[FieldNode]) -> Callable[[Any], dict[str, Any]]:
        """What the executor answers of an object of ``type_name`` for ``nodes``' selections, for
        fields read straight off the object (public, no resolver, no arguments)."""
        graphql_type = self.schema.type_map.get(type_name)
        if not isinstance(graphql_type, GraphQLObjectType):
            raise Unsupported(type_name)
        reads: list[tuple[str, str | None, Callable[[Any], Any], bool]] = []
        for key, group in self.collect((n.selection_set for n in nodes), type_name).items():
            name = group[0].name.value
            if name == "__typename":
                reads.append((key, None, lambda _: type_name, False))
                continue
            graphql_field = graphql_type.fields.get(name)
            definition = graphql_field.extensions.get("strawberry-definition") if graphql_field else None
            if (
                graphql_field is None
                or not isinstance(definition, StrawberryField)
                or not definition.is_basic_field
                or any(n.arguments for n in group)
                or definition.metadata.get(CALLERS_KEY) is not None
                or definition.metadata.get(AUDITED_KEY)
                or self.visible(definition.metadata[VISIBILITY_KEY], "v", None) != "v"
            ):
                raise Unsupported(f"{type_name}.{name}")
            named = get_named_type(graphql_field.type)
            many = isinstance(get_nullable_type(graphql_field.type), GraphQLList)
            if isinstance(named, GraphQLObjectType):
                convert: Callable[[Any], Any] = self.renderer(named.name, group)
            elif isinstance(named, GraphQLScalarType | GraphQLEnumType):
                convert = named.coerce_output_value
            else:
                raise Unsupported(named.name)
            reads.append((key, definition.python_name, convert, many))

        def render(obj: Any) -> dict[str, Any]:
            answer: dict[str, Any] = {}
            for key, attribute, convert, many in reads:
                value = obj if attribute is None else getattr(obj, attribute)
                if value is None:
                    answer[key] = None
                else:
                    answer[key] = [convert(v) for v in value] if many else convert(value)
            return answer

        return render

    def visible(self, visibility: Visibility, value: str, owner: str | None) -> str:
        """``value`` as the field's visibility lets the viewer see it: what :func:`decide` answers
        for a record the viewer's department owns, and for one it does not."""
        viewer = self.viewer
        owned = decide(visibility, viewer, viewer.department_id)
        other = decide(visibility, viewer, None)
        if Decision.MASK in (owned, other):
            raise Unsupported("masked")
        answers = {d: (value if d is Decision.SHOW else "NULL") for d in (owned, other)}
        if owned is other:
            return answers[owned]
        if owner is None:
            raise Unsupported("no owner")
        return f"CASE WHEN {owner} = {_DEPARTMENT}::int THEN {answers[owned]} ELSE {answers[other]} END"


@dataclass(frozen=True, slots=True)
class Plan:
    """One compiled root field: its response key, its definition, and the statement (with the
    placeholders of its own parameters still in it) answering rows of ``(cursor, json…)``."""

    key: str
    root: Root
    node: FieldNode
    sql: str
    uses_today: bool
    uses_department: bool
    finishes: Mapping[int, tuple[Finish, ...]]  # by column: what the API makes of the statement's parts
    # For a connection: the selection of its own fields (nodes, edges, pageInfo) by response key.
    layout: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()

    def item(self, row: Any, column: int) -> Any:
        """The object in ``column`` of ``row``, finished."""
        value = orjson.loads(row[column])
        for path, make in self.finishes.get(column, ()):
            _finish(value, path, make)
        return value

    async def statement(self, args: dict[str, Any], context: Context) -> Statement:
        sql, params = await self.root.statement(args, context)
        params = list(params)
        for used, value in (
            (self.uses_today, context.today),
            (self.uses_department, context.viewer.department_id),
        ):
            if used:
                params.append(value)
        return _text(
            self.sql, sql, self.root.order, len(params), self.uses_today, self.uses_department
        ), params


@functools.lru_cache(maxsize=1024)
def _text(columns: str, root_sql: str, order: str, parameters: int, today: bool, department: bool) -> str:
    """The statement of ``columns`` on ``root_sql`` in ``order``, the plan's own parameters
    numbered after the root's (made once for each plan and root statement)."""
    # Made of this module's columns, the schema's field names and db's own statements, never of a
    # value: every value is a parameter.
    text = f"SELECT {columns} FROM ({root_sql.rstrip().rstrip(';')}) r"  # noqa: S608
    if order:
        text += f" ORDER BY {order}"
    number = parameters - today - department
    for placeholder, used in ((_TODAY, today), (_DEPARTMENT, department)):
        if used:
            number += 1
            text = text.replace(placeholder, f"${number}")
    return text


def compile_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    viewer: Viewer,
) -> Plan | None:
    """The plan answering ``operation`` for viewers of ``viewer``'s role, or None."""
    if operation.operation is not OperationType.QUERY or operation.directives:
        return None
    try:
        compiler = _Compiler(schema, fragments, viewer, _shapes())
        fields = compiler.collect([operation.selection_set], "Query")
        if len(fields) != 1:
            return None
        [(key, group)] = fields.items()
        node = group[0]
        root = ROOTS.get(node.name.value)
        query = schema.query_type
        if root is None or query is None or len(group) != 1:
            return None
        metadata = query.fields[node.name.value].extensions["strawberry-definition"].metadata
        callers = metadata.get(CALLERS_KEY)
        if callers is not None and viewer.role not in callers:
            return None
        if {a.name.value for a in node.arguments or ()} - root.arguments:
            return None
        finishes: dict[int, tuple[Finish, ...]] = {}
        if root.connection is None:
            sql = compiler.obj(root.type_name, group, "r", None)
            layout: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()
            columns = ["r.department_id", sql]
            finishes[1] = tuple(compiler.finishes)
        else:
            columns, layout = _connection(compiler, root, group, finishes)
    except Unsupported as reason:
        log.debug("answered by the executor: %s", reason)
        return None
    text = ", ".join(columns)
    return Plan(key, root, node, text, _TODAY in text, _DEPARTMENT in text, finishes, layout)


def _connection(
    compiler: _Compiler, root: Root, group: list[FieldNode], finishes: dict[int, tuple[Finish, ...]]
) -> tuple[list[str], tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]]:
    """A connection's columns (the cursor's, then one object per distinct item selection) and
    its layout: for each response key, the field and what it holds."""
    assert root.connection is not None  # noqa: S101 -- called for connections only
    columns = [f"r.{k}" for k in root.keys]
    layout: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []
    for key, fields in compiler.collect((n.selection_set for n in group), root.connection).items():
        name = fields[0].name.value
        if name == "nodes":
            compiler.finishes = []
            columns.append(compiler.obj(root.type_name, fields, "r", None))
            finishes[len(columns) - 1] = tuple(compiler.finishes)
            layout.append((key, name, ((str(len(columns) - 1), ""),)))
        elif name == "edges":
            parts = []
            for edge_key, edge_fields in compiler.collect(
                (f.selection_set for f in fields), f"{root.type_name}Edge"
            ).items():
                edge_name = edge_fields[0].name.value
                if edge_name == "node":
                    compiler.finishes = []
                    columns.append(compiler.obj(root.type_name, edge_fields, "r", None))
                    finishes[len(columns) - 1] = tuple(compiler.finishes)
                    parts.append((edge_key, str(len(columns) - 1)))
                elif edge_name in ("cursor", "__typename"):
                    parts.append((edge_key, edge_name))
                else:
                    raise Unsupported(edge_name)
            layout.append((key, name, tuple(parts)))
        elif name == "pageInfo":
            parts = []
            for info_key, info_fields in compiler.collect(
                (f.selection_set for f in fields), "PageInfo"
            ).items():
                info_name = info_fields[0].name.value
                if info_name not in ("hasNextPage", "endCursor", "__typename"):
                    raise Unsupported(info_name)
                parts.append((info_key, info_name))
            layout.append((key, name, tuple(parts)))
        elif name == "__typename" or (name == "totalCount" and root.total is not None):
            layout.append((key, name, ()))
        else:
            raise Unsupported(name)
    return columns, tuple(layout)


# --- Answering --------------------------------------------------------------------------------------


async def answer(
    plan: Plan, schema: GraphQLSchema, variable_values: Any, context: Context
) -> dict[str, Any] | None:
    """The ``data`` of the answer, or None where the executor answers (a refusal, a row the
    viewer may not see)."""
    query = schema.query_type
    assert query is not None  # noqa: S101 -- a plan exists only for a schema with queries
    graphql_field = query.fields[plan.node.name.value]
    strawberry_schema = schema._strawberry_schema  # type: ignore[attr-defined]  # strawberry sets it
    try:
        # The arguments as the resolver receives them (Python names, input types made objects).
        args = convert_arguments(
            get_argument_values(graphql_field, plan.node, variable_values),
            graphql_field.extensions["strawberry-definition"].arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            config=strawberry_schema.config,
        )
        statement = await plan.statement(args, context)
    except DomainError:
        return None
    sql, params = statement
    rows = await context.db.fetch(sql, *params)
    counted = plan.root.total is not None and any(name == "totalCount" for _, name, _ in plan.layout)
    total = await plan.root.total(args, context) if counted and plan.root.total else None
    try:
        return _data(plan, rows, args, context, total)
    except Exception:  # what the API makes of the rows refused them (a map that is no map)
        log.debug("the executor answers %s", plan.key, exc_info=True)
        return None


def _data(
    plan: Plan, rows: list[Any], args: dict[str, Any], context: Context, total: int | None
) -> dict[str, Any] | None:
    root = plan.root
    if root.connection is None:
        if not rows or not root.check(rows[0], context):
            return None
        return {plan.key: plan.item(rows[0], 1)}
    size = page_size(args.get("first"), context.limits)
    page = rows[:size]
    connection: dict[str, Any] = {}
    for key, name, parts in plan.layout:
        if name == "nodes":
            column = int(parts[0][0])
            connection[key] = [plan.item(r, column) for r in page]
        elif name == "edges":
            connection[key] = [_edge(r, parts, plan) for r in page]
        elif name == "pageInfo":
            end = encode_cursor(root.cursor(page[-1])) if page else None
            values = {"hasNextPage": len(rows) > size, "endCursor": end, "__typename": "PageInfo"}
            connection[key] = {k: values[n] for k, n in parts}
        elif name == "totalCount":
            connection[key] = total
        else:
            connection[key] = root.connection
    return {plan.key: connection}


def _edge(row: Any, parts: tuple[tuple[str, str], ...], plan: Plan) -> dict[str, Any]:
    edge: dict[str, Any] = {}
    for key, what in parts:
        if what == "cursor":
            edge[key] = encode_cursor(plan.root.cursor(row))
        elif what == "__typename":
            edge[key] = f"{plan.root.type_name}Edge"
        else:
            edge[key] = plan.item(row, int(what))
    return edge


def _finish(value: Any, path: tuple[str, ...], make: Callable[[Any], Any]) -> None:
    """Replace, in ``value`` (lists walked through), what lies at ``path`` by what ``make`` makes of it."""
    if isinstance(value, list):
        for item in value:
            _finish(item, path, make)
    elif isinstance(value, dict):
        key = path[0]
        if len(path) > 1:
            _finish(value.get(key), path[1:], make)
        elif value.get(key) is not None:
            value[key] = make(value[key])


_PLANS_HELD = 512  # compiled operations kept (by operation and role), dropped all at once when full


def answering_officials(base: type[Executor[Any]]) -> type[Executor[Any]]:
    """``base`` answering the officials' queries it can by one statement (the rest as before)."""
    plans: dict[tuple[int, Role], tuple[OperationDefinitionNode, Plan | None]] = {}

    class SqlAnswers(base):  # type: ignore[misc,valid-type]  # a class made from a parameter
        def execute_operation(self, serially: bool | None = None) -> Any:
            context = self.context_value
            viewer = getattr(context, "viewer", None)
            if not isinstance(context, Context) or viewer is None or viewer.role not in ROLES:
                return super().execute_operation(serially)
            key = (id(self.operation), viewer.role)
            held = plans.get(key)
            if held is None or held[0] is not self.operation:
                if len(plans) >= _PLANS_HELD:
                    plans.clear()
                plan = compile_operation(self.schema, self.operation, self.fragment_definitions, viewer)
                held = plans[key] = (self.operation, plan)
            if held[1] is None:
                return super().execute_operation(serially)
            return self._answer(held[1], context, super().execute_operation, serially)

        async def _answer(
            self, plan: Plan, context: Context, ordinary: Callable[..., Any], serially: bool | None
        ) -> Any:
            try:
                data = await answer(plan, self.schema, self.variable_values, context)
            except Exception:  # the executor answers, and reports a failing database its own way
                log.warning("the statement of %s failed; the executor answers", plan.key, exc_info=True)
                data = None
            if data is None:
                result = ordinary(serially)
                return await result if inspect.isawaitable(result) else result
            context.answered_by = "sql"
            return ExecutionResult(data, None)

    return SqlAnswers
