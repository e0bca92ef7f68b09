"""One HTTP status convention on every route (README, "HTTP 状态码 / status codes"), and no error
is ever kept by a cache: ``no-store``, no ETag, no Last-Modified."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.public_queries import PublicQueries
from api.settings import Settings
from tests.conftest import running

DOCUMENTS = PublicQueries.load()


def text(name: str) -> str:
    document = DOCUMENTS.by_name(name)
    assert document is not None
    return document.text


def sha(name: str) -> str:
    document = DOCUMENTS.by_name(name)
    assert document is not None
    return document.sha256


# (what, method, path, request keywords, status, code of the first error or None for none)
Row = tuple[str, str, str, dict[str, Any], int, str | None]
OFFICIAL = "official"  # a stand-in in the headers, replaced by a discipline token
ROWS: list[Row] = [
    ("answer", "POST", "/graphql", {"json": {"query": text("regions")}}, 200, None),
    (
        "field error beside data",
        "POST",
        "/graphql",
        {"json": {"query": text("power_detail"), "variables": {"code": "510799-XK-99999"}}},
        200,
        "NOT_FOUND",
    ),
    (
        "bad variables",
        "POST",
        "/graphql",
        {"json": {"query": text("regions"), "variables": {"level": "PLANET"}}},
        400,
        "BAD_VARIABLES",
    ),
    (
        "syntax",
        "POST",
        "/graphql",
        {"json": {"query": "{ regions "}, "headers": {"authorization": OFFICIAL}},
        400,
        "GRAPHQL_PARSE_FAILED",
    ),
    (
        "document",
        "POST",
        "/graphql",
        {"json": {"query": "{ regions { colour } }"}, "headers": {"authorization": OFFICIAL}},
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "bad JSON",
        "POST",
        "/graphql",
        {"content": b"{", "headers": {"content-type": "application/json"}},
        400,
        "BAD_JSON",
    ),
    (
        "bad token",
        "POST",
        "/graphql",
        {"json": {"query": "{ regions { code } }"}, "headers": {"authorization": "Bearer not.a.token"}},
        401,
        "TOKEN_INVALID",
    ),
    ("not vetted", "POST", "/graphql", {"json": {"query": "{ regions { code } }"}}, 403, "QUERY_NOT_ALLOWED"),
    (
        "mutation over GET",
        "GET",
        "/graphql",
        {"params": {"id": sha("complaint_submit")}},
        405,
        "METHOD_NOT_ALLOWED",
    ),
    (
        "too large",
        "POST",
        "/graphql",
        {"content": b'{"query": "' + b" " * 300_000 + b'"}', "headers": {"content-type": "application/json"}},
        413,
        "BODY_TOO_LARGE",
    ),
    (
        "not JSON media",
        "POST",
        "/graphql",
        {"content": b"{}", "headers": {"content-type": "text/plain"}},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    ("GET answer", "GET", "/graphql", {"params": {"id": sha("regions")}}, 200, None),
    (
        "GET bad variables",
        "GET",
        "/graphql",
        {"params": {"id": sha("regions"), "variables": "{"}},
        400,
        "BAD_REQUEST",
    ),
    ("public answer", "GET", "/public/Regions", {}, 200, None),
    (
        "public field error",
        "GET",
        "/public/PowerDetail",
        {"params": {"code": "510799-XK-99999"}},
        200,
        "NOT_FOUND",
    ),
    ("public bad variable", "GET", "/public/Regions", {"params": {"level": "PLANET"}}, 400, "BAD_VARIABLES"),
    ("public unknown", "GET", "/public/Everything", {}, 404, "UNKNOWN_OPERATION"),
    ("public mutation", "GET", "/public/RateCase", {}, 405, "METHOD_NOT_ALLOWED"),
    ("map unknown", "GET", "/maps/510799-XK-99999.svg", {}, 404, "NOT_FOUND"),
    ("map bad code", "GET", "/maps/abc.svg", {}, 400, "INVALID_POWER_CODE"),
    ("open data", "GET", "/open-data/powers.jsonl", {}, 200, None),
    ("open data unknown", "GET", "/open-data/everything.csv", {}, 404, "UNKNOWN_DATASET"),
    (
        "open data bad year",
        "GET",
        "/open-data/fund-aggregates.csv",
        {"params": {"year": "abc"}},
        400,
        "INVALID_FIELD",
    ),
    ("ready", "GET", "/readyz", {}, 200, None),
    ("no route", "GET", "/nowhere", {}, 404, "NOT_FOUND"),
    ("no method", "DELETE", "/graphql", {}, 405, "METHOD_NOT_ALLOWED"),
]


def assert_convention(response: httpx.Response, status: int, code: str | None) -> None:
    assert response.status_code == status, response.text[:300]
    if code is not None:
        assert response.json()["errors"][0]["extensions"]["code"] == code, response.text[:300]
    if status >= 400 or code is not None:
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers and "last-modified" not in response.headers


@pytest.mark.parametrize(
    ("what", "method", "path", "request_", "status", "code"), ROWS, ids=[row[0] for row in ROWS]
)
async def test_every_route_answers_by_the_one_convention(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    what: str,
    method: str,
    path: str,
    request_: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    headers = dict(request_.get("headers", {}))
    if headers.get("authorization") == OFFICIAL:
        headers["authorization"] = f"Bearer {token('discipline')}"
    response = await client.request(method, path, **{**request_, "headers": headers})
    assert_convention(response, status, code)


async def test_a_spent_budget_is_429_with_retry_after(settings: Settings, shared_db: str) -> None:
    async with running(
        create_app(replace(settings, anonymous_per_minute=2), database_url=shared_db)
    ) as client:
        responses = [await client.get("/public/Regions") for _ in range(3)]
    assert [r.status_code for r in responses[:2]] == [200, 200]
    assert_convention(responses[2], 429, "RATE_LIMITED")
    assert int(responses[2].headers["retry-after"]) >= 1


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: nothing listens there


async def test_a_database_away_is_503_with_retry_after_on_every_route(settings: Settings) -> None:
    away = f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres"
    app = create_app(replace(settings, pool_min=0, answer_cache_entries=0), database_url=away)
    async with running(app) as client:
        graphql = await client.post("/graphql", json={"query": text("regions")})
        public = await client.get("/public/Regions")
        bulk = await client.get("/open-data/powers.jsonl")
        ready = await client.get("/readyz")
    for response in (graphql, public, bulk):
        assert_convention(response, 503, "DATABASE_UNAVAILABLE")
        assert response.headers["retry-after"] == "5"
    assert ready.status_code == 503 and ready.headers["cache-control"] == "no-store"
