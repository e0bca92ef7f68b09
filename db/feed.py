"""The live supervision feed (监察动态, migration 0014): events in commit order, each with the
department whose it is, and the counts the public big screen shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson

from db.executor import Executor
from db.queries import load

Q = load("feed")


@dataclass(frozen=True, slots=True)
class FeedRow:
    id: int
    kind: str
    department_id: int | None  # None: discipline's alone
    ref_type: str  # card, case or complaint
    ref_id: int
    occurred_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CaseCountsRow:
    received: int
    completed: int
    on_time: int
    complaints: int


@dataclass(frozen=True, slots=True)
class CardCountRow:
    department_id: int
    yellow: int
    red: int


def _row(record: asyncpg.Record) -> FeedRow:
    return FeedRow(**{**dict(record), "payload": orjson.loads(record["payload"])})


@dataclass(frozen=True, slots=True)
class FlagCountRow:
    township_code: str
    flags: int


async def list_feed_events(
    db: Executor, *, after_id: int, department_id: int | None, limit: int
) -> list[FeedRow]:
    """Events after ``after_id``, oldest first; only ``department_id``'s when given."""
    return [_row(r) for r in await db.fetch(Q.list_feed_events, after_id, department_id, limit)]


async def list_latest_feed_events(db: Executor, *, department_id: int | None, limit: int) -> list[FeedRow]:
    """The newest ``limit`` events, oldest of them first; only ``department_id``'s when given."""
    return [_row(r) for r in reversed(await db.fetch(Q.list_latest_feed_events, department_id, limit))]


async def get_feed_head(db: Executor) -> int:
    """The last event's id (0 for none): every event up to it is committed, none will appear."""
    head: int = await db.fetchval(Q.get_feed_head)
    return head


async def get_live_case_counts(db: Executor, *, day: date, start: datetime, end: datetime) -> CaseCountsRow:
    row = await db.fetchrow(Q.get_live_case_counts, start, end, day)
    assert row is not None  # noqa: S101  # an aggregate without GROUP BY answers one row
    return CaseCountsRow(**dict(row))


async def list_open_card_counts(db: Executor) -> list[CardCountRow]:
    return [CardCountRow(**dict(r)) for r in await db.fetch(Q.list_open_card_counts)]


async def list_open_flag_counts(db: Executor) -> list[FlagCountRow]:
    return [FlagCountRow(**dict(r)) for r in await db.fetch(Q.list_open_flag_counts)]
