"""The subsidy statistics read precomputed cells (migration 0013) and answer exactly what counting
the payments straight answers: after the demo's load, after payments recorded through the service
(a second line for someone counted already, someone new, someone who moved to another village of
the same township), after a correction, after a rebuild, and when two writers count one person at
the same moment. The public's statistics are kept by the answer cache until money is recorded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from db import subsidies as db_subsidies
from db.executor import Connection
from services import subsidy_load
from tests.conftest import Server, county_of_its_own, running
from tests.test_answer_cache import hits, power_name, settles, until

# The statistics as they were computed before migration 0013: straight from the payments.
STRAIGHT = """
SELECT p.fund_id,
       CASE WHEN $3 = 'village' THEN p.village_code ELSE substr(p.village_code, 1, 9) END AS region_code,
       CASE WHEN $4 THEN p.period ELSE make_date(p.year, 1, 1) END AS period,
       sum(p.amount_yuan) AS amount_yuan,
       count(DISTINCT p.member_id) AS beneficiaries,
       count(*) AS payments
FROM payments p
WHERE p.year = $1
  AND ($2::varchar IS NULL OR p.village_code BETWEEN $2 || '000' AND $2 || '999')
  AND ($5::int IS NULL OR p.fund_id = $5)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
"""

Cell = tuple[int, str, date, Decimal, int, int]
MONEY = (*subsidy_load.MONEY_COLUMNS, "household_no", "id_number", "form", "recorded_by")


@pytest.fixture
async def county_url(server: Server, template: str) -> AsyncIterator[str]:
    async with county_of_its_own(server, template, cases=False) as url:
        yield url


@pytest.fixture
async def county(county_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(county_url, min_size=2, max_size=3)
    try:
        yield pool
    finally:
        await pool.close()


async def questions(conn: Connection, township: str) -> list[tuple[Any, ...]]:
    """Every question the statistics answer about 2025 and 2026 (county-wide, by ``township`` and
    by another township; by township or village, year or month; every fund and each one)."""
    other = await conn.fetchval("SELECT min(code) FROM regions WHERE level = 2 AND code <> $1", township)
    funds = [None, *[r["id"] for r in await conn.fetch("SELECT id FROM funds ORDER BY id")]]
    return [
        (year, region, by_village, by_month, fund)
        for year in (2025, 2026)
        for region in (None, township, other)
        for by_village in ((False, True) if region else (False,))
        for by_month in (False, True)
        for fund in funds
    ]


async def straight(conn: Connection, question: tuple[Any, ...]) -> list[Cell]:
    year, region, by_village, by_month, fund = question
    rows = await conn.fetch(STRAIGHT, year, region, "village" if by_village else "township", by_month, fund)
    return [tuple(r) for r in rows]


async def precomputed(conn: Connection, question: tuple[Any, ...]) -> list[Cell]:
    year, region, by_village, by_month, fund = question
    rows = await db_subsidies.list_aggregates(
        conn, year=year, region_prefix=region, by_village=by_village, by_month=by_month, fund_id=fund
    )
    return [(r.fund_id, r.region_code, r.period, r.amount_yuan, r.beneficiaries, r.payments) for r in rows]


async def assert_same_answers(pool: asyncpg.Pool, township: str) -> None:
    async with pool.acquire() as conn:
        cells = 0
        for question in await questions(conn, township):
            expected = await straight(conn, question)
            assert await precomputed(conn, question) == expected, question
            cells += len(expected)
        assert cells > 1000  # the county has money to count


async def table(pool: asyncpg.Pool) -> list[tuple[Any, ...]]:
    rows = await pool.fetch("SELECT * FROM subsidy_aggregates ORDER BY span, region_code, period, fund_id")
    return [tuple(r) for r in rows]


def money(*rows: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    return [(line, {column: row.get(column, "") for column in MONEY}) for line, row in enumerate(rows, 2)]


async def record(conn: Any, rows: list[tuple[int, dict[str, str]]], department_id: int) -> None:
    applied, refused = await subsidy_load.record_money(conn, rows=rows, department_id=department_id)
    assert refused == [] and len(applied) == len(rows)


def batch(batch_no: str, fund: str, township: str, period: str, amount: str) -> list[dict[str, str]]:
    """A batch's plan, approval and allocation."""
    return [
        {"batch_no": batch_no, "fund_code": fund, "township_code": township, "period": period,
         "stage": stage, "stage_on": on, "amount_yuan": amount, "recorded_by": "W-01"}
        for stage, on in (("plan", "2026-10-08"), ("approval", "2026-10-09"), ("allocation", "2026-10-10"))
    ]  # fmt: skip


