"""The open-data change feed: power adjustments and ranking publications in time order, read page
by page with a cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from api.app import create_app
from api.settings import Settings
from demo import seed_cases
from domain.calendar import CHINA
from tests.conftest import TEST_SEED, running

PUBLISHED_ON = date(2026, 11, 2)  # rankings asked for that day are published at its noon in China
PUBLISHED = ("2026-09", "2026Q3", "2026-10")


@pytest.fixture(scope="module")
async def county_db(server: Any, template: str) -> AsyncIterator[str]:
    """The county with cases, and three rankings published on Nov 2 (a copy of its own: asking
    for a ranking publishes it)."""
    name = await server.clone(template)
    url: str = server.url(name)
    conn = await asyncpg.connect(url)
    try:
        await seed_cases(conn, seed=TEST_SEED, scale=0.01)
    finally:
        await conn.close()
    yield url
    await server.drop(name)


@pytest.fixture(scope="module")
async def county(settings: Settings, county_db: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(replace(settings, today=PUBLISHED_ON), database_url=county_db)) as then:
        for period in PUBLISHED:
            published = await then.get("/open-data/department-rankings.jsonl", params={"period": period})
            assert published.status_code == 200, published.text
    async with running(create_app(settings, database_url=county_db)) as client:
        yield client


def _lines(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson; charset=utf-8"
    return [orjson.loads(line) for line in response.text.splitlines()]


async def _read_all(
    client: httpx.AsyncClient, *, limit: int, since: str | None = None
) -> list[dict[str, Any]]:
    """Every entry, following X-Next-Cursor until a page comes back empty."""
    entries: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit} | ({"since": since} if since else {})
    while True:
        response = await client.get("/open-data/changes.jsonl", params=params)
        page = _lines(response)
        if not page:
            return entries
        assert response.headers["x-next-cursor"] == page[-1]["cursor"]
        entries += page
        params["since"] = response.headers["x-next-cursor"]


async def test_feed_lists_adjustments_and_rankings_in_time_order_in_china_time(
    county: httpx.AsyncClient, county_db: str
) -> None:
    entries = await _read_all(county, limit=1000)
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert all(e["at"].endswith("+08:00") for e in entries)
    assert times == sorted(times)
    adjustments = [e for e in entries if e["kind"] == "POWER_ADJUSTMENT"]
    conn = await asyncpg.connect(county_db)
    try:
        expected = await conn.fetchval(
            "SELECT count(*) FROM power_adjustments a JOIN powers p ON p.id = a.power_id"
            " WHERE p.status <> 'draft' AND a.recorded_at <= now() - interval '1 minute'"
        )
    finally:
        await conn.close()
    assert len(adjustments) == expected > 0
    assert {e["adjustment_kind"] for e in adjustments} <= {"ADDED", "CHANGED", "CANCELLED"}
    assert any(e["kind"] == "RANKING_PUBLISHED" for e in entries)
    assert len({e["cursor"] for e in entries}) == len(entries)


async def test_a_ranking_is_listed_when_it_was_published(county: httpx.AsyncClient) -> None:
    rankings = [e for e in await _read_all(county, limit=1000) if e["kind"] == "RANKING_PUBLISHED"]
    noon = datetime(PUBLISHED_ON.year, PUBLISHED_ON.month, PUBLISHED_ON.day, 12, tzinfo=CHINA)
    # Published at one moment, listed by period label; a period never asked for is not listed.
    assert [(e["period"], datetime.fromisoformat(e["at"])) for e in rankings] == [
        (period, noon) for period in sorted(PUBLISHED)
    ]
    for entry in rankings:
        assert date.fromisoformat(entry["period_end"]) <= PUBLISHED_ON
    ranking = await county.get(rankings[-1]["dataset"])
    assert ranking.status_code == 200 and ranking.text
    first = orjson.loads(ranking.text.splitlines()[0])
    assert datetime.fromisoformat(first["published_at"]) == noon


async def test_small_pages_continue_by_cursor_to_the_same_feed(county: httpx.AsyncClient) -> None:
    whole = _lines(await county.get("/open-data/changes.jsonl", params={"limit": 1000}))
    assert {e["kind"] for e in whole} == {"POWER_ADJUSTMENT", "RANKING_PUBLISHED"}
    paged = await _read_all(county, limit=7)
    assert paged[: len(whole)] == whole
    first = await county.get("/open-data/changes.jsonl", params={"limit": 7})
    link = first.headers["link"]
    assert 'rel="next"' in link and 'rel="license"' in link
    following = await county.get(link[link.index("<") + 1 : link.index(">")])
    assert _lines(following) == whole[7:14]


async def test_since_a_time_starts_at_that_time(county: httpx.AsyncClient) -> None:
    entries = await _read_all(county, limit=1000)
    middle = entries[len(entries) // 2]["at"]
    later = await _read_all(county, limit=1000, since=middle)
    assert later and later[0]["at"] == middle
    assert later == [e for e in entries if datetime.fromisoformat(e["at"]) >= datetime.fromisoformat(middle)]
    # A "+" left unescaped in the query string arrives as a space and is still read as the offset.
    raw = await county.get("/open-data/changes.jsonl?limit=1000&since=" + middle)
    assert _lines(raw) == later[:1000]
    by_day = _lines(await county.get("/open-data/changes.jsonl", params={"since": middle[:10]}))
    assert all(e["at"] >= middle[:10] for e in by_day)


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "c1.bm9wZQ", "c1.!!!", ""])
async def test_a_bad_since_is_400_in_chinese(client: httpx.AsyncClient, since: str) -> None:
    response = await client.get("/open-data/changes.jsonl", params={"since": since})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_SINCE"
    assert "参数 since 应为时间" in error["message"]


@pytest.mark.parametrize("limit", ["0", "1001", "ten"])
async def test_a_bad_limit_is_400(client: httpx.AsyncClient, limit: str) -> None:
    response = await client.get("/open-data/changes.jsonl", params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def test_an_unchanged_page_answers_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/open-data/changes.jsonl", params={"limit": 5})
    assert first.headers["x-data-license"] == "CC-BY-4.0"
    again = await client.get(
        "/open-data/changes.jsonl", params={"limit": 5}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""


async def test_a_new_adjustment_reaches_a_reader_at_the_end_once_a_minute_old(
    fresh_client: httpx.AsyncClient, fresh_db: str
) -> None:
    entries = await _read_all(fresh_client, limit=1000)
    position = (
        await fresh_client.get("/open-data/changes.jsonl", params={"since": entries[-1]["cursor"]})
    ).headers["x-next-cursor"]
    assert position == entries[-1]["cursor"]  # an empty page keeps the reader where it was
    conn = await asyncpg.connect(fresh_db)
    try:
        for reason, age in (("精简申请材料", timedelta(minutes=2)), ("刚刚录入", timedelta(0))):
            await conn.execute(
                "INSERT INTO power_adjustments (power_id, kind, effective_on, reason, elements, recorded_at)"
                " SELECT id, 'changed', current_date, $1, '{}', now() - $2::interval FROM powers"
                " WHERE status = 'published' ORDER BY code LIMIT 1",
                reason,
                age,
            )
    finally:
        await conn.close()
    new = _lines(await fresh_client.get("/open-data/changes.jsonl", params={"since": position}))
    assert [e["reason"] for e in new] == ["精简申请材料"]
    assert new[0]["adjustment_kind"] == "CHANGED"


async def test_adjustments_of_draft_powers_stay_out_of_the_feed(
    client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    drafts = {r["code"] for r in await db.fetch("SELECT code FROM powers WHERE status = 'draft'")}
    entries = await _read_all(client, limit=1000)
    assert drafts and drafts.isdisjoint(e.get("power_code") for e in entries)
