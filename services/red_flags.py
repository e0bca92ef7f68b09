"""Red flags on subsidy payments (DOMAIN.md): each a supervision rule (on/off and colour are data
in ``supervision_rules``) evaluated as one set-based statement over a period, raising cards
through the same table, outbox and views as the case rules.

Run on load (for the periods just loaded) and by the supervision worker (for recent periods);
re-running a period raises nothing twice: an alert is unique per payment or person, rule and
subject.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime

import asyncpg

from db import cards as db_cards
from db import notifications as db_notifications
from db import subsidies as db_subsidies
from db.executor import Connection


@dataclass(frozen=True, slots=True)
class FlagResult:
    raised: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.raised.values())


async def run(pool: asyncpg.Pool, *, since: date, until: date, at: datetime | None = None) -> FlagResult:
    """Evaluate every enabled red-flag rule on payments for periods from ``since`` (and years up
    to ``until``); ``at`` is when the alerts count as raised (``until`` for lateness)."""
    async with pool.acquire() as conn:
        return await run_on(conn, since=since, until=until, at=at)


async def run_on(conn: Connection, *, since: date, until: date, at: datetime | None = None) -> FlagResult:
    """:func:`run` on one connection, in a transaction (a savepoint inside the caller's)."""
    at = at or datetime.now(UTC)
    raised: dict[str, int] = {}
    async with conn.transaction():
        for rule in await _enabled_rules(conn):
            raised[rule.code] = await _raise(conn, rule, since=since, until=until, at=at)
    return FlagResult(raised)


async def run_side_by_side(
    pool: asyncpg.Pool, *, since: date, until: date, at: datetime | None = None
) -> FlagResult:
    """:func:`run` with each rule in a transaction of its own, as many at once as ``pool`` has
    connections: after a bulk load, when each rule reads millions of payments and a core each
    shortens the wait. No rule's alerts conflict with another's (an alert is unique per rule), so
    only the order of their ids depends on which finished first."""
    at = at or datetime.now(UTC)
    async with pool.acquire() as conn:
        rules = await _enabled_rules(conn)

    async def one(rule: db_cards.RuleRow) -> int:
        async with pool.acquire() as conn, conn.transaction():
            return await _raise(conn, rule, since=since, until=until, at=at)

    counts = await asyncio.gather(*(one(rule) for rule in rules))
    return FlagResult({rule.code: count for rule, count in zip(rules, counts, strict=True)})


async def _enabled_rules(conn: Connection) -> list[db_cards.RuleRow]:
    rules = await db_cards.list_rules(conn)
    return [rule for rule in rules if rule.code in db_subsidies.FLAG_QUERIES and rule.enabled]


async def _raise(conn: Connection, rule: db_cards.RuleRow, *, since: date, until: date, at: datetime) -> int:
    """``rule``'s alerts raised, with their notifications; how many."""
    ids = await db_subsidies.insert_flag_cards(
        conn, rule=rule.code, color=rule.color, years=range(since.year, until.year + 1), since=since, at=at
    )
    if ids:
        await db_notifications.insert_card_notifications(conn, card_ids=ids)
    return len(ids)
