"""Vetted documents over plain GET for kiosks, CDNs and third-party sites; the manifest."""

from __future__ import annotations

import asyncpg
import httpx

from api.public_queries import DEFAULT_DIR, MANIFEST, PublicQueries, manifest_text


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
