"""Shared by the case tests: a department's world with two known powers, and helpers that
push events through the real API as that department."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest

from api.app import create_app
from api.settings import Settings
from db import calendar as db_calendar
from services.supervision import sweep
from tests.conftest import running

POWER = "510799-XK-90001"
SPLIT_POWER = "510799-XK-90002"  # its S2 is handled by another department
PUSH = """
mutation Push($events: [CaseEventInput!]!) {
  recordCaseEvents(events: $events) {
    applied duplicates refused
    results { eventId caseNo outcome code message state cardsRaised }
  }
}
"""
CASE = """
query($no: String!) {
  case(caseNo: $no) {
    caseNo state stateLabel acceptedOn promisedDueOn statutoryDueOn completedOn onTime locked
    applicantName applicantIdNumber
    cards { id rule color status subject evidence }
    lockHistory { action actor }
  }
}
"""

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def month_db_settings(settings: Settings) -> Settings:
    return replace(settings, today=date(2026, 10, 31))


@pytest.fixture
async def world(server: Any, template: str, month_db_settings: Settings) -> AsyncIterator[dict[str, Any]]:
    name = await server.clone(template)
    url = server.url(name)
    conn = await asyncpg.connect(url)
    a, b = await conn.fetch("SELECT id, code FROM departments ORDER BY id LIMIT 2")
    # The staff the events name: events by anyone else are refused (UNKNOWN_STAFF). A window post,
    # so that each department's approver stays the one its posts name.
    await conn.executemany(
        "WITH post AS (INSERT INTO posts (department_id, name) VALUES ($2, '窗口受理')"
        " ON CONFLICT (department_id, name) DO UPDATE SET name = excluded.name RETURNING id)"
        " INSERT INTO staff (staff_no, department_id, name, post_id) SELECT $1, $2, $3, id FROM post",
        [("W-01", a["id"], "王窗口"), ("W-02", a["id"], "李审查"), ("B-01", b["id"], "赵分办")],
    )
    for code, second_step_department in ((POWER, a["id"]), (SPLIT_POWER, b["id"])):
        power_id = await conn.fetchval(
            """
            INSERT INTO powers (code, name, category, department_id, status, promised_limit_days,
                                statutory_limit_days, published_on)
            VALUES ($1, '测试许可事项', 'licensing', $2, 'published', 5, 20, '2026-01-01') RETURNING id
            """,
            code,
            a["id"],
        )
        steps = []
        for position, (key, step_name, limit, dept) in enumerate(
            (
                ("S1", "受理", 1, a["id"]),
                ("S2", "审查", 2, second_step_department),
                ("S3", "决定", 1, a["id"]),
            ),
            start=1,
        ):
            steps.append(
                await conn.fetchval(
                    "INSERT INTO process_steps (power_id, key, name, post_name, department_id, limit_days,"
                    " position) VALUES ($1, $2, $3, '审核岗', $4, $5, $6) RETURNING id",
                    power_id,
                    key,
                    step_name,
                    dept,
                    limit,
                    position,
                )
            )
        for source, target in itertools.pairwise(steps):
            await conn.execute(
                "INSERT INTO process_edges (power_id, from_step_id, to_step_id) VALUES ($1, $2, $3)",
                power_id,
                source,
                target,
            )
    await conn.close()
    async with running(create_app(month_db_settings, database_url=url)) as client:
        yield {"client": client, "url": url, "dept": a["code"], "other": b["code"]}
    await server.drop(name)


def at(day: str, hour: int = 9) -> str:
    return f"{day}T{hour:02d}:00:00+08:00"


def received(case_no: str, day: str, power: str = POWER) -> dict[str, Any]:
    return {
        "eventId": f"e{next(_ids)}",
        "caseNo": case_no,
        "kind": "RECEIVED",
        "occurredAt": at(day, 8),
        "powerCode": power,
        "queryCode": "246810",
        "channel": "window",
        "staffNo": "W-01",
        "applicant": {
            "kind": "person",
            "name": "王小明",
            "idNumber": "51079919900101123X",
            "phone": "13812345678",
            "address": "桐溪县城关镇河西村3组12号",
        },
    }


def event(case_no: str, kind: str, day: str, hour: int = 9, **extra: Any) -> dict[str, Any]:
    return {
        "eventId": f"e{next(_ids)}",
        "caseNo": case_no,
        "kind": kind,
        "occurredAt": at(day, hour),
        "staffNo": "W-01",
        **extra,
    }


def step(case_no: str, key: str, started: str, finished: str | None) -> list[dict[str, Any]]:
    events = [event(case_no, "STEP_STARTED", started, 10, stepKey=key)]
    if finished:
        events.append(event(case_no, "STEP_FINISHED", finished, 16, stepKey=key))
    return events


async def push(
    world: dict[str, Any], token: Callable[..., str], events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    response = await world["client"].post(
        "/graphql",
        json={"query": PUSH, "variables": {"events": events}},
        headers={"Authorization": f"Bearer {token('department', world['dept'], 'W-01')}"},
    )
    body = response.json()
    assert "errors" not in body, body
    results: list[dict[str, Any]] = body["data"]["recordCaseEvents"]["results"]
    return results


async def ask_on(
    world: dict[str, Any], settings: Settings, day: date, query: str, headers: dict[str, str]
) -> dict[str, Any]:
    """A query to the same county on a later day (a ranking is made once its period is over)."""
    async with running(create_app(replace(settings, today=day), database_url=world["url"])) as later:
        body: dict[str, Any] = (await later.post("/graphql", json={"query": query}, headers=headers)).json()
    return body


async def case(world: dict[str, Any], token: Callable[..., str], case_no: str) -> dict[str, Any]:
    response = await world["client"].post(
        "/graphql",
        json={"query": CASE, "variables": {"no": case_no}},
        # An inspector's read of a case names its reason (schema/reasons.py): "核查" percent-encoded.
        headers={
            "Authorization": f"Bearer {token('discipline', staff='JW-01')}",
            "X-Access-Reason": "%E6%A0%B8%E6%9F%A5",
        },
    )
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["case"]
    return found


async def sweep_on(world: dict[str, Any], day: date) -> int:
    pool = await asyncpg.create_pool(world["url"], min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            calendar = await db_calendar.get_calendar(conn)
        result = await sweep(
            pool, calendar=calendar, today=day, now=datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        )
        return result.cards_raised
    finally:
        await pool.close()


def applied(results: list[dict[str, Any]]) -> bool:
    return all(r["outcome"] == "APPLIED" for r in results)
