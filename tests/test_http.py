"""The HTTP surface: health, readiness, metrics, request ids, limits, error masking, the public
allow-list and UTF-8 JSON."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import asyncpg
import httpx
import orjson
import pytest

from api.app import create_app
from api.observability import JSONFormatter
from api.settings import Settings
from tests.conftest import running

PUBLIC = Path(__file__).resolve().parent.parent / "public_queries"
REGIONS = (PUBLIC / "regions.graphql").read_text(encoding="utf-8")


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_not_ready_when_the_database_is_behind_the_code(settings: Settings, fresh_db: str) -> None:
    conn = await asyncpg.connect(fresh_db)
    await conn.execute("UPDATE alembic_version SET version_num = 'older'")
    await conn.close()
    async with running(create_app(settings, database_url=fresh_db)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert "sunshine migrate" in response.json()["reason"]


async def test_metrics_count_requests_and_pool(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    text = (await client.get("/metrics")).text
    assert 'sunshine_http_requests_total{route="/healthz",status="200"}' in text
    assert "sunshine_db_pool_max_connections" in text
    assert "sunshine_graphql_operation_seconds" in text


async def test_metrics_label_only_known_operations(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    bearer = {"Authorization": f"Bearer {token('discipline')}"}
    for i in range(3):
        await client.post(
            "/graphql", json={"query": f"query Made{i}Up {{ viewer {{ role }} }}"}, headers=bearer
        )
    await client.post("/graphql", json={"query": REGIONS})
    text = (await client.get("/metrics")).text
    assert 'operation="Regions"' in text
    assert 'operation="other"' in text
    assert "Made0Up" not in text


async def test_metrics_can_ask_for_a_token(settings: Settings, shared_db: str) -> None:
    guarded = replace(settings, metrics_token="s3cret-scrape")
    async with running(create_app(guarded, database_url=shared_db)) as client:
        refused = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
        allowed = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert refused.status_code == wrong.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert allowed.status_code == 200 and "sunshine_http_requests_total" in allowed.text


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz", headers={"X-Request-ID": "abc-123"})).headers[
        "x-request-id"
    ] == "abc-123"
    assert len((await client.get("/healthz")).headers["x-request-id"]) == 32


async def test_access_log_is_one_json_line_with_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="sunshine.access"):
        await client.post("/graphql", json={"query": REGIONS}, headers={"X-Request-ID": "req-42"})
    [record] = [r for r in caplog.records if r.name == "sunshine.access"]
    line = orjson.loads(JSONFormatter().format(record))
    assert line["request_id"] == "req-42"
    assert line["operation"] == "Regions"  # sent without an operationName: the document's own
    assert line["status"] == 200 and line["role"] == "public"


async def test_anonymous_may_run_a_vetted_document_by_text_or_id(client: httpx.AsyncClient) -> None:
    by_text = await client.post("/graphql", json={"query": REGIONS, "variables": {"level": "TOWNSHIP"}})
    assert by_text.status_code == 200 and by_text.json()["data"]["regions"]
    sha = hashlib.sha256(REGIONS.encode()).hexdigest()
    by_apollo_id = await client.post(
        "/graphql",
        json={
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}},
            "variables": {"level": "TOWNSHIP"},
        },
    )
    assert by_apollo_id.json() == by_text.json()
    by_plain_id = await client.post("/graphql", json={"id": sha, "variables": {"level": "TOWNSHIP"}})
    assert by_plain_id.json() == by_text.json()


async def test_anonymous_other_documents_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_NOT_ALLOWED"
    unknown = await client.post("/graphql", json={"id": "0" * 64})
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_depth_alias_and_size_limits(client: httpx.AsyncClient, token: Callable[..., str]) -> None:
    headers = {"Authorization": f"Bearer {token('discipline')}"}
    deep = "{ regions { " + "parent { " * 12 + "name" + " }" * 12 + " } }"
    body = (await client.post("/graphql", json={"query": deep}, headers=headers)).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
    aliases = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(30)) + " }"
    body = (await client.post("/graphql", json={"query": aliases}, headers=headers)).json()
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
    huge = "{ " + " ".join("viewer { role }" for _ in range(2000)) + " }"
    body = (await client.post("/graphql", json={"query": huge}, headers=headers)).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"
    too_big = await client.post(
        "/graphql",
        content=b'{"query": "' + b" " * 300_000 + b'"}',
        headers={**headers, "content-type": "application/json"},
    )
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"


async def test_malformed_requests_get_codes(client: httpx.AsyncClient, token: Callable[..., str]) -> None:
    headers = {"Authorization": f"Bearer {token('discipline')}", "content-type": "application/json"}
    assert (await client.post("/graphql", content=b"{nope", headers=headers)).json()["errors"][0][
        "extensions"
    ]["code"] == "BAD_JSON"
    syntax = (await client.post("/graphql", json={"query": "{ regions {"}, headers=headers)).json()
    assert syntax["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    unknown_field = (await client.post("/graphql", json={"query": "{ nope }"}, headers=headers)).json()
    assert unknown_field["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_internal_errors_are_masked_and_logged(
    settings: Settings, fresh_db: str, token: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    conn = await asyncpg.connect(fresh_db)
    await conn.execute("DROP TABLE service_windows")  # a bug's stand-in: SQL that cannot run
    dept = await conn.fetchval("SELECT code FROM departments ORDER BY id LIMIT 1")
    await conn.close()
    query = "query($d: String!) { department(code: $d) { name windows { name } } }"
    async with running(create_app(settings, database_url=fresh_db)) as client:
        with caplog.at_level(logging.ERROR, logger="sunshine.errors"):
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": {"d": dept}},
                headers={"Authorization": f"Bearer {token('discipline')}", "X-Request-ID": "boom-1"},
            )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert "boom-1" in error["message"]
    assert "service_windows" not in response.text and "Traceback" not in response.text
    assert any("service_windows" in (r.exc_text or "") or r.exc_info for r in caplog.records)


async def test_json_is_utf8_without_escapes(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": REGIONS, "variables": {"level": "COUNTY"}})
    assert "\\u" not in response.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.content.decode("utf-8"))


async def test_costly_queries_are_refused_before_running(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {token('discipline')}"}
    # 100 powers x 100 of each department's powers x their maps: shallow, but far too much
    costly = (
        "{ powers(first: 100) { nodes { department { powers(first: 100)"
        " { nodes { processMap { nodes { key } } } } } } } }"
    )
    body = (await client.post("/graphql", json={"query": costly}, headers=headers)).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert "data" not in body
    # fragments count too
    hidden = (
        "{ powers(first: 100) { nodes { ...deep } } }"
        " fragment deep on Power { department { powers(first: 100)"
        " { nodes { processMap { nodes { key } } } } } }"
    )
    body = (await client.post("/graphql", json={"query": hidden}, headers=headers)).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
