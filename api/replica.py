"""Reads from a streaming replica (``DATABASE_REPLICA_URL``), writes to the primary.

Each request's reads go to one place, chosen once (:meth:`ReadRouter.route`): the replica for a
query when it is near enough to the primary, else the primary; a mutation reads and writes on the
primary. Whatever a read itself writes (the audit of unmasked reads, a ranking published on first
read) goes to the primary through the context's ``pool``, never through its ``db``.

How near is near enough. A background probe asks, every ``poll_s``, the primary's log position and
then the replica's replay position. A primary position sampled at time *t* and reached by the
replica means the replica holds every commit made before *t*: ``caught_up_at`` is the latest
such *t*, and the replica's lag is the time since then. A lag over ``max_lag_s``, or a replica
that does not answer, sends reads to the primary until a probe finds it near again. A read that
fails on the replica (gone between probes, or cancelled by a conflict with replay) is answered
again from the primary, and the replica is left alone until the next probe.

A writer reads its own writes: after a mutation, the primary's log position is kept for the
writer (a token's subject, or the calling client for anonymous writers) in the writers' log
(api/writer_log.py), and that writer's reads go to the primary until the replica has replayed past
it. Readers who never wrote cost no round trip: the replica's position is the probe's, in memory,
and with one process so is the log. With several (``serve --workers N``) the log is in Redis, and
asking it on every read would cost a round trip; instead each process reads, every
``FENCE_POLL_S``, the latest position written by anyone and the latest seen replayed, and asks the
log about a reader only while the replica may be behind a write. So that no process can miss a
write it has not read yet, a mutation answers once the replica has replayed it (a few
milliseconds, normally; the position is then noted as replayed) or ``FENCE_WAIT_S`` has passed
(every process has read the latest position by then).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import asyncpg
from graphql import GraphQLError
from redis.exceptions import RedisError

from api.settings import Settings
from api.tasks import in_background
from api.writer_log import MemoryWriterLog, WriterLog, make_writer_log
from db import replication
from db.admin import APP_ROLE
from db.executor import UNAVAILABLE, keep_session

log = logging.getLogger("sunshine.replica")
T = TypeVar("T")

PROBE_TIMEOUT_S = 1.0
# A replica that does not answer a connection in this time is away (a read there is answered
# from the primary instead): asyncpg's own default would hold a request for a minute.
CONNECT_TIMEOUT_S = 2.0
# With a shared writers' log: how often each process reads the latest position written, and how
# long a mutation waits at most for the replica (past it, every process has read the position).
FENCE_POLL_S = 0.05
FENCE_WAIT_S = 4 * FENCE_POLL_S
# What a read on the replica may fail with that the primary would not: the replica away, a query
# cancelled by a conflict with replay (SQLSTATE 40001/40P01), or a read that writes (a bug: it
# must use the primary, and is answered from there meanwhile).
REPLICA_FAILURES: tuple[type[BaseException], ...] = (
    *UNAVAILABLE,
    asyncpg.TransactionRollbackError,
    asyncpg.ReadOnlySQLTransactionError,
)


# What a probe or a record of a write may meet: a server away or refusing, or too slow to wait for.
_DOWN: tuple[type[BaseException], ...] = (*UNAVAILABLE, asyncpg.PostgresError, TimeoutError)
_NOT_RECORDED: tuple[type[BaseException], ...] = (*_DOWN, RedisError)


class ReplicaFailed(Exception):
    """A read on the replica failed in a way the primary would answer (``REPLICA_FAILURES``)."""


# What a read on the replica is answered again from the primary for.
RETRIED_ON_PRIMARY: tuple[type[BaseException], ...] = (ReplicaFailed, *REPLICA_FAILURES)


class ReplicaState(StrEnum):
    OK = "ok"
    LAGGING = "lagging"
    AWAY = "away"


@dataclass(frozen=True, slots=True)
class Read:
    """Where one request reads."""

    pool: asyncpg.Pool
    on_replica: bool = False
    # What the read sees holds every commit the primary made before this monotonic time (the
    # primary's own reads see everything: infinity). The answer cache keeps an answer only if this
    # is not before the last change it was told of.
    as_of: float = math.inf


class ReadRouter:
    """Chooses where each request reads (see the module's text). Without a replica every read is
    the primary's and nothing is probed or recorded."""

    def __init__(
        self,
        primary: asyncpg.Pool,
        replica: asyncpg.Pool | None = None,
        *,
        max_lag_s: float = 5.0,
        writers: WriterLog | None = None,
        observe: Callable[[str], None] = lambda target: None,
    ) -> None:
        self.primary = Read(primary)
        self._replica = replica
        self.max_lag_s = max_lag_s
        self.poll_s = min(0.5, max_lag_s / 4)
        # Past this age a writer's record no longer matters: a replica within max_lag_s of the
        # primary has replayed every position sampled that long ago (two probes to spare).
        self._record_ttl_s = max_lag_s + 2 * self.poll_s + 5
        self._writers = writers or MemoryWriterLog()
        self._observe = observe
        self._samples: deque[tuple[float, int]] = deque(maxlen=1000)  # (asked at, primary's position)
        self._caught_up_at = -math.inf
        self._replayed: int | None = None  # None: away, or not probed yet
        # The latest position any process wrote, the latest one seen replayed, and when they were
        # asked (a shared log only).
        self._fence = (0, 0, -math.inf)

    @property
    def state(self) -> ReplicaState | None:
        """The replica's state (None: no replica)."""
        if self._replica is None:
            return None
        if self._replayed is None:
            return ReplicaState.AWAY
        return ReplicaState.OK if self.lag_s <= self.max_lag_s else ReplicaState.LAGGING

    @property
    def lag_s(self) -> float:
        """Seconds since the replica was last known to hold every commit of the primary."""
        return time.monotonic() - self._caught_up_at

    def report(self) -> dict[str, object] | None:
        """What /readyz says of the replica (None: no replica): its state and lag in seconds
        (null while it has never been near)."""
        state = self.state
        if state is None:
            return None
        lag = self.lag_s
        return {"state": state.value, "lag_s": round(lag, 3) if math.isfinite(lag) else None}

    async def route(self, writer: str) -> Read:
        """Where a query of ``writer`` (its token's subject, else its client) reads."""
        read = await self._choose(writer)
        self._observe("replica" if read.on_replica else "primary")
        return read

    def for_mutation(self) -> Read:
        self._observe("primary")
        return self.primary

    async def _choose(self, writer: str) -> Read:
        replica, replayed, caught_up_at = self._replica, self._replayed, self._caught_up_at
        if replica is None or replayed is None or time.monotonic() - caught_up_at > self.max_lag_s:
            return self.primary
        written, seen_replayed, asked_at = self._fence
        replayed = max(replayed, seen_replayed)
        if self._writers.shared and written <= replayed and time.monotonic() - asked_at <= FENCE_WAIT_S:
            # Every write this reader can have made is on the replica: no need to ask the log.
            return Read(replica, on_replica=True, as_of=caught_up_at)
        try:
            wrote = await self._writers.get(writer)
        except (RedisError, OSError) as exc:  # a writer cannot be told from a reader: the primary
            log.warning("writer log unavailable, reading from the primary", extra={"error": repr(exc)})
            return self.primary
        if wrote is not None and wrote > replayed:
            return self.primary
        return Read(replica, on_replica=True, as_of=caught_up_at)

    async def wrote(self, writer: str) -> None:
        """``writer`` has just written: its reads go to the primary until the replica has it.
        With a shared log, returns once every process will send them there (see the module)."""
        if self._replica is None:
            return
        try:
            lsn = await replication.get_current_lsn(self.primary.pool, timeout=PROBE_TIMEOUT_S)
            recorded_at = time.monotonic()
            await self._writers.put(writer, lsn, ttl_s=self._record_ttl_s)
        except _NOT_RECORDED as exc:
            log.warning("could not record a write for reading it back", extra={"error": repr(exc)})
            return
        if self._writers.shared:
            await self._settle(lsn, until=recorded_at + FENCE_WAIT_S)

    async def _settle(self, lsn: int, *, until: float) -> None:
        """Wait until the replica has replayed ``lsn`` (and note that it has), or until ``until``
        (monotonic)."""
        replica = self._replica
        while (left := until - time.monotonic()) > 0:
            if replica is None or self.state is not ReplicaState.OK:  # not read: wait out the fence
                await asyncio.sleep(left)
                return
            try:
                async with asyncio.timeout(left):
                    replayed = await replication.get_replay_lsn(replica) or 0
                    if replayed >= lsn:
                        await self._writers.replayed(replayed, ttl_s=self._record_ttl_s)
                        return
            except _NOT_RECORDED:
                pass
            await asyncio.sleep(min(0.005, max(0.0, until - time.monotonic())))

    async def _watch_fence(self) -> None:
        """Keep the latest positions written and seen replayed by any process (a shared log)."""
        while True:
            asked_at = time.monotonic()
            try:
                self._fence = (*await self._writers.fence(), asked_at)
            except (RedisError, OSError) as exc:  # stale soon: reads then ask the log, or the primary
                log.debug("writers' log unavailable", extra={"error": repr(exc)})
            await asyncio.sleep(FENCE_POLL_S)

    async def attempt(self, read: Read, work: Callable[[Read], Awaitable[T]]) -> T:
        """``work`` reading where ``read`` says; again on the primary if it failed on the replica
        in a way the primary would not (``RETRIED_ON_PRIMARY``)."""
        try:
            return await work(read)
        except RETRIED_ON_PRIMARY as exc:
            if not read.on_replica:
                raise
            return await work(self._fall_back(exc))

    def _fall_back(self, exc: BaseException) -> Read:
        """A read failed on the replica: read it, and all until the next probe, on the primary."""
        cause = exc.__cause__ if isinstance(exc, ReplicaFailed) else exc
        if isinstance(cause, asyncpg.ReadOnlySQLTransactionError):
            # A bug, not the replica's fault: whatever a read writes goes through context.pool.
            log.error("a read wrote through its replica handle, answered from the primary", exc_info=cause)
        else:
            log.warning("read failed on the replica, answered from the primary", extra={"error": repr(cause)})
            self._away()
        self._observe("fallback")
        return self.primary

    def _away(self) -> None:
        # A replica that comes back (restarted) may start from an older position than it had.
        self._replayed = None
        self._caught_up_at = -math.inf

    async def probe(self) -> None:
        """Sample the primary's position, then ask the replica how far it has replayed."""
        if self._replica is None:
            return
        asked_at = time.monotonic()
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                self._samples.append((asked_at, await replication.get_current_lsn(self.primary.pool)))
        except _DOWN as exc:
            # Without the primary's position the lag cannot grow smaller; it is told next time.
            log.warning("replica probe: primary unavailable", extra={"error": repr(exc)})
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                replayed = await replication.get_replay_lsn(self._replica)
        except _DOWN as exc:
            if self._replayed is not None:
                log.warning("replica away, reading from the primary", extra={"error": repr(exc)})
            self._away()
            return
        if replayed is None:
            if self._replayed is not None:
                log.error("DATABASE_REPLICA_URL is not a standby (promoted?), reading from the primary")
            self._away()
            return
        if self._replayed is None:
            log.info("replica answering", extra={"replayed": replayed})
        self._replayed = replayed
        while self._samples and self._samples[0][1] <= replayed:
            self._caught_up_at = max(self._caught_up_at, self._samples.popleft()[0])

    @contextlib.asynccontextmanager
    async def following(self) -> AsyncIterator[None]:
        """Probe the replica in the background for as long as the block runs."""
        if self._replica is None:
            yield
            return
        await self.probe()
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(in_background(self._follow()))
            if self._writers.shared:
                await stack.enter_async_context(in_background(self._watch_fence()))
            yield

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            try:
                await self.probe()
            except Exception:  # a probe must never end the probing
                log.exception("replica probe failed")
                self._away()


def replica_failure(errors: Iterable[GraphQLError]) -> BaseException | None:
    """The first of an answer's errors that the primary would not have had (``REPLICA_FAILURES``)."""
    return next((e.original_error for e in errors if isinstance(e.original_error, REPLICA_FAILURES)), None)


@contextlib.asynccontextmanager
async def reading(
    settings: Settings, primary: asyncpg.Pool, *, observe: Callable[[str], None]
) -> AsyncIterator[ReadRouter]:
    """The app's read routing, for as long as the block runs: the replica's pool (opened lazily,
    so a replica away at start does not stop the service), its probe and the writers' log."""
    url = settings.database_replica_url
    if url is None:
        yield ReadRouter(primary, observe=observe)
        return
    replica = await asyncpg.create_pool(
        url,
        min_size=0,
        max_size=settings.pool_max,
        timeout=CONNECT_TIMEOUT_S,
        server_settings={
            "statement_timeout": str(settings.statement_timeout_ms),
            "application_name": "sunshine-replica",
            "role": APP_ROLE,
        },
        reset=keep_session,  # as the primary's pool: no reset round trip
    )
    writers = make_writer_log(settings.redis_url)
    router = ReadRouter(
        primary, replica, max_lag_s=settings.replica_max_lag_s, writers=writers, observe=observe
    )
    try:
        async with router.following():
            yield router
    finally:
        await writers.close()
        await replica.close()