def handed(batch_no: str, fund: str, township: str, person: asyncpg.Record, amount: str) -> dict[str, str]:
    """A disbursement of ``batch_no`` to ``person`` (household_no, id_number)."""
    return {
        "batch_no": batch_no,
        "fund_code": fund,
        "township_code": township,
        "period": "2026-10-01",
        "stage": "disbursement",
        "stage_on": "2026-10-12",
        "amount_yuan": amount,
        "household_no": person["household_no"],
        "id_number": person["id_number"],
        "form": "card",
        "recorded_by": "W-01",
    }


async def paid_in_october(pool: asyncpg.Pool) -> asyncpg.Record:
    """A monthly fund that lists its beneficiaries, a township it paid most people in October 2026,
    and the fund's department."""
    row = await pool.fetchrow(
        "SELECT f.code AS fund, f.id AS fund_id, f.department_id, left(p.village_code, 9) AS township"
        " FROM payments p JOIN funds f ON f.id = p.fund_id"
        " WHERE p.year = 2026 AND p.period = '2026-10-01' AND f.standard_unit LIKE '%month'"
        " AND f.disclosure = 'notice'"
        " GROUP BY 1, 2, 3, 4 ORDER BY count(*) DESC LIMIT 1"
    )
    assert row is not None
    return row


async def people(pool: asyncpg.Pool, scene: asyncpg.Record, *, paid: bool) -> list[asyncpg.Record]:
    """Two people of two households of the scene's township whom its fund paid in October 2026
    (``paid``), or whom it never paid."""
    rows = await pool.fetch(
        "SELECT DISTINCT ON (h.id) m.id, h.household_no, m.id_number, h.village_code FROM household_members m"
        " JOIN households h ON h.id = m.household_id"
        " WHERE left(h.village_code, 9) = $2 AND EXISTS (SELECT 1 FROM payments p"
        "  WHERE p.member_id = m.id AND p.fund_id = $1 AND (NOT $3 OR p.period = '2026-10-01')) = $3"
        " ORDER BY h.id, m.id LIMIT 2",
        scene["fund_id"],
        scene["township"],
        paid,
    )
    assert len(rows) == 2
    return rows


async def test_the_statistics_equal_counting_the_payments_after_loads_corrections_and_a_rebuild(
    county: asyncpg.Pool,
) -> None:
    pool = county
    scene = await paid_in_october(pool)
    fund, township, department = scene["fund"], scene["township"], scene["department_id"]
    await assert_same_answers(pool, township)  # as the demo loaded them
    # Someone paid this month already gets a second line (a supplementary batch), someone of the
    # township the fund never paid gets a first, and someone paid this month moves to another
    # village of the township and is paid there too: one person, two villages, one township.
    again, moving = await people(pool, scene, paid=True)
    new, _ = await people(pool, scene, paid=False)
    elsewhere = await pool.fetchval(
        "SELECT min(code) FROM regions WHERE parent_code = $1 AND code <> $2",
        township,
        moving["village_code"],
    )
    moved = "UPDATE households SET village_code = $1 WHERE household_no = $2"
    await pool.execute(moved, elsewhere, moving["household_no"])
    async with pool.acquire() as conn:
        await record(
            conn,
            money(
                *batch("SUPP-1", fund, township, "2026-10-01", "1500"),
                handed("SUPP-1", fund, township, again, "500"),
                handed("SUPP-1", fund, township, new, "500"),
                handed("SUPP-1", fund, township, moving, "500"),
            ),
            department,
        )
    await assert_same_answers(pool, township)
    counted = await table(pool)
    # A correction of a disbursement is a new record of the money handed out; the payment lines,
    # and so the statistics, stay as they were.
    async with pool.acquire() as conn:
        await record(conn, money(handed("SUPP-1", fund, township, new, "450")), department)
    corrected = "SELECT count(*) FROM disbursements WHERE corrects_id IS NOT NULL AND amount_yuan = 450"
    assert await pool.fetchval(corrected) == 1
    assert await table(pool) == counted
    await assert_same_answers(pool, township)
    # Counting everything again from the payments gives the cells kept one payment at a time.
    async with pool.acquire() as conn, conn.transaction():
        await db_subsidies.rebuild_aggregates(conn)
    assert await table(pool) == counted


