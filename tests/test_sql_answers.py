"""Officials' documents answered by one statement (schema/sql_answers.py) answer exactly what the
executor answers, to discipline, to the department that owns the records and to another; what
the statement cannot answer (personal data, directives, filters, counts, townships) and every
refusal are the executor's, unchanged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    IntValueNode,
    NameNode,
    ObjectTypeDefinitionNode,
    OperationDefinitionNode,
    SchemaDefinitionNode,
    StringValueNode,
    ValueNode,
    parse,
    print_ast,
    print_schema,
)
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from schema import sql_answers
from tests.conftest import ACCESS_REASON, BothWays
from tests.test_fuzz import SCALARS
from tests.test_visibility_matrix import SCHEMA


@dataclass(frozen=True)
class County:
    """Real keys of the test county: a department with cases and one without any of them."""

    department: str
    other_department: str
    case_no: str  # of ``department``, with steps
    carded_case_no: str  # a case with a card
    code: str  # a power of ``department`` with a map that has edges
    readers: dict[str, str]


@pytest.fixture(scope="module")
async def county(populated_db: asyncpg.Pool, token: Callable[..., str]) -> County:
    carded = await populated_db.fetchrow(
        "SELECT k.case_no, d.code FROM cards c JOIN cases k ON k.id = c.case_id"
        " JOIN departments d ON d.id = k.department_id"
        " ORDER BY EXISTS (SELECT 1 FROM case_lock_events l WHERE l.case_id = k.id) DESC, c.id LIMIT 1"
    )
    assert carded is not None
    locked = await populated_db.fetchval(
        "SELECT count(*) FROM case_lock_events l JOIN cases k ON k.id = l.case_id WHERE k.case_no = $1",
        carded["case_no"],
    )
    assert locked > 0  # the console's case shows a lock history
    department = carded["code"]
    other = await populated_db.fetchval(
        "SELECT code FROM departments WHERE code <> $1 ORDER BY code LIMIT 1", department
    )
    case_no = await populated_db.fetchval(
        "SELECT c.case_no FROM cases c JOIN departments d ON d.id = c.department_id"
        " WHERE d.code = $1 AND EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = c.id)"
        " ORDER BY c.id DESC LIMIT 1",
        department,
    )
    code = await populated_db.fetchval(
        "SELECT p.code FROM powers p JOIN departments d ON d.id = p.department_id"
        " WHERE d.code = $1 AND EXISTS (SELECT 1 FROM process_edges e WHERE e.power_id = p.id)"
        " ORDER BY p.code LIMIT 1",
        department,
    )
    assert None not in (other, case_no, code)
    return County(
        department,
        other,
        case_no,
        carded["case_no"],
        code,
        {
            "discipline": token("discipline", staff="JW-1"),
            "own department": token("department", department, "X-1"),
            "other department": token("department", other, "X-2"),
        },
    )


async def both(
    clients: BothWays,
    caplog: pytest.LogCaptureFixture,
    bearer: str,
    query: str,
    variables: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The answer of the service as it runs, the executor's answer, and which way the first was made."""
    fast, general = clients
    body = {"query": query, "variables": variables or {}}
    headers = {"Authorization": f"Bearer {bearer}", **ACCESS_REASON}
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sunshine.access"):
        one = (await fast.post("/graphql", json=body, headers=headers)).json()
    [line] = [r for r in caplog.records if r.name == "sunshine.access"]
    other = (await general.post("/graphql", json=body, headers=headers)).json()
    return one, other, line.__dict__["answered_by"]


CASE_FIELDS = (
    "caseNo state stateLabel channel channelLabel receivedAt acceptedOn promisedDueOn statutoryDueOn"
    " completedOn applicantKind feeChargedYuan handlerStaffNo refusalReason locked onTime"
    " currentStepKey currentStepName __typename"
)
CARD_FIELDS = (
    "id kind caseNo rule ruleLabel color colorLabel subject evidence staffNo raisedAt dueOn status"
    " statusLabel explanation explainedBy explainedAt closedBy closedAt closingNote outcome explainDueOn"
    " escalatedAt escalatedBy escalationNote"
)
POWER_FIELDS = (
    "code name category categoryLabel status statusLabel serviceLevel legalBasis conditions procedure"
    " statutoryLimitDays promisedLimitDays visitsNeeded parallelApproval consultationChannel"
    " complaintChannel publishedOn internalNote fee { free amountYuan basis label }"
)
DEPARTMENT_FIELDS = "code name shortName serviceLevel hall phone address"
MAP_FIELDS = (
    "start nodes { key name post limitDays countsTowardLimit checks layer lane __typename }"
    " edges { source target condition } branches { fork join steps }"
)

