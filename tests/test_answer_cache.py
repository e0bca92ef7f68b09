"""The public's catalogue answers are kept until the catalogue changes, and only then."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from api.answer_cache import CATALOGUE, LISTENER_NAME, SUBSIDIES, AnswerCache
from api.app import create_app
from api.public_queries import PublicQueries
from api.settings import Settings
from tests.conftest import running


def test_an_answer_computed_across_a_change_is_not_kept() -> None:
    cache = AnswerCache(max_entries=10)
    cache.listening = True
    key = AnswerCache.key("doc", {"code": "X"})
    before = cache.generation
    cache.invalidate()  # the catalogue changed while the answer was being computed
    cache.put(key, {"data": "old"}, generation=before)
    assert cache.get(key) is None
    cache.put(key, {"data": "new"}, generation=cache.generation)
    assert cache.get(key) == {"data": "new"}


def test_variables_in_any_order_share_an_answer_and_the_oldest_goes_first() -> None:
    cache = AnswerCache(max_entries=2)
    cache.listening = True
    assert AnswerCache.key("d", {"a": 1, "b": 2}) == AnswerCache.key("d", {"b": 2, "a": 1})
    for n in range(3):
        cache.put(AnswerCache.key("d", {"n": n}), {"n": n}, generation=cache.generation)
    assert cache.get(AnswerCache.key("d", {"n": 0})) is None
    assert cache.size == 2


def test_a_change_drops_only_the_answers_that_depend_on_its_channel() -> None:
    cache = AnswerCache(max_entries=10)
    cache.listening = True
    catalogue = AnswerCache.key("powers", None, (CATALOGUE,))
    statistics = AnswerCache.key("statistics", None, (CATALOGUE, SUBSIDIES))
    for key in (catalogue, statistics):
        cache.put(key, {"data": key[0]}, generation=cache.generation)
    cache.invalidate(SUBSIDIES)  # money recorded
    assert cache.get(catalogue) == {"data": "powers"}
    assert cache.get(statistics) is None
    cache.put(statistics, {"data": "statistics"}, generation=cache.generation)
    cache.invalidate(CATALOGUE)  # a fund renamed: the statistics name it too
    assert cache.get(catalogue) is None
    assert cache.get(statistics) is None


def test_nothing_is_kept_or_served_while_not_listening() -> None:
    cache = AnswerCache(max_entries=10)
    key = AnswerCache.key("d", None)
    cache.put(key, {"data": 1}, generation=cache.generation)
    assert cache.get(key) is None


@pytest.fixture
async def app(settings: Settings, fresh_db: str) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    application = create_app(settings, database_url=fresh_db)
    async with running(application) as client:
        await until(lambda: application.state.answers.listening)
        yield application, client


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def settles(read: Callable[[], Awaitable[object]], expected: object, seconds: float = 5) -> None:
    """``read()`` comes to answer ``expected``: the notification arrives within milliseconds of the
    commit, not before the next request."""
    for _ in range(int(seconds / 0.02)):
        if await read() == expected:
            return
        await asyncio.sleep(0.02)
    assert await read() == expected


async def hits(client: httpx.AsyncClient) -> float:
    text = (await client.get("/metrics")).text
    found = re.search(r'^sunshine_answer_cache_requests_total\{result="hit"\} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def power_name(client: httpx.AsyncClient, code: str) -> str:
    response = await client.get("/public/PowerDetail", params={"code": code})
    name: str = response.json()["data"]["power"]["name"]
    return name


async def test_a_kept_answer_gives_way_to_a_catalogue_change(
    app: tuple[Starlette, httpx.AsyncClient], fresh_db: str
) -> None:
    _, client = app
    conn = await asyncpg.connect(fresh_db)
    try:
        code = await conn.fetchval("SELECT code FROM powers WHERE status = 'published' ORDER BY code LIMIT 1")
        name = await power_name(client, code)
        before = await hits(client)
        assert await power_name(client, code) == name
        assert await hits(client) == before + 1
        await conn.execute("UPDATE powers SET name = name || '（调整）' WHERE code = $1", code)
        await settles(lambda: power_name(client, code), name + "（调整）")
        # a step of the map is part of the catalogue too
        await conn.execute(
            "UPDATE process_steps SET name = '受理（新）' WHERE id = (SELECT s.id FROM process_steps s"
            " JOIN powers p ON p.id = s.power_id WHERE p.code = $1 ORDER BY s.position LIMIT 1)",
            code,
        )

        async def first_step() -> str:
            power = (await client.get("/public/PowerDetail", params={"code": code})).json()["data"]["power"]
            name: str = power["processMap"]["nodes"][0]["name"]
            return name

        await settles(first_step, "受理（新）")
    finally:
        await conn.close()


async def test_without_its_listener_the_cache_keeps_nothing_until_it_is_back(
    app: tuple[Starlette, httpx.AsyncClient], fresh_db: str
) -> None:
    application, client = app
    conn = await asyncpg.connect(fresh_db)
    try:
        code = await conn.fetchval("SELECT code FROM powers WHERE status = 'published' ORDER BY code LIMIT 1")
        await power_name(client, code)
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = current_database()",
            LISTENER_NAME,
        )
        await until(lambda: not application.state.answers.listening)
        assert application.state.answers.size == 0
        # a change made while nobody listens is seen at once: nothing was kept
        await conn.execute("UPDATE powers SET name = name || '（停听期间）' WHERE code = $1", code)
        assert (await power_name(client, code)).endswith("（停听期间）")
        await until(lambda: application.state.answers.listening)  # it reconnects by itself
        before = await hits(client)
        await power_name(client, code)
        await power_name(client, code)
        assert await hits(client) == before + 1
    finally:
        await conn.close()


async def test_officials_and_personal_documents_are_never_served_from_the_cache(
    app: tuple[Starlette, httpx.AsyncClient], fresh_db: str, token: object
) -> None:
    _, client = app
    assert callable(token)
    detail = PublicQueries.load().by_name("power_detail")
    assert detail is not None
    conn = await asyncpg.connect(fresh_db)
    try:
        code = await conn.fetchval("SELECT code FROM powers WHERE status = 'published' ORDER BY code LIMIT 1")
    finally:
        await conn.close()
    official = {"Authorization": f"Bearer {token('discipline')}"}
    body = {"query": detail.text, "variables": {"code": code}}
    before = await hits(client)
    for _ in range(3):
        assert (await client.post("/graphql", json=body, headers=official)).status_code == 200
        await client.get("/public/CaseStatus", params={"caseNo": "NOSUCHCASE01", "queryCode": "123456"})
    assert await hits(client) == before
