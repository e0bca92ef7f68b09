"""Performance evaluation (绩效评估) of departments per month or quarter, and its publication.

The figures are computed from the stored facts (cases, cards, ratings, complaints, subsidy red
flags) with the formula's points kept as data (``performance_rules``): score = BASE + bonus −
deductions, with no floor, as one county's formula in the seeds has it; what counts, and where,
is :mod:`domain.performance`. A period's ranking is published — stored in
``ranking_publications`` — the first time it is asked for after the period ended (or by
``sunshine publish-ranking``), and served from there ever after; figures that facts arriving later
would change are listed as corrections beside it (:mod:`domain.rankings`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from db import calendar as db_calendar
from db import open_data as db_open_data
from db import org
from db import performance as db_performance
from db.executor import Executor
from domain.calendar import WorkingCalendar, china_day
from domain.performance import (
    RULE_VERSION,
    TIME_LIMIT_RULES,
    DepartmentFacts,
    Period,
    Score,
    check_ended,
    ended_periods,
    score,
)
from domain.rankings import Ranking, corrections, row_from_json, row_to_json


async def evaluate(
    db: Executor, *, period: Period, calendar: WorkingCalendar, today: date, department_ids: Sequence[int]
) -> list[Score]:
    """Every department of ``department_ids`` scored for ``period`` from today's facts; only for
    a period that has ended."""
    rules = await db_performance.list_performance_rules(db)
    return score(
        await _facts(db, period=period, calendar=calendar, today=today, department_ids=department_ids),
        rules,
    )


async def _facts(
    db: Executor, *, period: Period, calendar: WorkingCalendar, today: date, department_ids: Sequence[int]
) -> list[DepartmentFacts]:
    check_ended(period, today)
    start, end = period.start, period.end
    completed = await db_performance.list_completed_facts(db, start=start, end=end)
    late = await db_performance.count_late_cases_by_department(db, start=start, end=end, today=today)
    cards = await db_performance.count_case_cards_by_department(
        db, start=start, end=end, today=today, time_limit_rules=TIME_LIMIT_RULES
    )
    flags = await db_performance.count_subsidy_flags_by_department(db, start=start, end=end)
    fund_departments = await db_performance.list_fund_department_ids(db)
    bad = await db_performance.count_bad_ratings_by_department(db, start=start, end=end)
    filed = await db_performance.count_complaints_by_department(db, start=start, end=end)
    totals: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c in completed:
        t = totals[c.department_id]
        t[0] += 1
        if c.promised_due_on is None or c.completed_on <= c.promised_due_on:
            t[1] += 1
        started = c.accepted_on or china_day(c.received_at)
        t[2] += max(
            calendar.working_days_between(started, c.completed_on) - c.paused_days - c.special_days, 0
        )
        t[3] += c.promised_limit_days or 0
    return [
        DepartmentFacts(
            department_id=d,
            completed=totals[d][0],
            on_time=totals[d][1],
            used_days=totals[d][2],
            promised_days=totals[d][3],
            late=late.get(d, 0),
            yellow_cards=cards.get((d, "yellow"), 0),
            red_cards=cards.get((d, "red"), 0),
            serious_errors=cards.get((d, "serious"), 0),
            unfounded_cards=cards.get((d, "unfounded"), 0),
            late_case_cards=cards.get((d, "late_case"), 0),
            bad_ratings=bad.get(d, 0),
            complaints=filed.get(d, 0),
            manages_funds=d in fund_departments,
            subsidy_red_flags=flags.get((d, "red"), 0),
            subsidy_yellow_flags=flags.get((d, "yellow"), 0),
            subsidy_serious_errors=flags.get((d, "serious"), 0),
        )
        for d in department_ids
    ]


async def get_ranking(
    db: Executor,
    *,
    writes: Executor,
    period: Period,
    calendar: WorkingCalendar,
    today: date,
    now: datetime,
    department_ids: Sequence[int],
) -> Ranking:
    """The period's ranking as published — published now (at ``now``) if it never was — and the
    corrections today's facts would make to it. Refused (``PERIOD_NOT_ENDED``) before the period
    has ended. Read on ``db`` (a replica, perhaps); a publication is made on ``writes`` (the
    primary), and read back there: a replica may not have it yet."""
    current = await evaluate(db, period=period, calendar=calendar, today=today, department_ids=department_ids)
    stored = await db_performance.get_publication(db, period=period.label)
    if stored is None:
        await db_performance.insert_publication(
            writes,
            period=period.label,
            start=period.start,
            end=period.end,
            published_at=now,
            rule_version=RULE_VERSION,
            rules=await db_performance.list_performance_rules(db),
            rows=[row_to_json(s) for s in current],
        )
        # Re-read: a publication made at the same moment by another process is the one that stands.
        stored = await db_performance.get_publication(writes, period=period.label)
        if stored is None:  # inserted above, and publications are never deleted
            raise RuntimeError(f"ranking publication {period.label} vanished")
    published = [row_from_json(r) for r in stored.rows]
    return Ranking(
        period=period,
        published_at=stored.published_at,
        rule_version=stored.rule_version,
        rules=stored.rules,
        rows=published,
        corrections=corrections(published, current),
    )


async def publish(
    db: Executor, *, periods: Sequence[Period] | None, today: date, now: datetime
) -> list[Ranking]:
    """Publish ``periods`` (each must have ended), or, when None, every month and quarter since
    the first case received that has ended by ``today``; a period published before keeps its
    publication. ``sunshine publish-ranking`` runs this (cron it for the first of each month)."""
    if periods is None:
        first = await db_open_data.get_first_case_received(db)
        periods = [] if first is None else ended_periods(china_day(first), today)
    for period in periods:
        check_ended(period, today)
    calendar = await db_calendar.get_calendar(db)
    departments = [d.id for d in await org.list_departments(db, region_code=None, service_level=None)]
    return [
        await get_ranking(
            db, writes=db, period=period, calendar=calendar, today=today, now=now, department_ids=departments
        )
        for period in periods
    ]