# Documents the one statement answers, with the variables they take (from the county).
ANSWERED = {
    "a page of cases, everything": f"""query {{ cases(first: 15) {{
        pageInfo {{ hasNextPage endCursor __typename }}
        edges {{ cursor node {{ {CASE_FIELDS} power {{ {POWER_FIELDS} department {{ {DEPARTMENT_FIELDS} }} }}
                 department {{ {DEPARTMENT_FIELDS} }}
                 steps {{ stepKey staffNo startedAt finishedAt finishedBy opinion }}
                 cards {{ {CARD_FIELDS} }} }} }} }} }}""",
    "the bench's page of cases": """query { cases(first: 20) { nodes { caseNo state receivedAt
        promisedDueOn completedOn power { code name } department { name }
        steps { stepKey staffNo startedAt finishedAt } cards { rule color status } } } }""",
    "one case": f"""query($caseNo: String!) {{ case(caseNo: $caseNo) {{ {CASE_FIELDS}
        power {{ code name processMap {{ {MAP_FIELDS} }} }} department {{ name }}
        steps {{ stepKey staffNo opinion }} cards {{ rule status }} }} }}""",
    "a case with cards": f"""query($cardedCaseNo: String!) {{ case(caseNo: $cardedCaseNo) {{
        caseNo cards {{ {CARD_FIELDS} }} }} }}""",
    "the console's case": f"""query ConsoleCase($cardedCaseNo: String!) {{ case(caseNo: $cardedCaseNo) {{
        caseNo stateLabel channelLabel receivedAt acceptedOn promisedDueOn statutoryDueOn completedOn onTime
        locked handlerStaffNo refusalReason feeChargedYuan currentStepName currentStepKey
        power {{ code name promisedLimitDays }} department {{ code name }}
        steps {{ stepKey staffNo startedAt finishedAt opinion }}
        cards {{ {CARD_FIELDS} caseLocked department {{ code name }} }}
        lockHistory {{ action actor note at }} }} }}""",
    "fragments, aliases and repeats": """
        query($caseNo: String!) { theCase: case(caseNo: $caseNo) { ...Head ... on Case { no: caseNo }
          caseNo power { name } power { code } } }
        fragment Head on Case { stateLabel k: caseNo department { ...Dep } }
        fragment Dep on Department { name shortName }""",
    "a page of powers with maps": f"""query {{ powers(first: 25) {{ pageInfo {{ endCursor hasNextPage }}
        nodes {{ {POWER_FIELDS} department {{ name }} processMap {{ {MAP_FIELDS} }} }} }} }}""",
    "one power with its map": f"""query($code: String!) {{ power(code: $code) {{ {POWER_FIELDS}
        department {{ {DEPARTMENT_FIELDS} }} processMap {{ __typename {MAP_FIELDS} }} }} }}""",
}


def variables_of(county: County, document: str) -> dict[str, Any]:
    found = {"caseNo": county.case_no, "cardedCaseNo": county.carded_case_no, "code": county.code}
    return {k: v for k, v in found.items() if f"${k}" in document}


async def test_officials_documents_answered_by_one_statement_equal_the_executor(
    clients: BothWays, county: County, caplog: pytest.LogCaptureFixture
) -> None:
    for label, document in ANSWERED.items():
        for reader, bearer in county.readers.items():
            one, other, way = await both(clients, caplog, bearer, document, variables_of(county, document))
            assert one == other, (label, reader)
            if "errors" in other:  # another department's case: the executor's refusal
                assert reader == "other department" and way == "executor", (label, other["errors"])
                continue
            assert way == "sql", (label, reader)
            assert all(one["data"].values()), (label, reader)


