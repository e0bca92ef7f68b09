"""Real PostgreSQL for every test.

The server is ``TEST_DATABASE_URL`` (or ``DATABASE_URL``) when set, else an embedded one under
``.sunshine/test``. Once per session, a template database is migrated by alembic and loaded with
a small demo county; read-only tests share one copy of it, and a test that writes gets a fresh
copy of its own (``CREATE DATABASE … TEMPLATE``), so no test sees another's changes.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

import demo
from api import embedded
from api.app import create_app
from api.auth import mint_dev_token
from api.settings import Settings
from db import migrate
from demo import seed_cases, seed_subsidies
from domain.viewer import Role

ROOT = Path(__file__).resolve().parent.parent
TEST_SCALE = 0.1
TEST_SEED = 20261122


@dataclass(frozen=True)
class Server:
    admin_url: str

    def url(self, database: str) -> str:
        return embedded.with_database(self.admin_url, database)

    async def admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.admin_url)

    async def clone(self, template: str) -> str:
        name = f"sunshine_test_{uuid.uuid4().hex[:12]}"
        conn = await self.admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()
        return name

    async def drop(self, name: str) -> None:
        conn = await self.admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture(scope="session")
def server() -> Server:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return Server(url)
    return Server(embedded.start(ROOT / ".sunshine" / "test", database="postgres"))


@pytest.fixture(scope="session")
async def template(server: Server) -> AsyncIterator[str]:
    """A migrated database with the small demo county, used only as a template."""
    name = f"sunshine_tpl_{uuid.uuid4().hex[:12]}"
    conn = await server.admin()
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = server.url(name)
    await asyncio.to_thread(migrate.upgrade, url)  # alembic runs an event loop of its own
    await demo.load(url, seed=TEST_SEED, scale=TEST_SCALE)
    yield name
    await server.drop(name)


@pytest.fixture(scope="session")
async def shared_db(server: Server, template: str) -> AsyncIterator[str]:
    """One copy of the demo county for tests that only read."""
    name = await server.clone(template)
    yield server.url(name)
    await server.drop(name)


@asynccontextmanager
async def county_of_its_own(
    server: Server, template: str, *, cases: bool = True, subsidies: bool = True, swept: bool = False
) -> AsyncIterator[str]:
    """A copy of the demo county with a few hundred cases and a little subsidy money (scale 0.01),
    for a test or module that writes; ``swept``: after one run of ``sunshine supervise``, whose red
    cards lock the cases it finds late."""
    name = await server.clone(template)
    url = server.url(name)
    conn = await asyncpg.connect(url)
    try:
        if cases:
            await seed_cases(conn, seed=TEST_SEED, scale=0.01)
        if subsidies:
            await seed_subsidies(conn, seed=TEST_SEED, scale=0.01)
    finally:
        await conn.close()
    if swept:
        await supervise(url)
    try:
        yield url
    finally:
        await server.drop(name)


async def supervise(url: str) -> None:
    """One run of ``sunshine supervise`` on the database at ``url``, as cron runs it."""
    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "api.cli", "supervise"],
        env={**os.environ, "DATABASE_URL": url, "SUNSHINE_DEV": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr


@pytest.fixture(scope="session")
async def populated(server: Server, template: str) -> AsyncIterator[str]:
    """A copy of the demo county with a few hundred cases and subsidies, for tests that only read."""
    async with county_of_its_own(server, template) as url:
        yield url


async def ask(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    bearer: str | None = None,
    reason: Any = None,
) -> tuple[int, dict[str, Any]]:
    """A GraphQL request over HTTP, as an official (``bearer``) with the reason of access when
    given: the status and the answer."""
    body: dict[str, Any] = {"query": query, "variables": variables}
    if reason is not None:
        body["extensions"] = {"reason": reason}
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    response = await client.post("/graphql", json=body, headers=headers)
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


@pytest.fixture(scope="session")
async def populated_db(populated: str) -> AsyncIterator[asyncpg.Pool]:
    """Direct SQL on the county with cases and subsidies, for reading what a test should expect."""
    pool = await asyncpg.create_pool(populated, min_size=1, max_size=2)
    yield pool
    await pool.close()


# The service as it runs, and the same service with every answer from graphql-core's executor.
BothWays = tuple[httpx.AsyncClient, httpx.AsyncClient]


@pytest.fixture(scope="module")
async def clients(settings: Settings, populated: str) -> AsyncIterator[BothWays]:
    """The service as it runs on the populated county, and the same service with every fast path
    off (COMPILED_DOCUMENTS=0), for tests that require the two to answer alike."""
    async with (
        running(create_app(settings, database_url=populated)) as fast,
        running(create_app(replace(settings, compiled_documents=False), database_url=populated)) as general,
    ):
        yield fast, general


@pytest.fixture
async def fresh_db(server: Server, template: str) -> AsyncIterator[str]:
    """A copy of the demo county of this test's own."""
    name = await server.clone(template)
    yield server.url(name)
    await server.drop(name)


@pytest.fixture
async def server_fresh_empty(server: Server) -> AsyncIterator[str]:
    """A migrated database with no data in it."""
    name = f"sunshine_empty_{uuid.uuid4().hex[:12]}"
    conn = await server.admin()
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = server.url(name)
    await asyncio.to_thread(migrate.upgrade, url)
    yield url
    await server.drop(name)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Every test calls from one address: a roomy anonymous budget (the limits have their own tests).
    return replace(
        Settings(),
        dev=True,
        data_dir=tmp_path_factory.mktemp("sunshine"),
        graphiql=False,
        anonymous_per_minute=1_000_000,
    )


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, behind real HTTP semantics (httpx's ASGI transport)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sunshine.test") as client:
            yield client


@pytest.fixture(scope="session")
async def client(settings: Settings, shared_db: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, database_url=shared_db)) as c:
        yield c


@pytest.fixture
async def fresh_client(settings: Settings, fresh_db: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, database_url=fresh_db)) as c:
        yield c


@pytest.fixture(scope="session")
async def db(shared_db: str) -> AsyncIterator[asyncpg.Pool]:
    """Direct SQL on the shared copy, for reading what a test should expect."""
    pool = await asyncpg.create_pool(shared_db, min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def token(settings: Settings) -> Callable[..., str]:
    def mint(role: str, dept: str | None = None, staff: str | None = None, region: str | None = None) -> str:
        return mint_dev_token(
            settings, role=Role(role), department_code=dept, staff_no=staff, region_code=region
        )

    return mint


# Officials state a reason of access for reads of unmasked personal data (schema/reasons.py).
ACCESS_REASON = {"X-Access-Reason": quote("自动化测试核对")}

GraphQL = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(scope="session")
def gql(client: httpx.AsyncClient) -> GraphQL:
    """POST a query as an official (``token``) or anonymously; the decoded JSON body."""

    async def post(
        query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    return post


# Fixtures that live with their helpers, available to every test module.
from tests.browsing import browser, browsing, page, playwright, site  # noqa: E402, F401  # re-exported for pytest
from tests.casework import month_db_settings, world  # noqa: E402, F401  # re-exported for pytest
