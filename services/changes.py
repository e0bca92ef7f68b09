"""The open-data change feed: power adjustments and ranking publications in one time order,
read a page at a time after a position (:mod:`domain.changes`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from db import open_data as db_open_data
from db.executor import Executor
from domain.calendar import china_day
from domain.changes import (
    POWER_ADJUSTMENT,
    RANKING_PUBLISHED,
    Position,
    adjustment_key,
    ended_periods,
    published_at,
)
from domain.performance import Period

_LAST_ID = 2**31 - 1  # past every adjustment id of a moment (an integer column)


@dataclass(frozen=True, slots=True)
class Change:
    position: Position
    adjustment: db_open_data.AdjustmentChange | None = None
    period: Period | None = None


async def list_changes(db: Executor, *, after: Position, limit: int, today: date) -> list[Change]:
    """Up to ``limit`` entries after ``after``, oldest first.

    A ranking is listed once its period has ended by ``today``, for every month and quarter from
    the first case received on (see :mod:`domain.changes` for why that is its publication)."""
    if after.kind == RANKING_PUBLISHED:
        after_id = _LAST_ID  # every adjustment of that moment sorts before any ranking
    elif after.kind == POWER_ADJUSTMENT:
        after_id = int(after.key)
    else:
        after_id = 0
    adjustments = await db_open_data.list_adjustment_changes(
        db, after_at=after.at, after_id=after_id, limit=limit
    )
    changes = [
        Change(Position(a.recorded_at, POWER_ADJUSTMENT, adjustment_key(a.id)), adjustment=a)
        for a in adjustments
    ]
    first = await db_open_data.get_first_case_received(db)
    if first is not None:
        for period in ended_periods(china_day(first), today):
            position = Position(published_at(period), RANKING_PUBLISHED, period.label)
            if position > after:
                changes.append(Change(position, period=period))
    changes.sort(key=lambda c: c.position)
    return changes[:limit]