async def test_the_next_page_follows_the_cursor_as_the_executor_does(
    clients: BothWays, county: County, caplog: pytest.LogCaptureFixture
) -> None:
    query = (
        "query($after: String) { cases(first: 7, after: $after) { pageInfo { endCursor } nodes { caseNo } } }"
    )
    for reader in ("discipline", "own department"):
        first, _, _ = await both(clients, caplog, county.readers[reader], query)
        cursor = first["data"]["cases"]["pageInfo"]["endCursor"]
        one, other, way = await both(clients, caplog, county.readers[reader], query, {"after": cursor})
        assert (one, way) == (other, "sql")
        assert {n["caseNo"] for n in one["data"]["cases"]["nodes"]}.isdisjoint(
            n["caseNo"] for n in first["data"]["cases"]["nodes"]
        )


async def test_a_department_sees_its_own_records_fields_and_not_anothers(
    clients: BothWays,
    county: County,
    caplog: pytest.LogCaptureFixture,
    populated_db: asyncpg.Pool,
    token: Callable[..., str],
) -> None:
    """Owner-only fields switch on the record's department inside the statement: another
    department gets null for a power's internal note where its owner gets the note."""
    noted = await populated_db.fetchrow(
        "SELECT p.code, p.internal_note, d.code AS department FROM powers p"
        " JOIN departments d ON d.id = p.department_id"
        " WHERE p.internal_note IS NOT NULL AND p.status = 'published' ORDER BY p.code LIMIT 1"
    )
    assert noted is not None
    query = "query($code: String!) { power(code: $code) { code internalNote } }"
    owner = token("department", noted["department"], "X-3")
    stranger = county.readers[
        "own department" if noted["department"] != county.department else "other department"
    ]
    for bearer, note in ((owner, noted["internal_note"]), (stranger, None)):
        one, other, way = await both(clients, caplog, bearer, query, {"code": noted["code"]})
        assert (one, way) == (other, "sql")
        assert one["data"]["power"]["internalNote"] == note


async def test_filtered_pages_of_cases_equal_the_executor(
    clients: BothWays, county: County, caplog: pytest.LogCaptureFixture, populated_db: asyncpg.Pool
) -> None:
    """A page of cases by any filter the resolver takes is one statement too, built from the
    resolver's own statement for that filter; a filter the resolver refuses is its refusal."""
    power = await populated_db.fetchval(
        "SELECT p.code FROM cases c JOIN powers p ON p.id = c.power_id"
        " JOIN departments d ON d.id = c.department_id WHERE d.code = $1 ORDER BY c.id LIMIT 1",
        county.department,
    )
    query = """query($f: CaseFilter) { cases(first: 40, filter: $f) {
        pageInfo { hasNextPage endCursor } nodes { caseNo state completedOn promisedDueOn department { code }
        power { code } cards { color status } } } }"""
    answered = [
        {"departmentCode": county.department},
        {"overdue": True},
        {"state": "ACCEPTED"},
        {"powerCode": power},
        {"openCardColor": "red"},
        {"departmentCode": county.department, "overdue": False, "openCardColor": "yellow"},
    ]
    for f in answered:
        for reader in ("discipline", "own department"):
            one, other, way = await both(clients, caplog, county.readers[reader], query, {"f": f})
            assert (one, way) == (other, "sql"), (f, reader)
    refused = [
        ("other department", {"departmentCode": county.department}, "DEPARTMENT_NOT_FOUND"),
        ("discipline", {"departmentCode": "NO-SUCH-DEPT"}, "DEPARTMENT_NOT_FOUND"),
        ("discipline", {"powerCode": "000000-XK-99999"}, "NOT_FOUND"),
        ("discipline", {"openCardColor": "green"}, "INVALID_FIELD"),
    ]
    for reader, f, code in refused:
        one, other, way = await both(clients, caplog, county.readers[reader], query, {"f": f})
        assert (one, way) == (other, "executor"), (f, reader)
        assert one["errors"][0]["extensions"]["code"] == code


OVERDUE = """query($f: OverdueCaseFilter, $d: String, $after: String) {
    overdueCases(filter: $f, departmentCode: $d, first: 10, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { caseNo stateLabel acceptedOn
      promisedDueOn handlerStaffNo locked onTime power { name } department { name } } } } }"""


