"""Bad input gets a coded JSON error, never a 5xx: mutations over GET, an operation name the
document does not hold, NUL bytes and other text no column can store."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx
import pytest
from graphql import parse, specified_rules, validate

from api.public_queries import PublicQueries
from api.settings import Settings
from schema import build_schema
from schema.validation import MAX_MERGE_WORK, merge_work

DOCUMENTS = PublicQueries.load()


def code_of(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


async def test_a_mutation_over_get_is_405(client: httpx.AsyncClient) -> None:
    submit = DOCUMENTS.by_name("complaint_submit")
    assert submit is not None
    by_path = await client.get(
        "/public/RateCase", params={"caseNo": "X", "queryCode": "1", "level": "SATISFIED"}
    )
    by_id = await client.get("/graphql", params={"id": submit.sha256})
    for response in (by_path, by_id):
        assert response.status_code == 405, response.text
        assert code_of(response) == "METHOD_NOT_ALLOWED"
        assert response.headers["allow"] == "POST"


async def test_an_operation_name_the_document_lacks_is_400(client: httpx.AsyncClient) -> None:
    regions = DOCUMENTS.by_name("regions")
    assert regions is not None
    response = await client.post("/graphql", json={"query": regions.text, "operationName": "Nope"})
    assert response.status_code == 400
    assert code_of(response) == "OPERATION_NOT_FOUND"


async def test_nul_bytes_in_variables_are_refused_before_sql(client: httpx.AsyncClient) -> None:
    status = DOCUMENTS.by_name("case_status")
    assert status is not None
    response = await client.post(
        "/graphql", json={"query": status.text, "variables": {"caseNo": "2026\x00", "queryCode": "1"}}
    )
    assert response.status_code == 400
    assert code_of(response) == "BAD_VARIABLES"
    assert "$caseNo" in response.json()["errors"][0]["message"]
    by_get = await client.get("/public/CaseStatus", params={"caseNo": "a\x00", "queryCode": "1"})
    assert by_get.status_code == 400 and code_of(by_get) == "BAD_VARIABLES"


async def test_nul_bytes_in_a_documents_own_text_are_refused(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": '{ power(code: "510799-XK-0000\\u0000") { name } }'},
        headers={"Authorization": f"Bearer {token('discipline')}"},
    )
    assert response.status_code == 400  # refused before it ran: a bad document
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "空字符" in error["message"]


async def test_overlong_text_is_refused(client: httpx.AsyncClient) -> None:
    status = DOCUMENTS.by_name("case_status")
    assert status is not None
    response = await client.post(
        "/graphql", json={"query": status.text, "variables": {"caseNo": "1" * 20_000, "queryCode": "1"}}
    )
    assert response.status_code == 400 and code_of(response) == "BAD_VARIABLES"


async def test_a_refusal_is_one_info_line_without_a_traceback(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    status = DOCUMENTS.by_name("case_status")
    assert status is not None
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await client.post(
            "/graphql", json={"query": status.text, "variables": {"caseNo": "NOSUCH0001", "queryCode": "1"}}
        )
        await client.get("/public/NoSuchOperation")
    refusals = [r for r in caplog.records if r.getMessage() == "refused"]
    assert [r.__dict__["code"] for r in refusals] == ["CASE_NOT_FOUND", "UNKNOWN_OPERATION"]
    assert all(r.levelno == logging.INFO and r.exc_info is None for r in refusals)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(
    ("operation", "variables", "code"),
    [
        ("SubsidyAggregates", {"year": 40000}, "INVALID_YEAR"),
        ("SubsidyAggregates", {"year": 32768}, "INVALID_YEAR"),
        (
            "SubsidyAggregates",
            {"year": 2026, "townshipCode": "510799", "byVillage": True},
            "REGION_NOT_FOUND",
        ),
        ("SubsidyAggregates", {"year": 2026, "townshipCode": "", "byVillage": True}, "REGION_NOT_FOUND"),
        (
            "NoticeList",
            {"villageCode": "510799001", "fundCode": "DIBAO", "period": "2026-06-01"},
            "REGION_NOT_FOUND",
        ),
    ],
    ids=["year-40000", "year-smallint", "county-as-township", "empty-township", "township-as-village"],
)
async def test_years_and_region_levels_are_checked_where_they_enter(
    client: httpx.AsyncClient, operation: str, variables: dict[str, object], code: str
) -> None:
    document = DOCUMENTS.by_operation(operation)
    assert document is not None
    response = await client.post("/graphql", json={"query": document.text, "variables": variables})
    body = response.json()
    assert response.status_code == 200
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body


async def test_a_document_too_slow_to_validate_is_refused_without_stalling_the_server(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    repeated = "{ " + " ".join(["powers(first: 1) { nodes { code name } }"] * 150) + " }"
    bearer = {"Authorization": f"Bearer {token('discipline')}"}
    response = await client.post("/graphql", json={"query": repeated}, headers=bearer)
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    # The estimate that refuses it costs a small fraction of the validation it spares the event
    # loop (~0.3 s here); both measured in this process, under the same load.
    document, schema = parse(repeated), build_schema(Settings().document_limits)._schema
    started = time.perf_counter()
    assert merge_work(document) > MAX_MERGE_WORK
    estimate = time.perf_counter() - started
    started = time.perf_counter()
    validate(schema, document, specified_rules)
    assert estimate * 10 < time.perf_counter() - started
    fine = "{ " + " ".join(["powers(first: 1) { nodes { code name } }"] * 3) + " }"
    assert "errors" not in (await client.post("/graphql", json={"query": fine}, headers=bearer)).json()
