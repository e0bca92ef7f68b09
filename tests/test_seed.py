"""The demo county: reproducible from its seed, loaded only into an empty database, and every
process map in it a valid one."""

from __future__ import annotations

from collections import defaultdict

import asyncpg

from db.seed import seed_foundation
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
