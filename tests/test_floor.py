"""The bench's floor (a bare Starlette + asyncpg app, ``bench/floor.py``) answers exactly what the
vetted documents answer, so its throughput is a fair yardstick for the same data."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.public_queries import PublicQueries
from api.settings import Settings
from bench import floor
from demo import demo_query_code
from tests.conftest import TEST_SEED, running

DOCUMENTS = PublicQueries.load()


@pytest.fixture(scope="module")
async def clients(
    settings: Settings, populated: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        running(create_app(settings, database_url=populated)) as sunshine,
        running(floor.app(populated)) as bare,
    ):
        yield sunshine, bare


async def both(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], document: str, path: str, variables: dict[str, Any]
) -> tuple[Any, Any]:
    sunshine, bare = clients
    doc = DOCUMENTS.by_name(document)
    assert doc is not None
    body = {"query": doc.text, "variables": variables}
    ours = (await sunshine.post("/graphql", json=body)).json()
    theirs = (await bare.post(path, json=body)).json()
    assert "errors" not in ours, ours
    return ours, theirs


async def test_floor_power_detail_is_the_public_answer(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], populated_db: asyncpg.Pool
) -> None:
    # every kind of map: parallel approval, fees, free, several departments
    codes = [
        r["code"]
        for r in await populated_db.fetch(
            "(SELECT code FROM powers WHERE status <> 'draft' AND parallel_approval LIMIT 10)"
            " UNION (SELECT code FROM powers WHERE status <> 'draft' AND fee_yuan > 0 LIMIT 10)"
            " UNION (SELECT code FROM powers WHERE status <> 'draft' ORDER BY code LIMIT 10)"
        )
    ]
    assert len(codes) >= 15
    for code in codes:
        ours, theirs = await both(clients, "power_detail", "/floor/power-detail", {"code": code})
        assert theirs == ours, code


async def test_floor_power_page_is_the_public_answer(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], populated_db: asyncpg.Pool
) -> None:
    codes = [
        r["code"] for r in await populated_db.fetch("SELECT code FROM powers WHERE status = 'published'")
    ]
    cursors = [None] + [
        base64.urlsafe_b64encode(f"v1:{c}".encode()).decode() for c in (*codes[::40], codes[-5])
    ]
    for after in cursors:
        ours, theirs = await both(clients, "power_search", "/floor/power-page", {"first": 20, "after": after})
        assert theirs == ours, after


async def test_floor_case_status_is_the_public_answer(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], populated_db: asyncpg.Pool
) -> None:
    # lead cases with their branches, completed, paused and open cases
    cases = [
        r["case_no"]
        for r in await populated_db.fetch(
            "(SELECT case_no FROM cases WHERE id IN (SELECT lead_case_id FROM cases) LIMIT 5)"
            " UNION (SELECT case_no FROM cases WHERE lead_case_id IS NOT NULL LIMIT 5)"
            " UNION (SELECT DISTINCT ON (state) case_no FROM cases ORDER BY state, id)"
        )
    ]
    assert len(cases) >= 10
    for case_no in cases:
        variables = {"caseNo": case_no, "queryCode": demo_query_code(TEST_SEED, case_no)}
        ours, theirs = await both(clients, "case_status", "/floor/case-status", variables)
        assert theirs == ours, case_no