async def test_overdue_lists_equal_the_executor(
    clients: BothWays, county: County, caplog: pytest.LogCaptureFixture, populated_db: asyncpg.Pool
) -> None:
    """The console's overdue list, with its total, by every filter and page, is one statement and
    a count, each the resolver's own; what the resolver refuses is its refusal."""
    township = await populated_db.fetchval(
        "SELECT left(region_code, 9) FROM cases WHERE completed_at IS NULL AND promised_due_on < current_date"
        " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    answered: list[tuple[str, dict[str, Any]]] = [
        ("discipline", {}),
        ("discipline", {"f": {"departmentCode": county.department}}),
        ("discipline", {"f": {"townshipCode": township}}),
        ("discipline", {"d": county.department}),
        ("own department", {}),
        ("own department", {"f": {"departmentCode": county.department, "townshipCode": township}}),
    ]
    totals = []
    for reader, variables in answered:
        one, other, way = await both(clients, caplog, county.readers[reader], OVERDUE, variables)
        assert (one, way) == (other, "sql"), (reader, variables)
        totals.append(one["data"]["overdueCases"]["totalCount"])
        cursor = one["data"]["overdueCases"]["pageInfo"]["endCursor"]
        if cursor is not None:
            nxt, nxt_other, way = await both(
                clients, caplog, county.readers[reader], OVERDUE, {**variables, "after": cursor}
            )
            assert (nxt, way) == (nxt_other, "sql"), (reader, variables, "next page")
    assert totals[0] > 10  # the county-wide list has a next page
    refused: list[tuple[str, dict[str, Any], str]] = [
        ("other department", {"f": {"departmentCode": county.department}}, "DEPARTMENT_NOT_FOUND"),
        ("discipline", {"f": {"townshipCode": "510799999"}}, "REGION_NOT_FOUND"),
        ("discipline", {"after": "bm9wZQ"}, "INVALID_CURSOR"),
    ]
    for reader, variables, code in refused:
        one, other, way = await both(clients, caplog, county.readers[reader], OVERDUE, variables)
        assert (one, way) == (other, "executor"), (reader, variables)
        assert one["errors"][0]["extensions"]["code"] == code


# Documents left to the executor: what they ask is not something one statement may answer.
ONE_CASE = "query($caseNo: String!) { case(caseNo: $caseNo) { %s } }"
ONE_POWER = "query($code: String!) { power(code: $code) { %s } }"
LEFT = {
    "personal data (masked or audited)": ONE_CASE % "caseNo applicantName",
    "a directive": ONE_CASE % "caseNo @include(if: true)",
    "a filter on powers": "{ powers(first: 5, filter: { category: LICENSING }) { nodes { code } } }",
    "a count": "{ powers(first: 5) { totalCount nodes { code } } }",
    "a field with a resolver of its own": ONE_POWER % "materials { name }",
    "two roots": "query($code: String!) { power(code: $code) { code } powers(first: 1) { nodes { code } } }",
}


async def test_what_one_statement_does_not_answer_is_the_executors(
    clients: BothWays, county: County, caplog: pytest.LogCaptureFixture
) -> None:
    for label, document in LEFT.items():
        one, other, way = await both(
            clients, caplog, county.readers["discipline"], document, variables_of(county, document)
        )
        assert one == other, label
        assert way == "executor", label


async def test_a_township_is_answered_by_the_executor(
    clients: BothWays,
    county: County,
    caplog: pytest.LogCaptureFixture,
    token: Callable[..., str],
    populated_db: asyncpg.Pool,
) -> None:
    township = await populated_db.fetchval(
        "SELECT code FROM regions WHERE length(code) = 9 ORDER BY code LIMIT 1"
    )
    one, other, way = await both(
        clients,
        caplog,
        token("township", region=township, staff="T-1"),
        "{ powers(first: 3) { nodes { code } } }",
    )
    assert (one, way) == (other, "executor")


