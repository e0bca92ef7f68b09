"""Compiled public documents (schema/compiled.py) answer exactly what the executor answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLScalarType, get_named_type, is_non_null_type

from api.public_queries import PublicQueries
from demo import demo_query_code
from schema.compiled import COMPILED
from tests.conftest import ACCESS_REASON, TEST_SEED, BothWays
from tests.test_visibility_matrix import SCHEMA

DOCUMENTS = PublicQueries.load()


async def answers(clients: BothWays, document: str, variables: dict[str, Any]) -> tuple[Any, Any]:
    doc = DOCUMENTS.by_name(document)
    assert doc is not None
    compiled, general = clients
    body = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": doc.sha256}},
        "variables": variables,
    }
    return (await compiled.post("/graphql", json=body)).json(), (
        await general.post("/graphql", json=body)
    ).json()


def test_every_compiled_answer_is_pinned_to_its_document_as_it_is() -> None:
    """A changed document needs its compiled answer brought up to date (and this pin with it)."""
    for sha256, compiled in COMPILED.items():
        doc = DOCUMENTS.by_name(compiled.document)
        assert doc is not None and doc.sha256 == sha256, compiled.document


async def test_compiled_case_status_equals_the_executor_for_every_case(
    clients: BothWays, populated_db: asyncpg.Pool
) -> None:
    cases = [r["case_no"] for r in await populated_db.fetch("SELECT case_no FROM cases ORDER BY id")]
    states = {r["state"] for r in await populated_db.fetch("SELECT DISTINCT state FROM cases")}
    leads = await populated_db.fetchval("SELECT count(DISTINCT lead_case_id) FROM cases")
    assert len(states) >= 6 and leads > 0  # open, paused, completed, refused … and parallel approval
    for case_no in cases:
        variables = {"caseNo": case_no, "queryCode": demo_query_code(TEST_SEED, case_no)}
        compiled, general = await answers(clients, "case_status", variables)
        assert "errors" not in general, general
        assert compiled == general, case_no


async def test_compiled_and_executor_both_write_the_receipt_time_in_china_time(
    clients: BothWays, populated_db: asyncpg.Pool
) -> None:
    case_no = await populated_db.fetchval("SELECT case_no FROM cases ORDER BY id LIMIT 1")
    variables = {"caseNo": case_no, "queryCode": demo_query_code(TEST_SEED, case_no)}
    compiled, general = await answers(clients, "case_status", variables)
    received = compiled["data"]["caseProgress"]["receivedAt"]
    assert received.endswith("+08:00")
    assert received == general["data"]["caseProgress"]["receivedAt"]
    stored = await populated_db.fetchval("SELECT received_at FROM cases WHERE case_no = $1", case_no)
    assert datetime.fromisoformat(received) == stored


async def test_compiled_case_status_reads_input_as_the_executor_does(
    clients: BothWays, populated_db: asyncpg.Pool
) -> None:
    case_no = await populated_db.fetchval("SELECT case_no FROM cases ORDER BY id LIMIT 1")
    code = demo_query_code(TEST_SEED, case_no)
    padded, _ = await answers(clients, "case_status", {"caseNo": f"  {case_no} ", "queryCode": f" {code} "})
    assert padded["data"]["caseProgress"]["caseNo"] == case_no
    wrong, wrong_general = await answers(clients, "case_status", {"caseNo": case_no, "queryCode": "000000"})
    unknown, _ = await answers(clients, "case_status", {"caseNo": "NOSUCHCASE0001", "queryCode": code})
    assert wrong == wrong_general
    assert (
        wrong["errors"][0]["extensions"]["code"]
        == unknown["errors"][0]["extensions"]["code"]
        == "CASE_NOT_FOUND"
    )
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]
    missing, missing_general = await answers(clients, "case_status", {"caseNo": case_no})
    assert missing == missing_general
    assert missing["errors"][0]["extensions"]["code"] == "BAD_VARIABLES"
    assert "$queryCode" in missing["errors"][0]["message"]


async def test_a_wrong_receipt_code_is_refused_by_the_compiled_path_in_one_statement(
    clients: BothWays, populated_db: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    case_no = await populated_db.fetchval("SELECT case_no FROM cases ORDER BY id LIMIT 1")
    doc = DOCUMENTS.by_name("case_status")
    assert doc is not None
    compiled, _ = clients
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sunshine.access"):
        response = await compiled.post(
            "/graphql",
            json={"query": doc.text, "variables": {"caseNo": case_no, "queryCode": "000000"}},
        )
    assert response.json()["errors"][0]["extensions"]["code"] == "CASE_NOT_FOUND"
    [line] = [r for r in caplog.records if r.name == "sunshine.access"]
    assert line.__dict__["sql_statements"] == 1


def full_selection(type_name: str, depth: int = 2) -> str:
    """Every field of ``type_name`` that takes no arguments, objects ``depth`` levels down."""
    parts = []
    object_type = SCHEMA._schema.type_map[type_name]
    assert isinstance(object_type, GraphQLObjectType)
    for name, definition in object_type.fields.items():
        if definition.args and any(is_non_null_type(a.type) for a in definition.args.values()):
            continue
        named = get_named_type(definition.type)
        if isinstance(named, GraphQLObjectType):
            if depth > 0:
                parts.append(f"{name} {{ {full_selection(named.name, depth - 1)} }}")
        elif isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
    return " ".join(parts)


OFFICIALS_DOCUMENTS = {
    "a page of powers": f"query {{ powers(first: 30) {{ nodes {{ {full_selection('Power')} }} }} }}",
    "a page of cases": f"query {{ cases(first: 12) {{ nodes {{ {full_selection('Case', 1)} }} }} }}",
    "a page of cards": f"query {{ cards(first: 12) {{ nodes {{ {full_selection('Card', 1)} }} }} }}",
    "the departments": f"query {{ departments {{ {full_selection('Department', 1)} }} }}",
    "one case": f"query($caseNo: String!) {{ case(caseNo: $caseNo) {{ {full_selection('Case', 1)} }} }}",
    "one power": f"query($code: String!) {{ power(code: $code) {{ {full_selection('Power')} }} }}",
}


async def test_officials_answers_equal_the_ordinary_executor(
    clients: BothWays, token: Callable[..., str], populated_db: asyncpg.Pool
) -> None:
    """The fast paths of officials' documents (plain leaves, relations fetched up front for a
    list) answer exactly what graphql-core's ordinary execution answers, to every official."""
    department = await populated_db.fetchval(
        "SELECT d.code FROM departments d JOIN cases c ON c.department_id = d.id"
        " GROUP BY d.code ORDER BY count(*) DESC LIMIT 1"
    )
    readers = {
        "discipline": token("discipline", staff="JW-9"),
        "department": token("department", department, "X-9"),
    }
    found = await populated_db.fetchrow(
        "SELECT c.case_no, p.code FROM cases c JOIN departments d ON d.id = c.department_id"
        " JOIN powers p ON p.id = c.power_id WHERE d.code = $1 ORDER BY c.id LIMIT 1",
        department,
    )
    assert found is not None
    variables = {"caseNo": found["case_no"], "code": found["code"]}
    fast, general = clients
    for label, document in OFFICIALS_DOCUMENTS.items():
        body = {"query": document, "variables": {k: v for k, v in variables.items() if f"${k}" in document}}
        for reader, bearer in readers.items():
            headers = {"Authorization": f"Bearer {bearer}", **ACCESS_REASON}
            one = (await fast.post("/graphql", json=body, headers=headers)).json()
            other = (await general.post("/graphql", json=body, headers=headers)).json()
            assert "errors" not in other, (label, reader, other["errors"][:2])
            assert one == other, (label, reader)
            assert any(one["data"].values()), (label, reader)
