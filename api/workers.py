"""Background work: the supervision sweep and notification delivery, as CLI commands and as
optional in-process tasks of the server (SUPERVISION_INTERVAL_S, NOTIFY_INTERVAL_S)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from api.settings import Settings
from db import calendar as db_calendar
from db import cards as db_cards
from db import notifications as db_notifications
from db.executor import Connection
from domain.calendar import china_day, moment_on
from services import complaints, red_flags
from services.notifications import LogSender, Sender, WebhookSender, deliver
from services.supervision import SweepResult, sweep_on

log = logging.getLogger("sunshine.workers")


def make_sender(settings: Settings) -> Sender:
    return WebhookSender(settings.notify_webhook_url) if settings.notify_webhook_url else LogSender()


async def run_sweep(pool: asyncpg.Pool, *, today: date, now: datetime | None = None) -> SweepResult:
    """Every time rule: open cases, bad ratings, undecided complaints, and the subsidy red flags
    over this month's and last month's payments (late disbursement is a matter of time too)."""
    async with pool.acquire() as conn:
        return await _sweep_all(conn, today=today, now=now or moment_on(today, datetime.now(UTC)))


@dataclass(frozen=True, slots=True)
class SweepPreview:
    """What a sweep would do, found by running it and rolling it back."""

    cases_checked: int
    raised: list[db_cards.RaisedCountRow]  # by rule and colour, with locks and notifications
    cards_superseded: int

    @property
    def cards(self) -> int:
        return sum(r.cards for r in self.raised)


async def preview_sweep(pool: asyncpg.Pool, *, today: date, now: datetime | None = None) -> SweepPreview:
    """A dry run: the whole sweep inside one transaction that is rolled back, so it writes
    nothing (no card, lock, closure or notification) while reporting what it would raise."""
    now = now or moment_on(today, datetime.now(UTC))
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            last = await db_cards.get_last_card_id(conn)
            result = await _sweep_all(conn, today=today, now=now)
            raised = await db_cards.list_cards_raised_at(conn, after_id=last, raised_at=now)
        finally:
            await transaction.rollback()
    return SweepPreview(result.cases_checked, raised, result.cards_superseded)


async def _sweep_all(conn: Connection, *, today: date, now: datetime) -> SweepResult:
    # Sweeping "as of" another day (a replay, a demo): the rules see noon of that day (``now``).
    calendar = await db_calendar.get_calendar(conn)
    result = await sweep_on(conn, calendar=calendar, today=today, now=now)
    async with conn.transaction():
        rules = {r.code: r for r in await db_cards.list_rules(conn)}
        rule = rules.get("COMPLAINT_NOT_DECIDED")
        complaint_cards: list[int] = []
        if rule is not None and rule.enabled:
            complaint_cards = await complaints.card_undecided(conn, today=today, now=now, color=rule.color)
            if complaint_cards:
                await db_notifications.insert_card_notifications(conn, card_ids=complaint_cards)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    flags = await red_flags.run_on(conn, since=last_month, until=today, at=now)
    return SweepResult(
        result.cases_checked,
        result.cards_raised + len(complaint_cards) + flags.total,
        result.cards_superseded,
    )


def china_today() -> date:
    """Today in China by the clock, whatever day a demo or a test pins (``SUNSHINE_TODAY``)."""
    return china_day(datetime.now(UTC))


def sweep_day(settings: Settings) -> date:
    """The day the in-server sweep judges: the pinned day of a demo or a test, but never a day
    after today, so a sweep cannot raise cards, lock cases or notify people ahead of time."""
    return min(settings.today or china_today(), china_today())


async def _every(seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
    while True:
        try:
            result = await job()
            log.info(name, extra={"result": repr(result)})
        except Exception:
            log.exception("%s failed; retrying next round", name)
        await asyncio.sleep(seconds)


@contextlib.asynccontextmanager
async def background(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[None]:
    """Run the configured periodic jobs for the lifetime of the server."""
    tasks = []
    if settings.supervision_interval_s > 0:
        tasks.append(
            asyncio.create_task(
                _every(
                    settings.supervision_interval_s,
                    "supervision sweep",
                    lambda: run_sweep(pool, today=sweep_day(settings)),
                )
            )
        )
    if settings.notify_interval_s > 0:
        sender = make_sender(settings)
        tasks.append(
            asyncio.create_task(
                _every(
                    settings.notify_interval_s, "notification delivery", lambda: deliver(pool, sender=sender)
                )
            )
        )
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
