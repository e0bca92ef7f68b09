"""The demo county: reproducible from its seed, loaded only into an empty database, and every
process map in it a valid one."""

from __future__ import annotations

import re
from collections import defaultdict

import asyncpg

from api.settings import Settings
from db import calendar
from demo import demo_query_code, seed_cases, seed_foundation
from domain.cases import query_code_hash
from domain.process_map import Edge, Node, validate

FINGERPRINT = """
SELECT md5(string_agg(code || name || category || coalesce(promised_limit_days::text, '-'), ','
                      ORDER BY code))
FROM powers
"""


async def test_seed_loads_only_into_an_empty_database(fresh_db: str) -> None:
    conn = await asyncpg.connect(fresh_db)
    try:
        before = await conn.fetchval("SELECT count(*) FROM powers")
        assert await seed_foundation(conn, seed=1, scale=0.05) == {}
        assert await conn.fetchval("SELECT count(*) FROM powers") == before
    finally:
        await conn.close()


async def test_same_seed_same_county(db: asyncpg.Pool, server_fresh_empty: str) -> None:
    conn = await asyncpg.connect(server_fresh_empty)
    try:
        counts = await seed_foundation(conn, seed=20261122, scale=0.1)
        assert counts["powers"] == await db.fetchval("SELECT count(*) FROM powers")
        assert await conn.fetchval(FINGERPRINT) == await db.fetchval(FINGERPRINT)
    finally:
        await conn.close()


async def test_every_category_and_every_map_is_valid(db: asyncpg.Pool) -> None:
    categories = {r["category"] for r in await db.fetch("SELECT DISTINCT category FROM powers")}
    assert len(categories) == 11
    nodes: defaultdict[int, list[Node]] = defaultdict(list)
    for r in await db.fetch("SELECT power_id, key, name FROM process_steps ORDER BY power_id, position"):
        nodes[r["power_id"]].append(Node(r["key"], r["name"]))
    edges: defaultdict[int, list[Edge]] = defaultdict(list)
    for r in await db.fetch(
        "SELECT e.power_id, f.key AS s, t.key AS t FROM process_edges e "
        "JOIN process_steps f ON f.id = e.from_step_id JOIN process_steps t ON t.id = e.to_step_id"
    ):
        edges[r["power_id"]].append(Edge(r["s"], r["t"]))
    powers = await db.fetchval("SELECT count(*) FROM powers")
    assert len(nodes) == powers  # every power has a map, one step at least
    for power_id, steps in nodes.items():
        validate(steps, edges[power_id])


async def test_demo_cases_follow_the_engine_and_load_once(server_fresh_empty: str) -> None:
    conn = await asyncpg.connect(server_fresh_empty)
    try:
        await calendar.load_directory(conn)
        await seed_foundation(conn, seed=7, scale=0.05)
        counts = await seed_cases(conn, seed=7, scale=0.02)
        assert counts["cases"] >= 1000
        assert await seed_cases(conn, seed=7, scale=0.02) == {}
        # every state is one of the 15, every completed case has its date, receipts open their case
        states = {r["state"] for r in await conn.fetch("SELECT DISTINCT state FROM cases")}
        assert states <= set(range(1, 16))
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM cases WHERE state IN (11, 12, 13) AND completed_on IS NULL"
            )
            == 0
        )
        first = await conn.fetchrow("SELECT case_no, query_code_hash FROM cases ORDER BY id LIMIT 1")
        assert first is not None
        assert (
            query_code_hash(first["case_no"], demo_query_code(7, first["case_no"]))
            == first["query_code_hash"]
        )
        # locked cases have an open or explained red card
        orphans = await conn.fetchval(
            "SELECT count(*) FROM cases k WHERE k.locked AND NOT EXISTS (SELECT 1 FROM cards c"
            " WHERE c.case_id = k.id AND c.color = 'red' AND c.status <> 'closed')"
        )
        assert orphans == 0
    finally:
        await conn.close()


async def test_every_demo_power_code_fits_the_default_code_pattern(db: asyncpg.Pool) -> None:
    pattern = re.compile(Settings().power_code_pattern)
    codes = [r["code"] for r in await db.fetch("SELECT code FROM powers")]
    assert codes
    assert [c for c in codes if not pattern.fullmatch(c)] == []
