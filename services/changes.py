"""The open-data change feed: power adjustments and ranking publications in one time order,
read a page at a time after a position (:mod:`domain.changes`)."""

from __future__ import annotations

from dataclasses import dataclass

from db import open_data as db_open_data
from db import performance as db_performance
from db.executor import Executor
from domain.changes import POWER_ADJUSTMENT, RANKING_PUBLISHED, Position, adjustment_key
from domain.performance import Period, parse_period

_LAST_ID = 2**31 - 1  # past every adjustment id of a moment (an integer column)


@dataclass(frozen=True, slots=True)
class Change:
    position: Position
    adjustment: db_open_data.AdjustmentChange | None = None
    period: Period | None = None


async def list_changes(db: Executor, *, after: Position, limit: int) -> list[Change]:
    """Up to ``limit`` entries after ``after``, oldest first. A ranking is listed at the moment
    it was published (``ranking_publications``)."""
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
    # At the reader's own moment, rankings sort after adjustments and by their period's label.
    published = await db_performance.list_publications_after(
        db, after_at=after.at, after_period=after.key if after.kind == RANKING_PUBLISHED else "", limit=limit
    )
    changes += [
        Change(Position(p.published_at, RANKING_PUBLISHED, p.period), period=parse_period(p.period))
        for p in published
    ]
    changes.sort(key=lambda c: c.position)
    return changes[:limit]