async def test_two_writers_paying_one_person_at_once_count_them_once(county: asyncpg.Pool) -> None:
    pool = county
    scene = await paid_in_october(pool)
    fund, township, department = scene["fund"], scene["township"], scene["department_id"]
    person, _ = await people(pool, scene, paid=False)
    async with pool.acquire() as first, pool.acquire() as second:
        for batch_no in ("TWO-1", "TWO-2"):
            await record(first, money(*batch(batch_no, fund, township, "2026-10-01", "500")), department)
        writing = first.transaction()
        await writing.start()
        await record(first, money(handed("TWO-1", fund, township, person, "500")), department)
        # The second writer pays the same person the same month while the first has not committed:
        # it waits for the first, then sees its payment and does not count the person again.
        other = asyncio.create_task(
            record(second, money(handed("TWO-2", fund, township, person, "500")), department)
        )
        await asyncio.sleep(0.5)
        assert not other.done()
        await writing.commit()
        await asyncio.wait_for(other, 10)
    await assert_same_answers(pool, township)
    cell = await pool.fetchrow(
        "SELECT payments, beneficiaries FROM subsidy_aggregates WHERE span = 'month' AND region_code = $1"
        " AND period = '2026-10-01' AND fund_id = $2",
        person["village_code"],
        scene["fund_id"],
    )
    assert cell is not None
    before = await pool.fetchval(
        "SELECT count(DISTINCT member_id) FROM payments WHERE village_code = $1 AND period = '2026-10-01'"
        " AND fund_id = $2 AND member_id <> $3",
        person["village_code"],
        scene["fund_id"],
        person["id"],
    )
    assert cell["beneficiaries"] == before + 1


async def test_the_publics_statistics_are_kept_until_money_is_recorded_and_the_catalogue_stays_kept(
    county_url: str, county: asyncpg.Pool, settings: Settings
) -> None:
    pool = county
    scene = await paid_in_october(pool)
    fund, township, department = scene["fund"], scene["township"], scene["department_id"]
    person, _ = await people(pool, scene, paid=False)
    params = {
        "year": "2026",
        "townshipCode": township,
        "byVillage": "true",
        "byMonth": "true",
        "fundCode": fund,
    }

    async def october(client: httpx.AsyncClient) -> int:
        """The person's village's October figure, as the public reads it (0: no cell yet)."""
        body = (await client.get("/public/SubsidyAggregates", params=params)).json()
        cells = body["data"]["subsidyAggregates"]["cells"]
        found = [
            int(c["beneficiaries"])
            for c in cells
            if c["regionCode"] == person["village_code"] and c["period"] == "2026-10-01"
        ]
        return found[0] if found else 0

    app = create_app(settings, database_url=county_url)
    async with running(app) as client:
        await until(lambda: app.state.answers.listening)
        power = await pool.fetchval("SELECT min(code) FROM powers WHERE status = 'published'")
        await power_name(client, power)
        counted = await october(client)
        before = await hits(client)
        assert await october(client) == counted
        assert await hits(client) == before + 1  # the second answer came from the cache
        async with pool.acquire() as conn:
            await record(
                conn,
                money(
                    *batch("KEPT-1", fund, township, "2026-10-01", "500"),
                    handed("KEPT-1", fund, township, person, "500"),
                ),
                department,
            )
        await settles(lambda: october(client), counted + 1)
        # Recorded money drops the statistics, not the catalogue: the power's answer is still kept.
        before = await hits(client)
        await power_name(client, power)
        assert await hits(client) == before + 1