async def test_refusals_are_the_executors_own(
    clients: BothWays, county: County, caplog: pytest.LogCaptureFixture
) -> None:
    refusals = {
        "CASE_NOT_FOUND": ('query { case(caseNo: "NO-SUCH-CASE") { caseNo } }', {}),
        "INVALID_CURSOR": (
            "query($a: String) { cases(first: 3, after: $a) { nodes { caseNo } } }",
            {"a": "nonsense"},
        ),
        "INVALID_PAGE_SIZE": ("{ powers(first: 0) { nodes { code } } }", {}),
        "INVALID_POWER_CODE": ('{ power(code: "bad code") { code } }', {}),
        "NOT_FOUND": ('{ power(code: "000000-XK-99999") { code } }', {}),
    }
    for code, (query, variables) in refusals.items():
        one, other, way = await both(clients, caplog, county.readers["discipline"], query, variables)
        assert one == other, code
        assert one["errors"][0]["extensions"]["code"] == code
        assert way == "executor", code
    # Another department's case is not found, as the executor says it.
    one, other, way = await both(
        clients,
        caplog,
        county.readers["other department"],
        "query($c: String!) { case(caseNo: $c) { caseNo } }",
        {"c": county.case_no},
    )
    assert (one, way) == (other, "executor")
    assert one["errors"][0]["extensions"]["code"] == "CASE_NOT_FOUND"


# Generated selections: any subset of the fields the statement knows, in any order, under aliases.
LEAVES = {
    "Case": CASE_FIELDS.split(),
    "Power": POWER_FIELDS.split(" fee ")[0].split(),
    "Department": DEPARTMENT_FIELDS.split(),
    "Step": ["stepKey", "staffNo", "startedAt", "finishedAt", "finishedBy", "opinion"],
    "Card": [*CARD_FIELDS.split(), "caseLocked"],
    "Lock": ["action", "actor", "note", "at"],
}


def selection(type_name: str, depth: int) -> st.SearchStrategy[str]:
    leaves = st.lists(st.sampled_from(LEAVES[type_name]), min_size=1, max_size=8)
    aliased = st.tuples(leaves, st.booleans()).map(
        lambda pair: " ".join(f"{f}_{i}: {f}" if pair[1] and i % 2 else f for i, f in enumerate(pair[0]))
    )
    nested: dict[str, list[tuple[str, str]]] = {
        "Case": [
            ("power", "Power"),
            ("department", "Department"),
            ("steps", "Step"),
            ("cards", "Card"),
            ("lockHistory", "Lock"),
        ],
        "Card": [("department", "Department")],
        "Power": [("department", "Department")],
    }
    children = nested.get(type_name, [])
    if depth == 0 or not children:
        return aliased
    child = st.sampled_from(children).flatmap(
        lambda pair: selection(pair[1], depth - 1).map(lambda inner: f"{pair[0]} {{ {inner} }}")
    )
    return st.tuples(aliased, st.lists(child, max_size=3)).map(lambda parts: " ".join([parts[0], *parts[1]]))


# What a document too big for the limits is refused with (schema/refusals.py, cost.py, validation.py).
LIMIT_REFUSALS = {
    "TOO_MANY_ALIASES",
    "QUERY_TOO_COMPLEX",
    "QUERY_TOO_COSTLY",
    "QUERY_TOO_DEEP",
    "QUERY_TOO_LARGE",
}


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    cases=selection("Case", 2),
    powers=selection("Power", 1),
    reader=st.sampled_from(["discipline", "own department", "other department"]),
)
async def test_generated_selections_equal_the_executor(
    clients: BothWays, county: County, caplog: pytest.LogCaptureFixture, cases: str, powers: str, reader: str
) -> None:
    for query in (
        f"{{ cases(first: 8) {{ nodes {{ {cases} }} }} }}",
        f"{{ powers(first: 8) {{ edges {{ cursor node {{ {powers} }} }} }} }}",
    ):
        one, other, way = await both(clients, caplog, county.readers[reader], query)
        assert one == other, query
        # A document past the limits (aliases, cost) is refused before anything runs, both ways.
        refused = {e["extensions"]["code"] for e in other.get("errors", ())} <= LIMIT_REFUSALS
        assert way == "sql" or ("data" not in other and refused), query


def changed(node: Any, **changes: Any) -> Any:
    """A copy of the (frozen) AST ``node`` with ``changes``."""
    return type(node)(**{key: changes.get(key, getattr(node, key)) for key in node.keys})


