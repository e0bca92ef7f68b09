"""Bulk open data: streamed JSON Lines and CSV with a stable schema, nothing personal in it."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import asyncpg
import httpx
import orjson
import pytest

from api.app import create_app
from api.open_data import COLUMNS
from api.settings import Settings
from tests.conftest import running


async def test_powers_stream_as_json_lines_with_their_maps(
    client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    response = await client.get("/open-data/powers.jsonl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert "last-modified" in response.headers
    lines = [orjson.loads(line) for line in response.text.splitlines()]
    expected = await db.fetchval("SELECT count(*) FROM powers WHERE status <> 'draft'")
    assert len(lines) == expected
    assert all(list(line) == list(COLUMNS["powers"]) for line in lines)
    assert all(line["steps"] for line in lines)  # every power has a map
    drafts = {r["code"] for r in await db.fetch("SELECT code FROM powers WHERE status = 'draft'")}
    assert drafts.isdisjoint(line["code"] for line in lines)


async def test_rankings_and_aggregates_download_as_csv(client: httpx.AsyncClient) -> None:
    ranking = await client.get("/open-data/department-rankings.csv", params={"period": "2026-10"})
    assert ranking.status_code == 200
    rows = list(csv.reader(io.StringIO(ranking.text.lstrip("\ufeff"))))
    assert rows[0] == list(COLUMNS["department-rankings"])
    assert len(rows) > 1
    funds = await client.get("/open-data/fund-aggregates.csv", params={"year": "2026"})
    header = next(csv.reader(io.StringIO(funds.text.lstrip("\ufeff"))))
    assert header == list(COLUMNS["fund-aggregates"])
    stats = await client.get("/open-data/case-statistics.jsonl")
    assert stats.status_code == 200


async def test_bad_dataset_or_parameters_get_codes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/open-data/applicants.csv")).json()["errors"][0]["extensions"][
        "code"
    ] == "UNKNOWN_DATASET"
    bad = await client.get("/open-data/department-rankings.csv", params={"period": "last month"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["code"] == "INVALID_PERIOD"


@pytest.mark.parametrize("period", ["0000-01", "9999-12", "0000Q1", "2026-13", "2026Q5"])
async def test_rankings_of_impossible_periods_are_400(client: httpx.AsyncClient, period: str) -> None:
    response = await client.get("/open-data/department-rankings.csv", params={"period": period})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_PERIOD"


@pytest.mark.parametrize(("year", "code"), [("40000", "INVALID_YEAR"), ("٢٠٢٦", "INVALID_FIELD")])
async def test_fund_aggregates_of_impossible_years_are_400_before_the_stream(
    client: httpx.AsyncClient, year: str, code: str
) -> None:
    response = await client.get("/open-data/fund-aggregates.jsonl", params={"year": year})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_downloads_carry_validators_and_answer_304_when_unchanged(client: httpx.AsyncClient) -> None:
    first = await client.get("/open-data/powers.jsonl")
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('W/"') and "1970" not in modified
    by_tag = await client.get("/open-data/powers.jsonl", headers={"If-None-Match": etag})
    by_time = await client.get("/open-data/powers.jsonl", headers={"If-Modified-Since": modified})
    assert by_tag.status_code == by_time.status_code == 304
    assert by_tag.content == b"" and by_tag.headers["etag"] == etag
    other_format = await client.get("/open-data/powers.csv", headers={"If-None-Match": etag})
    assert other_format.status_code == 200


async def test_downloads_spend_the_callers_budget_by_size(settings: Settings, shared_db: str) -> None:
    small = replace(settings, anonymous_per_minute=70)  # two power lists (30 units each), not three
    async with running(create_app(small, database_url=shared_db)) as client:
        codes = [(await client.get("/open-data/powers.csv")).status_code for _ in range(3)]
        refused = await client.get("/open-data/powers.csv")
    assert codes == [200, 200, 429]
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) > 0


async def test_powers_nest_materials_and_adjustments_spelled_as_the_schema_spells_them(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/open-data/powers.jsonl")
    lines = [orjson.loads(line) for line in response.text.splitlines()]
    power = next(line for line in lines if line["materials"] and len(line["adjustments"]) > 1)
    # The public PowerDetail document, as a site would read the same power.
    detail = (await client.get("/public/PowerDetail", params={"code": power["code"]})).json()["data"]["power"]
    assert (power["category"], power["status"], power["service_level"]) == (
        detail["category"],
        detail["status"],
        detail["serviceLevel"],
    )
    assert power["materials"] == [
        {
            "name": m["name"],
            "copies": m["copies"],
            "original_required": m["originalRequired"],
            "note": m["note"],
        }
        for m in detail["materials"]
    ]
    assert [(a["kind"], a["effective_on"], a["reason"], a["document_no"]) for a in power["adjustments"]] == [
        (a["kind"], a["effectiveOn"], a["reason"], a["documentNo"]) for a in detail["adjustments"]
    ]
    assert [s["key"] for s in power["steps"]] == [n["key"] for n in detail["processMap"]["nodes"]]
    assert power["edges"] == detail["processMap"]["edges"]
    assert {line["status"] for line in lines} <= {"PUBLISHED", "CANCELLED"}
    assert all(line["category"].isupper() for line in lines)


async def test_every_time_in_the_powers_file_is_china_time(client: httpx.AsyncClient) -> None:
    lines = [orjson.loads(line) for line in (await client.get("/open-data/powers.jsonl")).text.splitlines()]
    times = [line["updated_at"] for line in lines]
    times += [a["recorded_at"] for line in lines for a in line["adjustments"]]
    assert times and all(t.endswith("+08:00") for t in times)
    assert all(datetime.fromisoformat(t).utcoffset() == timedelta(hours=8) for t in times)


async def test_powers_csv_keeps_the_nested_lists_as_json_text_in_a_cell(client: httpx.AsyncClient) -> None:
    response = await client.get("/open-data/powers.csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert list(rows[0]) == list(COLUMNS["powers"])
    for row in rows:
        for column in ("steps", "edges", "materials", "adjustments"):
            assert isinstance(orjson.loads(row[column]), list)
    assert any(orjson.loads(row["adjustments"]) for row in rows)
    assert all(row["updated_at"].endswith("+08:00") for row in rows)


async def test_powers_last_modified_is_the_newest_change_of_their_rows(
    client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    newest = await db.fetchval(
        "SELECT greatest((SELECT max(updated_at) FROM powers WHERE status <> 'draft'),"
        " (SELECT max(a.recorded_at) FROM power_adjustments a JOIN powers p ON p.id = a.power_id"
        "  WHERE p.status <> 'draft'))"
    )
    response = await client.get("/open-data/powers.jsonl")
    assert response.headers["last-modified"] == format_datetime(newest.astimezone(UTC), usegmt=True)
    assert datetime.now(UTC) - parsedate_to_datetime(response.headers["last-modified"]) > timedelta(seconds=1)


async def test_a_new_adjustment_moves_the_validators_of_the_powers_file(
    fresh_client: httpx.AsyncClient, fresh_db: str
) -> None:
    before = await fresh_client.get("/open-data/powers.jsonl")
    conn = await asyncpg.connect(fresh_db)
    try:
        await conn.execute(
            "INSERT INTO power_adjustments (power_id, kind, effective_on, reason, elements)"
            " SELECT id, 'changed', current_date, '材料精简', '{}' FROM powers WHERE status = 'published'"
            " ORDER BY code LIMIT 1"
        )
    finally:
        await conn.close()
    after = await fresh_client.get(
        "/open-data/powers.jsonl", headers={"If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert parsedate_to_datetime(after.headers["last-modified"]) > parsedate_to_datetime(
        before.headers["last-modified"]
    )
    assert "材料精简" in after.text


async def test_downloads_state_the_data_licence(client: httpx.AsyncClient) -> None:
    for path in ("/open-data/powers.jsonl", "/open-data/case-statistics.csv"):
        response = await client.get(path)
        assert response.headers["x-data-license"] == "CC-BY-4.0"
        assert 'rel="license"' in response.headers["link"]
