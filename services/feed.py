"""The live supervision feed (监察动态) inside one server process.

Events are rows of ``feed_events`` (migration 0014), written by the database in the transaction
of the change that causes them, with ids in commit order, and announced by ``NOTIFY
sunshine_feed``. A process keeps **one** listening connection of its own (not one per subscriber):
on each notification it reads the new rows once, keeps the latest in memory, and wakes every
subscriber, who takes the rows after its own cursor that it may see. A subscriber whose cursor is
older than what memory holds (it reconnected with an old ``after:``, or fell behind) reads from
the table, one batch at a time, until it is back in memory's range. Because ids are in commit
order, "every row after my cursor, in id order" is exactly what a subscriber has not seen:
nothing missed, nothing twice, whichever process it reconnects to.

While the listening connection is down the process polls the table instead, so events arrive
late rather than never; a notification lost in a reconnect is caught by the read that follows it.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

import asyncpg

from db import cards as db_cards
from db import complaints as db_complaints
from db import feed as db_feed
from db import org
from db.executor import UNAVAILABLE, Executor
from domain.calendar import CHINA

log = logging.getLogger("sunshine.feed")

CHANNEL = "sunshine_feed"
LISTENER_NAME = "sunshine-feed-listener"
READ_BATCH = 500  # rows a read takes at most, from the table or for memory
_CONNECTION_LOST: tuple[type[BaseException], ...] = (*UNAVAILABLE, asyncpg.PostgresError)


@dataclass(frozen=True, slots=True)
class Records:
    """The rows answers of the feed read (an event's card or complaint, departments, townships),
    read once by the process for every subscriber, whose loaders start primed with them: a
    thousand subscribers of one event cost one read, not a thousand. Only rows are shared; what
    each viewer is shown of them is decided per viewer, as always."""

    cards: dict[int, db_cards.CardRow]
    complaints: dict[int, db_complaints.ComplaintRow]
    departments: dict[int, org.DepartmentRow]
    regions: dict[str, org.RegionRow]

    def of(self, row: db_feed.FeedRow) -> Records:
        """What the answer of the one event ``row`` reads of these: its card, its complaint, its
        department (a subscriber primes its loaders with them for each event it is sent)."""
        return Records(
            _one(self.cards, _payload_id(row, "card_id")),
            _one(self.complaints, _payload_id(row, "complaint_id")),
            _one(self.departments, row.department_id),
            {},
        )


def _payload_id(row: db_feed.FeedRow, key: str) -> int | None:
    value = row.payload.get(key)
    return int(value) if value else None


Row = TypeVar("Row")


def _one(found: dict[int, Row], key: int | None) -> dict[int, Row]:
    return {key: found[key]} if key is not None and key in found else {}


NO_RECORDS = Records({}, {}, {}, {})


async def read_records(
    db: Executor,
    *,
    card_ids: Collection[int] = (),
    complaint_ids: Collection[int] = (),
    department_ids: Collection[int] = (),
    region_codes: Collection[str] = (),
) -> Records:
    cards = await db_cards.list_cards_by_id(db, ids=sorted(card_ids)) if card_ids else []
    complaints = (
        await db_complaints.list_complaints_by_id(db, ids=sorted(complaint_ids)) if complaint_ids else []
    )
    departments = await org.list_departments_by_id(db, ids=sorted(department_ids)) if department_ids else []
    regions = await org.list_regions_by_code(db, codes=sorted(region_codes)) if region_codes else []
    return Records(
        cards={r.id: r for r in cards},
        complaints={r.id: r for r in complaints},
        departments={r.id: r for r in departments},
        regions={r.code: r for r in regions},
    )


async def records_of(db: Executor, rows: list[db_feed.FeedRow]) -> Records:
    """What the answers of ``rows`` read."""
    return await read_records(
        db,
        card_ids={i for r in rows if (i := _payload_id(r, "card_id")) is not None},
        complaint_ids={i for r in rows if (i := _payload_id(r, "complaint_id")) is not None},
        department_ids={r.department_id for r in rows if r.department_id is not None},
    )


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one subscriber, with the rows read for it (NO_RECORDS when it was read from
    the table for this subscriber alone)."""

    row: db_feed.FeedRow
    records: Records


@dataclass(frozen=True, slots=True)
class LiveCounts:
    """What the public big screen shows: counts only, nothing about anyone."""

    day: date
    received: int
    completed: int
    on_time: int
    complaints: int
    cards: tuple[db_feed.CardCountRow, ...]  # open cards by department
    flags: tuple[db_feed.FlagCountRow, ...]  # open subsidy red flags by township
    # Not among the figures: counts that differ only in these are the same counts.
    head: int = field(compare=False)  # the feed's last event when counted
    records: Records = field(default=NO_RECORDS, compare=False)  # the departments and townships named


async def count_live(db: Executor, *, day: date, head: int) -> LiveCounts:
    start = datetime.combine(day, time(0), tzinfo=CHINA)
    cases = await db_feed.get_live_case_counts(db, day=day, start=start, end=start + timedelta(days=1))
    cards = await db_feed.list_open_card_counts(db)
    flags = await db_feed.list_open_flag_counts(db)
    records = await read_records(
        db, department_ids={c.department_id for c in cards}, region_codes={f.township_code for f in flags}
    )
    return LiveCounts(
        day=day,
        received=cases.received,
        completed=cases.completed,
        on_time=cases.on_time,
        complaints=cases.complaints,
        cards=tuple(cards),
        flags=tuple(flags),
        head=head,
        records=records,
    )


class FeedHub:
    """The process's one reader of the feed, and its fan-out to every subscriber."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        today: Callable[[], date],
        memory: int = 4096,
        poll_s: float = 5.0,
        counts_debounce_s: float = 0.5,
        counts_refresh_s: float = 60.0,
    ) -> None:
        self._pool = pool
        self._today = today
        self._memory = memory
        self._poll_s = poll_s
        self._counts_debounce_s = counts_debounce_s
        self._counts_refresh_s = counts_refresh_s
        # Every event with floor < id <= head is in memory (_ids and _rows, in id order).
        self._head = 0
        self._floor = 0
        self._ids: list[int] = []
        self._rows: list[Delivery] = []
        self._moved = asyncio.Event()
        self._started = asyncio.Event()  # the head is known
        self._wake = asyncio.Event()
        self._pulling = asyncio.Lock()
        self.listening = False
        self._counts: LiveCounts | None = None
        self._counts_moved = asyncio.Event()
        self._counts_watchers = 0
        self._counts_due = asyncio.Event()
        self._subscribers = 0

    @property
    def head(self) -> int:
        return self._head

    @property
    def subscribers(self) -> int:
        return self._subscribers

    # The process side: listen, read, wake.

    @contextlib.asynccontextmanager
    async def running(self, database_url: str) -> AsyncIterator[FeedHub]:
        """Follow the feed for as long as the block runs (the database may be away at first)."""
        tasks = [
            asyncio.create_task(self._listen(database_url), name="feed-listen"),
            asyncio.create_task(self._follow(), name="feed-follow"),
            asyncio.create_task(self._count(), name="feed-count"),
        ]
        try:
            yield self
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _listen(self, database_url: str) -> None:
        wait_s = 0.5
        while True:
            try:
                conn = await asyncpg.connect(
                    database_url, server_settings={"application_name": LISTENER_NAME}
                )
            except _CONNECTION_LOST as exc:
                log.warning("feed listener cannot connect, polling meanwhile", extra={"error": repr(exc)})
                await asyncio.sleep(wait_s)
                wait_s = min(wait_s * 2, 30)
                continue
            try:
                await self._hold(conn)
                wait_s = 0.5
            except _CONNECTION_LOST as exc:
                log.warning("feed listener failed, polling meanwhile", extra={"error": repr(exc)})
            finally:
                self.listening = False
                if not conn.is_closed():
                    await conn.close()
            await asyncio.sleep(wait_s)

    async def _hold(self, conn: asyncpg.Connection) -> None:
        """Wake the reader on every notification on ``conn``, until the connection is lost."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(CHANNEL, lambda *_args: self._wake.set())
        self.listening = True
        self._wake.set()  # whatever was committed while nobody listened
        await lost.wait()
        log.warning("feed listener lost its connection, polling meanwhile")

    async def _follow(self) -> None:
        """Learn where the feed stands, then read new events when told (or every ``poll_s``, in
        case a notification was lost)."""
        while not self._started.is_set():
            try:
                self._head = self._floor = await db_feed.get_feed_head(self._pool)
                self._started.set()
            except UNAVAILABLE as exc:
                log.warning("feed head unknown, trying again", extra={"error": repr(exc)})
                await asyncio.sleep(self._poll_s)
        while True:
            await wait_or_time_out(self._wake, self._poll_s)
            self._wake.clear()
            try:
                await self.pull()
            except UNAVAILABLE as exc:
                log.warning("feed read failed, trying again", extra={"error": repr(exc)})

    async def pull(self) -> int:
        """Read every event after the head into memory and wake the subscribers; how many."""
        read = 0
        async with self._pulling:
            while True:
                rows = await db_feed.list_feed_events(
                    self._pool, after_id=self._head, department_id=None, limit=READ_BATCH
                )
                if rows:
                    # Read for the subscribers there are; one who comes later reads its own.
                    records = await records_of(self._pool, rows) if self._subscribers else NO_RECORDS
                    self._remember(rows, records)
                    read += len(rows)
                if len(rows) < READ_BATCH:
                    break
        if read:
            self._counts_due.set()
        return read

    def _remember(self, rows: list[db_feed.FeedRow], records: Records) -> None:
        self._ids.extend(r.id for r in rows)
        self._rows.extend(Delivery(r, records.of(r)) for r in rows)
        self._head = rows[-1].id
        excess = len(self._rows) - self._memory
        if excess > 0:
            self._floor = self._ids[excess - 1]
            del self._ids[:excess]
            del self._rows[:excess]
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    # The subscriber side.

    async def follow(self, *, after: int | None, department_id: int | None) -> AsyncIterator[Delivery]:
        """Every event after ``after`` (None: from now on) in id order, forever; only
        ``department_id``'s when given (None: all, for discipline)."""
        await self._started.wait()
        cursor = self._head if after is None else after
        self._subscribers += 1
        try:
            while True:
                moved = self._moved
                if cursor < self._floor:
                    head = self._head
                    rows = await db_feed.list_feed_events(
                        self._pool, after_id=cursor, department_id=department_id, limit=READ_BATCH
                    )
                    for row in rows:
                        cursor = row.id
                        yield Delivery(row, NO_RECORDS)
                    if len(rows) < READ_BATCH:
                        # Everyone's events up to the head this process had read are committed and
                        # were all in that read: this subscriber has none left below it.
                        cursor = max(cursor, head)
                    continue
                batch = self._rows[bisect.bisect_right(self._ids, cursor) :]
                for delivery in batch:
                    cursor = delivery.row.id
                    if department_id is None or delivery.row.department_id == department_id:
                        yield delivery
                if not batch:
                    await moved.wait()
        finally:
            self._subscribers -= 1

    # The public's counts, recounted once a process when the feed moves (debounced).

    async def _count(self) -> None:
        while True:
            await wait_or_time_out(self._counts_due, self._counts_refresh_s)
            if self._counts_watchers == 0:
                self._counts = None  # nobody watches: count afresh when someone does
                self._counts_due.clear()
                continue
            await asyncio.sleep(self._counts_debounce_s)  # a burst of events is counted once
            self._counts_due.clear()
            try:
                await self._recount()
            except UNAVAILABLE as exc:
                log.warning("live counts failed, trying again", extra={"error": repr(exc)})

    async def _recount(self) -> None:
        counts = await count_live(self._pool, day=self._today(), head=self._head)
        previous = self._counts
        self._counts = counts
        if previous != counts:
            moved, self._counts_moved = self._counts_moved, asyncio.Event()
            moved.set()

    async def counts(self) -> AsyncIterator[LiveCounts]:
        """The live counts now, then each time they change."""
        self._counts_watchers += 1
        try:
            if self._counts is None:
                await self._recount()
            sent: LiveCounts | None = None
            while True:
                moved = self._counts_moved
                current = self._counts
                if current is not None and sent != current:
                    sent = current
                    yield current
                await moved.wait()
        finally:
            self._counts_watchers -= 1


async def wait_or_time_out(event: asyncio.Event, seconds: float) -> None:
    """Until ``event`` is set or ``seconds`` have passed.

    Not ``asyncio.wait_for``: on Python 3.11 it returns normally when it is cancelled just as the
    event is set, so a loop around it that is being shut down goes on forever (the process's
    shutdown, and a test, then hang). ``asyncio.timeout`` passes the cancellation on."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