def compiled_part() -> str:
    """The schema's SDL cut down to what one statement answers: the four roots (powers without
    its filter), the fields schema/sql_answers.py knows, the connections' own fields and the map's
    plain ones."""
    kept = {name: set(shape.fields) for name, shape in sql_answers._shapes().items()}
    kept |= {
        "Query": {"case", "cases", "overdueCases", "power", "powers"},
        "CaseConnection": {"nodes", "edges", "pageInfo"},
        "OverdueCaseConnection": {"nodes", "edges", "pageInfo", "totalCount"},
        "PowerConnection": {"nodes", "edges", "pageInfo"},
        "CaseEdge": {"cursor", "node"},
        "PowerEdge": {"cursor", "node"},
        "PageInfo": {"hasNextPage", "endCursor"},
        "ProcessMap": {"start", "nodes", "edges", "branches"},
        "ProcessStep": {"key", "name", "post", "limitDays", "countsTowardLimit", "checks", "layer", "lane"},
        "ProcessEdge": {"source", "target", "condition"},
        "ParallelBranch": {"fork", "join", "steps"},
    }
    document = parse(print_schema(SCHEMA._schema))
    definitions: list[Any] = []
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode):
            if definition.name.value not in kept:
                continue
            fields = [
                changed(f, arguments=tuple(a for a in f.arguments or () if a.name.value != "filter"))
                if f.name.value == "powers"
                else f
                for f in definition.fields or ()
                if f.name.value in kept[definition.name.value]
            ]
            definition = changed(definition, fields=tuple(fields))
        elif isinstance(definition, SchemaDefinitionNode):
            queries = tuple(t for t in definition.operation_types if t.operation.value == "query")
            definition = changed(definition, operation_types=queries)
        definitions.append(definition)
    document = changed(document, definitions=tuple(definitions))
    return print_ast(document)


def one_root(document: DocumentNode, county: County, *, finding: bool) -> DocumentNode:
    """``document`` with its first root field only (with two, which of their refusals is
    reported depends on which finishes first, either way), and with ``finding`` its arguments
    replaced by ones that find something."""
    good: dict[str, dict[str, ValueNode]] = {
        "case": {"caseNo": StringValueNode(value=county.case_no)},
        "power": {"code": StringValueNode(value=county.code)},
        "cases": {"first": IntValueNode(value="5")},
        "overdueCases": {"first": IntValueNode(value="5")},
        "powers": {"first": IntValueNode(value="5")},
    }
    operations = []
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            roots = [
                changed(
                    root,
                    arguments=tuple(
                        ArgumentNode(name=NameNode(value=name), value=value)
                        for name, value in good[root.name.value].items()
                    ),
                )
                if finding and isinstance(root, FieldNode) and root.name.value in good
                else root
                for root in operation.selection_set.selections[:1]
            ]
            selection_set = changed(operation.selection_set, selections=tuple(roots))
            operation = changed(operation, selection_set=selection_set, variable_definitions=())
        operations.append(operation)
    return changed(document, definitions=tuple(operations))  # type: ignore[no-any-return]


ways: dict[str, int] = {}


@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    query=from_schema(compiled_part(), custom_scalars=SCALARS),
    reader=st.sampled_from(["discipline", "own department"]),
    found=st.booleans(),
)
async def test_generated_documents_on_the_compiled_roots_equal_the_executor(
    clients: BothWays, county: County, caplog: pytest.LogCaptureFixture, query: Any, reader: str, found: bool
) -> None:
    """Whatever hypothesis-graphql writes with what one statement answers (any field, argument
    value, alias or fragment) on one root, both ways answer the same, and nothing breaks. Half the
    documents have the root's arguments replaced by ones that find something (the county's case
    and power, a page of five), or nearly all would be refusals."""
    text = print_ast(one_root(parse(str(query)), county, finding=found))
    one, other, way = await both(clients, caplog, county.readers[reader], text)
    ways[way] = ways.get(way, 0) + 1
    assert one == other, text
    codes = {e["extensions"]["code"] for e in one.get("errors", ())}
    assert "INTERNAL_ERROR" not in codes, text


def test_the_generated_documents_went_both_ways() -> None:
    """The test above is worth something only if one statement answered many of its documents
    (and the executor some: refusals)."""
    assert ways.get("sql", 0) >= 10, ways
