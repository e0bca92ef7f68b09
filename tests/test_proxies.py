"""Whose ``X-Forwarded-For`` is believed decides whose budget a request spends: by default no
one's, so a client cannot rotate the address it is counted by; with ``TRUSTED_PROXIES`` naming the
proxy, each client behind it has a budget of its own."""

from __future__ import annotations

from pathlib import Path

import httpx

from api.settings import Settings
from tests.serving import serving

BUDGET = {"ANONYMOUS_PER_MINUTE": "2"}  # two directory lists a minute for one address


async def statuses(client: httpx.AsyncClient, addresses: list[str]) -> list[int]:
    return [
        (await client.get("/public/Departments", headers={"X-Forwarded-For": a})).status_code
        for a in addresses
    ]


async def test_forwarded_addresses_are_not_believed_by_default(fresh_db: str, settings: Settings) -> None:
    async with serving(fresh_db, Path(settings.data_dir), **BUDGET) as served:
        got = await statuses(served.client, ["203.0.113.1", "203.0.113.2", "203.0.113.3"])
    assert got == [200, 200, 429]


async def test_a_trusted_proxy_gives_each_client_behind_it_a_budget(
    fresh_db: str, settings: Settings
) -> None:
    async with serving(fresh_db, Path(settings.data_dir), TRUSTED_PROXIES="127.0.0.1", **BUDGET) as served:
        got = await statuses(served.client, ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.1"])
        repeat = await served.client.get("/public/Departments", headers={"X-Forwarded-For": "203.0.113.1"})
    assert got == [200, 200, 200, 200]
    assert repeat.status_code == 429
