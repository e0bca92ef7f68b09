"""Vetted documents over plain GET for kiosks, CDNs and third-party sites; the manifest."""

from __future__ import annotations

import os
import socket
from dataclasses import replace

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.public_queries import DEFAULT_DIR, MANIFEST, PublicQueries, manifest_text
from api.settings import Settings
from tests.conftest import running

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_checked_in_manifest_matches_the_documents() -> None:
    """Regenerate with `python3 dev.py sunshine manifest` after changing a document."""
    assert (DEFAULT_DIR / MANIFEST).read_text(encoding="utf-8") == manifest_text(PublicQueries.load())


async def test_get_answers_with_a_strong_etag_and_304(client: httpx.AsyncClient, db: asyncpg.Pool) -> None:
    code = await db.fetchval("SELECT code FROM powers WHERE status = 'published' ORDER BY code LIMIT 1")
    first = await client.get("/public/PowerDetail", params={"code": code})
    assert first.status_code == 200
    assert first.json()["data"]["power"]["code"] == code
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in first.headers["cache-control"]
    again = await client.get("/public/PowerDetail", params={"code": code}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = await client.get(
        "/public/PowerDetail", params={"code": code}, headers={"If-None-Match": '"stale"'}
    )
    assert other.status_code == 200


async def test_get_reads_variables_as_the_document_declares_them(
    client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    township = await db.fetchval("SELECT code FROM regions WHERE level = 2 ORDER BY code LIMIT 1")
    # a 12-digit-looking code stays a String; `first` is read as a number
    by_params = await client.get("/public/Regions", params={"parentCode": township})
    assert by_params.status_code == 200 and by_params.json()["data"]["regions"]
    page = await client.get("/public/PowerSearch", params={"first": "3"})
    assert len(page.json()["data"]["powers"]["nodes"]) == 3
    as_json = await client.get(
        "/public/PowerSearch", params={"variables": '{"filter": {"keyword": "食品"}, "first": 2}'}
    )
    assert len(as_json.json()["data"]["powers"]["nodes"]) == 2


async def test_get_refuses_unknown_operations_and_variables(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/public/Everything")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["extensions"]["code"] == "UNKNOWN_OPERATION"
    extra = await client.get("/public/PowerSearch", params={"limit": "5"})
    assert extra.status_code == 400
    assert extra.json()["errors"][0]["extensions"]["code"] == "BAD_VARIABLES"


async def test_personal_answers_are_never_cached(client: httpx.AsyncClient) -> None:
    response = await client.get("/public/CaseStatus", params={"caseNo": "NOPE-000000", "queryCode": "000000"})
    assert response.headers["cache-control"] == "no-store"


async def test_budgets_per_client_key_and_address_answer_429_then_recover(
    settings: Settings, shared_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = '[{"key": "kiosk-secret", "name": "kiosk-07", "kind": "kiosk", "per_minute": 4}]'
    app = create_app(replace(settings, client_keys=keys, anonymous_per_minute=3), database_url=shared_db)
    clock = [1_000_000.0]
    monkeypatch.setattr("db.ratelimit.time.time", lambda: clock[0])
    async with running(app) as client:
        # PowerSearch costs 2 units: an address without a key gets one, the kiosk two, a minute.
        allowed = await client.get("/public/PowerSearch")
        assert allowed.status_code == 200
        assert allowed.headers["ratelimit-policy"] == '"budget";q=3;w=60'
        assert allowed.headers["ratelimit"].startswith('"budget";r=1;t=')
        refused = await client.get("/public/PowerSearch")
        assert refused.status_code == 429
        [error] = refused.json()["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert 1 <= int(refused.headers["retry-after"]) == error["extensions"]["retryAfter"] <= 60
        assert refused.headers["ratelimit"].startswith('"budget";r=1;')  # one unit left, two asked
        kiosk = {"X-Client-Key": "kiosk-secret"}
        assert [(await client.get("/public/PowerSearch", headers=kiosk)).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        unknown = await client.get("/public/PowerSearch", headers={"X-Client-Key": "guess"})
        assert unknown.status_code == 401
        clock[0] += 60  # the next minute
        assert (await client.get("/public/PowerSearch")).status_code == 200


def redis_reachable() -> bool:
    host, port = REDIS.split("//")[1].split("/")[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server here (CI has one; a bare laptop has none)")
async def test_budgets_are_shared_through_redis_when_configured(settings: Settings, shared_db: str) -> None:
    import uuid

    from db.ratelimit import make_limiter

    prefix = f"sunshine-test:{uuid.uuid4().hex}:"
    apps = [
        create_app(replace(settings, anonymous_per_minute=2, redis_url=REDIS), database_url=shared_db)
        for _ in range(2)
    ]
    async with running(apps[0]) as first, running(apps[1]) as second:
        for app in apps:  # isolate this test's counters
            app.state.limiter = make_limiter(REDIS, prefix=prefix)
        assert (await first.get("/public/Regions")).status_code == 200
        assert (await second.get("/public/Regions")).status_code == 200
        # the two processes share one budget of 2
        assert (await first.get("/public/Regions")).status_code == 429
        for app in apps:
            await app.state.limiter.close()


async def test_errors_are_never_cached(client: httpx.AsyncClient) -> None:
    fine = await client.get("/public/PowerDetail", params={"code": "510799-XK-99999"})
    assert fine.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert fine.headers["cache-control"] == "no-store"
    listed = await client.get("/public/Regions")
    assert listed.headers["cache-control"].startswith("public")


async def test_get_reads_an_enum_name_written_bare(client: httpx.AsyncClient) -> None:
    villages = await client.get("/public/Regions", params={"level": "VILLAGE"})
    assert villages.status_code == 200
    assert {r["level"] for r in villages.json()["data"]["regions"]} == {"VILLAGE"}
    wrong = await client.get("/public/Regions", params={"level": "PLANET"})
    assert wrong.json()["errors"][0]["extensions"]["code"] == "BAD_VARIABLES"


async def test_get_reads_a_field_of_a_filter_written_as_its_own_parameter(client: httpx.AsyncClient) -> None:
    """``keyword=食品&category=PENALTY`` is PowerSearch's ``$filter``, as a kiosk's link writes it."""
    found = await client.get(
        "/public/PowerSearch", params={"keyword": "食品", "category": "PENALTY", "first": "50"}
    )
    assert found.status_code == 200, found.text
    nodes = found.json()["data"]["powers"]["nodes"]
    assert nodes and all("食品" in n["name"] and n["category"] == "PENALTY" for n in nodes)
    county = await client.get("/public/Departments", params={"serviceLevel": "COUNTY"})
    assert county.status_code == 200 and county.json()["data"]["departments"]
    assert {d["serviceLevel"] for d in county.json()["data"]["departments"]} == {"COUNTY"}


async def test_get_refuses_a_filter_given_both_whole_and_by_its_fields(client: httpx.AsyncClient) -> None:
    both = await client.get(
        "/public/PowerSearch", params={"filter": '{"keyword": "食品"}', "keyword": "许可"}
    )
    assert both.status_code == 400
    error = both.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_VARIABLES" and "filter" in error["message"]
    wrong = await client.get("/public/PowerSearch", params={"category": "PLANET"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["extensions"]["code"] == "BAD_VARIABLES"
