"""The live supervision feed over a real WebSocket (``graphql-transport-ws`` on ``/graphql``) of a
real server process, driven by a real client library: events made through the API and by the
sweep reach discipline and the owning department and no other; a dropped subscription resumed
with ``after:`` gets exactly what it missed; tokens are checked at ``connection_init`` and when
they expire; the public may subscribe to the vetted ``LiveCounts`` only; limits refuse with a
code. And, in the database, feed ids follow commit order."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from api.auth import mint_dev_token
from api.public_queries import PublicQueries
from api.settings import Settings
from domain.viewer import Role
from tests.conftest import Server, county_of_its_own, supervise
from tests.serving import Served, serving

PROTOCOL = Subprotocol("graphql-transport-ws")
FEED = (
    "subscription Feed($after: String) { supervisionFeed(after: $after) {"
    " cursor kind occurredAt department { code } caseNo rule color"
    " card { id status } complaint { trackingNo } } }"
)
SUBMIT = PublicQueries.load().by_name("complaint_submit")
LIVE_COUNTS = PublicQueries.load().by_name("live_counts")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Small so that the tests of pings and idleness take a second, not minutes.
SOCKET_ENV = {
    "WS_SUBSCRIPTIONS_PER_CONNECTION": "2",
    "WS_CONNECTIONS_PER_CLIENT": "3",
    "WS_PING_INTERVAL_S": "0.5",
    "WS_PONG_TIMEOUT_S": "2",
    "WS_IDLE_TIMEOUT_S": "2",
}


class Feed:
    """One graphql-transport-ws connection, as a client library keeps it: a reader answers the
    server's pings as they come, whatever the test is doing, and queues everything else."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ack: dict[str, Any] = {}
        self.close: tuple[int, str] | None = None
        self._inbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                message: dict[str, Any] = orjson.loads(text)
                if message["type"] == "ping":
                    await self.send({"type": "pong"})
                else:
                    await self._inbox.put(message)
        except ConnectionClosed:
            pass
        self.close = (self.ws.close_code or 0, self.ws.close_reason or "")
        await self._inbox.put(None)

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def receive(self, timeout: float = 15.0) -> dict[str, Any]:
        """The next message that is not a ping, within ``timeout`` seconds."""
        message = await asyncio.wait_for(self._inbox.get(), timeout)
        if message is None:
            raise AssertionError(f"closed by the server: {self.close}")
        return message

    async def subscribe(
        self,
        query: str | None,
        variables: dict[str, Any] | None = None,
        *,
        id: str = "1",
        extensions: dict[str, Any] | None = None,
    ) -> None:
        payload: dict[str, Any] = {"variables": variables or {}}
        if query is not None:
            payload["query"] = query
        if extensions is not None:
            payload["extensions"] = extensions
        await self.send({"id": id, "type": "subscribe", "payload": payload})

    async def events(self, count: int, *, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The next ``count`` events of the feed subscription."""
        found: list[dict[str, Any]] = []
        while len(found) < count:
            message = await self.receive(timeout)
            assert message["type"] == "next", message
            found.append(message["payload"]["data"]["supervisionFeed"])
        return found

    async def quiet(self, seconds: float = 0.7) -> bool:
        """Whether nothing but pings arrives for ``seconds``."""
        try:
            message = await self.receive(seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected message: {message}")

    async def closed(self, timeout: float = 10.0) -> tuple[int, str]:
        """The close code and reason, once the server closes the connection."""
        await asyncio.wait_for(self._reader, timeout)
        assert self.close is not None
        return self.close


async def closing(receive: Any, timeout: float) -> tuple[int, str]:
    """Receive until the server closes; its close code and reason."""
    found: tuple[int, str] | None = None
    async with asyncio.timeout(timeout):
        while found is None:
            try:
                await receive()
            except ConnectionClosed as exc:
                found = (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else (0, "")
    return found


@contextlib.asynccontextmanager
async def feed(served: Served, token: str | None = None, **payload: Any) -> AsyncIterator[Feed]:
    """A connection past ``connection_ack`` (as ``token``'s holder, or the public)."""
    url = str(served.client.base_url).replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as ws:
        client = Feed(ws)
        if token is not None:
            payload["authorization"] = f"Bearer {token}"
        await client.send({"type": "connection_init", "payload": payload})
        ack = await client.receive()
        assert ack["type"] == "connection_ack", ack
        client.ack = ack.get("payload") or {}
        yield client
    await asyncio.wait_for(client._reader, 10)  # it ends with the connection


@pytest.fixture(scope="module")
async def county(server: Server, template: str) -> AsyncIterator[str]:
    async with county_of_its_own(server, template, subsidies=False) as url:
        yield url


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feed")


@pytest.fixture(scope="module")
async def served(county: str, data_dir: Path) -> AsyncIterator[Served]:
    async with serving(county, data_dir, **SOCKET_ENV) as running_server:
        yield running_server


def mint(data_dir: Path, role: str, dept: str | None = None, *, ttl_s: int = 3600) -> str:
    """A token of the served process's development key; each with a subject of its own, so that
    the per-client limits of one test do not reach into another's."""
    settings = replace(Settings(), dev=True, data_dir=data_dir)
    return mint_dev_token(
        settings, role=Role(role), department_code=dept, staff_no=f"T-{uuid.uuid4().hex[:8]}", ttl_s=ttl_s
    )


async def file_complaint(served: Served, department: str) -> str:
    assert SUBMIT is not None
    variables = {
        "complaint": {
            "idempotencyKey": f"feed-{uuid.uuid4().hex}",
            "kind": "complaint",
            "about": "department",
            "aboutRef": department,
            "content": "窗口多次要求补交同一份材料",
        }
    }
    answer = await served.client.post("/graphql", json={"query": SUBMIT.text, "variables": variables})
    assert answer.status_code == 200, answer.text
    tracking_no: str = answer.json()["data"]["submitComplaint"]["trackingNo"]
    return tracking_no


async def two_departments(county: str) -> tuple[str, str]:
    conn = await asyncpg.connect(county)
    try:
        codes = await conn.fetch("SELECT code FROM departments WHERE code <> 'SCJG' ORDER BY code LIMIT 1")
    finally:
        await conn.close()
    return "SCJG", codes[0]["code"]


async def feed_rows(county: str, after: int) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(county)
    try:
        return await conn.fetch(
            """SELECT f.id, f.kind, d.code FROM feed_events f
               LEFT JOIN departments d ON d.id = f.department_id WHERE f.id > $1 ORDER BY f.id""",
            after,
        )
    finally:
        await conn.close()


async def feed_head(county: str) -> int:
    conn = await asyncpg.connect(county)
    try:
        head: int = await conn.fetchval("SELECT coalesce(max(id), 0) FROM feed_events")
        return head
    finally:
        await conn.close()


async def test_a_complaint_reaches_discipline_and_its_department_and_no_other(
    served: Served, county: str, data_dir: Path
) -> None:
    own, other = await two_departments(county)
    async with (
        feed(served, mint(data_dir, "discipline")) as discipline,
        feed(served, mint(data_dir, "department", own)) as owner,
        feed(served, mint(data_dir, "department", other)) as outsider,
    ):
        for client in (discipline, owner, outsider):
            await client.subscribe(FEED)
        await asyncio.sleep(0.3)  # subscribed before the events
        first = await file_complaint(served, own)
        second = await file_complaint(served, other)
        both = await discipline.events(2)
        assert [(e["kind"], e["complaint"]["trackingNo"]) for e in both] == [
            ("COMPLAINT_FILED", first),
            ("COMPLAINT_FILED", second),
        ]
        assert [e["department"]["code"] for e in both] == [own, other]
        # Each department's first event is its own complaint: the other's never came before it.
        assert [e["complaint"]["trackingNo"] for e in await owner.events(1)] == [first]
        assert [e["complaint"]["trackingNo"] for e in await outsider.events(1)] == [second]
        assert await owner.quiet() and await outsider.quiet()


async def test_the_sweeps_cards_and_locks_reach_their_departments_only(
    served: Served, county: str, data_dir: Path
) -> None:
    conn = await asyncpg.connect(county)
    try:
        departments = [
            r["code"]
            for r in await conn.fetch(
                """SELECT DISTINCT d.code FROM cases c JOIN departments d ON d.id = c.department_id
                   WHERE c.completed_at IS NULL ORDER BY d.code"""
            )
        ]
    finally:
        await conn.close()
    head = await feed_head(county)
    async with contextlib.AsyncExitStack() as stack:
        discipline = await stack.enter_async_context(feed(served, mint(data_dir, "discipline")))
        await discipline.subscribe(FEED)
        each = {}
        for code in departments:
            each[code] = await stack.enter_async_context(feed(served, mint(data_dir, "department", code)))
            await each[code].subscribe(FEED)
        await asyncio.sleep(0.3)
        await supervise(county)
        rows = await feed_rows(county, head)
        assert {r["kind"] for r in rows} >= {"CARD_RAISED", "CASE_LOCKED"}
        got = await discipline.events(len(rows))
        assert [e["kind"] for e in got] == [r["kind"] for r in rows]
        assert [e["department"]["code"] for e in got] == [r["code"] for r in rows]
        carded = {r["code"] for r in rows}
        assert len(carded) >= 2  # several departments, so each one's share is a real filter
        for code, client in each.items():
            mine = [r for r in rows if r["code"] == code]
            received = await client.events(len(mine)) if mine else []
            assert [e["kind"] for e in received] == [r["kind"] for r in mine], code
            assert all(e["department"]["code"] == code for e in received)
            assert await client.quiet(0.2), code


async def locking_red_card(county: str) -> asyncpg.Record | None:
    """An open red card that alone locks its case (closing it releases the case), with its
    department's code."""
    conn = await asyncpg.connect(county)
    try:
        return await conn.fetchrow(
            """SELECT k.id, d.code FROM cards k JOIN cases c ON c.id = k.case_id
               JOIN departments d ON d.id = k.department_id
               WHERE k.color = 'red' AND k.status = 'open' AND c.locked
                 AND NOT EXISTS (SELECT 1 FROM cards o WHERE o.case_id = k.case_id AND o.id <> k.id
                                 AND o.color = 'red' AND o.status <> 'closed')
               ORDER BY k.id LIMIT 1"""
        )
    finally:
        await conn.close()


async def test_a_card_explained_and_closed_reaches_its_department(
    served: Served, county: str, data_dir: Path
) -> None:
    card = await locking_red_card(county)
    if card is None:  # the sweep's test ran before this one; alone, this one sweeps
        await supervise(county)
        card = await locking_red_card(county)
    assert card is not None
    department = card["code"]
    staff = mint(data_dir, "department", department)
    inspector = mint(data_dir, "discipline")
    async with feed(served, staff) as owner, feed(served, inspector) as discipline:
        await owner.subscribe(FEED)
        await discipline.subscribe(FEED)
        await asyncio.sleep(0.3)
        explain = (
            'mutation($id: Int!) { explainCard(cardId: $id, explanation: "已督促承办人加快办理") { id } }'
        )
        close = 'mutation($id: Int!) { closeCard(cardId: $id, note: "说明属实，解除锁定") { id status } }'
        for query, bearer in ((explain, staff), (close, inspector)):
            answer = await served.client.post(
                "/graphql",
                json={"query": query, "variables": {"id": card["id"]}},
                headers={"Authorization": f"Bearer {bearer}"},
            )
            assert "errors" not in answer.json(), answer.text
        for client in (owner, discipline):
            events = await client.events(3)
            assert [e["kind"] for e in events] == ["CARD_EXPLAINED", "CARD_CLOSED", "CASE_RELEASED"]
            assert events[1]["card"] == {"id": card["id"], "status": "CLOSED"}
            assert {e["department"]["code"] for e in events} == {department}


async def test_a_dropped_subscription_resumed_after_its_cursor_gets_exactly_what_it_missed(
    served: Served, county: str, data_dir: Path
) -> None:
    own, _ = await two_departments(county)
    token = mint(data_dir, "discipline")
    async with feed(served, token) as first:
        await first.subscribe(FEED)
        await asyncio.sleep(0.3)
        seen = await file_complaint(served, own)
        [event] = await first.events(1)
        assert event["complaint"]["trackingNo"] == seen
    # Dropped: three complaints are filed while nobody listens.
    missed = [await file_complaint(served, own) for _ in range(3)]
    async with feed(served, token) as again:
        await again.subscribe(FEED, {"after": event["cursor"]})
        caught_up = await again.events(3)
        assert [e["complaint"]["trackingNo"] for e in caught_up] == missed
        after = await file_complaint(served, own)
        [live] = await again.events(1)
        assert live["complaint"]["trackingNo"] == after  # nothing twice, then live
        cursors = [e["cursor"] for e in (*caught_up, live)]
        assert len(set(cursors)) == 4


async def test_an_expired_token_closes_the_connection(served: Served, data_dir: Path) -> None:
    async with feed(served, mint(data_dir, "discipline", ttl_s=2)) as client:
        await client.subscribe(FEED)
        assert await client.closed(timeout=10) == (4403, "TOKEN_EXPIRED")


async def test_a_bad_token_is_refused_at_connection_init(served: Served, data_dir: Path) -> None:
    url = str(served.client.base_url).replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as ws:
        client = Feed(ws)
        await client.send({"type": "connection_init", "payload": {"authorization": "Bearer not-a-jwt"}})
        assert await client.closed() == (4403, "TOKEN_INVALID")
    async with connect(url, subprotocols=[PROTOCOL]) as ws:
        client = Feed(ws)
        await client.subscribe(FEED)  # before connection_init
        assert await client.closed() == (4401, "UNAUTHORIZED")


async def test_the_public_may_subscribe_to_live_counts_only(served: Served, county: str) -> None:
    assert LIVE_COUNTS is not None
    own, _ = await two_departments(county)
    async with feed(served) as public:
        await public.subscribe(FEED, id="feed")
        refused = await public.receive()
        assert refused["type"] == "error" and refused["id"] == "feed"
        assert refused["payload"][0]["extensions"]["code"] == "QUERY_NOT_ALLOWED"
        # By its id, as front ends send it.
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": LIVE_COUNTS.sha256}}
        await public.subscribe(None, id="counts", extensions=persisted)
        first = await public.receive()
        assert first["type"] == "next", first
        counts = first["payload"]["data"]["liveCounts"]
        assert set(counts) >= {
            "receivedToday",
            "completedToday",
            "onTimeRate",
            "complaintsToday",
            "openCards",
        }
        await file_complaint(served, own)
        moved = await public.receive()
        assert moved["payload"]["data"]["liveCounts"]["complaintsToday"] == counts["complaintsToday"] + 1


async def test_limits_refuse_with_a_code(served: Served, data_dir: Path) -> None:
    token = mint(data_dir, "discipline")
    async with feed(served, token) as client:
        await client.subscribe(FEED, id="a")
        await client.subscribe(FEED, id="b")
        await client.subscribe(FEED, id="c")  # WS_SUBSCRIPTIONS_PER_CONNECTION is 2 here
        refused = await client.receive()
        assert refused["id"] == "c" and refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        await client.subscribe(FEED, id="a")  # an id in use closes the connection
        assert await client.closed() == (4409, "SUBSCRIPTION_ID_IN_USE")
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(3):  # WS_CONNECTIONS_PER_CLIENT is 3 here
            opened = await stack.enter_async_context(feed(served, token))
            await opened.subscribe(FEED)
        url = str(served.client.base_url).replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=[PROTOCOL]) as ws:
            fourth = Feed(ws)
            await fourth.send({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
            assert await fourth.closed() == (4429, "TOO_MANY_CONNECTIONS")
    async with feed(served, mint(data_dir, "discipline")) as idle:  # no subscription
        assert await idle.closed(timeout=10) == (4408, "IDLE_TIMEOUT")


async def test_an_unanswered_ping_closes_the_connection(served: Served, data_dir: Path) -> None:
    url = str(served.client.base_url).replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as ws:
        init = {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {mint(data_dir, 'discipline')}"},
        }
        await ws.send(orjson.dumps(init).decode())
        await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": FEED}}).decode())
        # Pings arrive and are never answered.
        assert await closing(ws.recv, 10) == (4408, "PING_TIMEOUT")


async def test_personal_fields_need_a_reason_and_their_reads_are_audited(
    served: Served, county: str, data_dir: Path
) -> None:
    own, _ = await two_departments(county)
    personal = "subscription Contacts { supervisionFeed { complaint { trackingNo contactName } } }"
    async with feed(served, mint(data_dir, "discipline")) as client:
        await client.subscribe(personal, id="bare")
        refused = await client.receive()
        assert refused["payload"][0]["extensions"]["code"] == "REASON_REQUIRED"
        await client.subscribe(personal, id="why", extensions={"reason": "核查投诉处理"})
        await asyncio.sleep(0.3)
        variables = {
            "complaint": {
                "idempotencyKey": f"feed-{uuid.uuid4().hex}",
                "kind": "complaint",
                "about": "department",
                "aboutRef": own,
                "content": "窗口多次要求补交同一份材料",
                "contactName": "王小明",
            }
        }
        assert SUBMIT is not None
        await served.client.post("/graphql", json={"query": SUBMIT.text, "variables": variables})
        message = await client.receive()
        complaint = message["payload"]["data"]["supervisionFeed"]["complaint"]
        assert complaint["contactName"] == "王小明"  # discipline sees it whole
    conn = await asyncpg.connect(county)
    try:
        entry = await conn.fetchrow(
            "SELECT operation, reason, fields FROM audit_log WHERE record_id = $1", complaint["trackingNo"]
        )
    finally:
        await conn.close()
    assert entry is not None and entry["operation"] == "Contacts" and entry["reason"] == "核查投诉处理"


async def test_a_subscription_over_plain_http_is_refused(served: Served) -> None:
    assert LIVE_COUNTS is not None
    posted = await served.client.post("/graphql", json={"query": LIVE_COUNTS.text})
    got = await served.client.get("/public/LiveCounts")
    for answer in (posted, got):
        assert answer.status_code == 400, answer.text
        assert answer.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NEEDS_WEBSOCKET"


async def test_feed_ids_follow_commit_order(county: str) -> None:
    """A transaction that writes first but commits last gets the later id: a reader that has
    seen an id has seen every id below it."""
    first, second = await asyncpg.connect(county), await asyncpg.connect(county)
    insert = """INSERT INTO complaints (tracking_no, tracking_code_hash, idempotency_key, kind, about,
                about_ref, content, department_id, submitted_at, accept_due_on)
                SELECT $1, '\\x00', $1, 'complaint', 'department', code, '窗口多次要求补交同一份材料', id,
                       now(), current_date + 5
                FROM departments WHERE code = 'SCJG' RETURNING id"""
    try:
        early = first.transaction()
        await early.start()
        early_id = await first.fetchval(insert, f"ORDER-{uuid.uuid4().hex[:12]}")
        async with second.transaction():
            late_id = await second.fetchval(insert, f"ORDER-{uuid.uuid4().hex[:12]}")
        seen = await second.fetchval("SELECT max(id) FROM feed_events")
        await early.commit()
        order = await second.fetch(
            """SELECT id, ref_id FROM feed_events
               WHERE ref_type = 'complaint' AND ref_id = ANY($1::bigint[]) ORDER BY id""",
            [early_id, late_id],
        )
    finally:
        await first.close()
        await second.close()
    assert [r["ref_id"] for r in order] == [late_id, early_id]  # committed second, numbered second
    assert order[0]["id"] == seen and order[1]["id"] > seen


async def test_every_worker_delivers_the_feed(county: str, tmp_path: Path) -> None:
    async with serving(county, tmp_path / "data", WEB_CONCURRENCY="2", REDIS_URL=REDIS) as workers:
        own, _ = await two_departments(county)
        async with contextlib.AsyncExitStack() as stack:
            # New connections, which the kernel hands to either process.
            clients = [
                await stack.enter_async_context(feed(workers, mint(tmp_path / "data", "discipline")))
                for _ in range(6)
            ]
            for client in clients:
                await client.subscribe(FEED)
            await asyncio.sleep(0.5)
            filed = await file_complaint(workers, own)
            for client in clients:
                [event] = await client.events(1)
                assert event["complaint"]["trackingNo"] == filed


def test_settings_read_the_socket_limits() -> None:
    settings = Settings.from_env({**SOCKET_ENV, "WS_INIT_TIMEOUT_S": "3"})
    assert settings.ws_subscriptions_per_connection == 2
    assert settings.ws_connections_per_client == 3
    assert settings.ws_idle_timeout_s == 2 and settings.ws_init_timeout_s == 3
