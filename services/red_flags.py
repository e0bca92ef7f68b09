"""Red flags on subsidy payments (DOMAIN.md): each a supervision rule (on/off and colour are data
in ``supervision_rules``) evaluated as one set-based statement over a period, raising cards
through the same table, outbox and views as the case rules.

Run on load (for the periods just loaded) and by the supervision worker (for recent periods);
re-running a period raises nothing twice: an alert is unique per payment or person, rule and
subject.
"""

from __future__ import annotations

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
    years = list(range(since.year, until.year + 1))
    raised: dict[str, int] = {}
    async with conn.transaction():
        rules = {r.code: r for r in await db_cards.list_rules(conn) if r.code in db_subsidies.FLAG_QUERIES}
        for code, rule in rules.items():
            if not rule.enabled:
                continue
            ids = await db_subsidies.insert_flag_cards(
                conn, rule=code, color=rule.color, years=years, since=since, at=at
            )
            if ids:
                await db_notifications.insert_card_notifications(conn, card_ids=ids)
            raised[code] = len(ids)
    return FlagResult(raised)
