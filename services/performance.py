"""Performance evaluation (绩效评估) of departments per month or quarter.

Computed on demand from the stored facts (cases, cards) with the scoring formula kept as data
(``performance_rules``): score = BASE + bonus − deductions, with no floor, as one county's
formula in the seeds has it. The same facts give the same ranking, so a published table can be
reproduced at any time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from db import performance as db_performance
from db.executor import Executor
from domain.calendar import WorkingCalendar, china_day
from domain.performance import DepartmentFacts, Period, Score, check_ended, score


async def evaluate(
    db: Executor, *, period: Period, calendar: WorkingCalendar, today: date, department_ids: Sequence[int]
) -> list[Score]:
    """Every department of ``department_ids`` scored for ``period`` from the stored facts; only
    for a period that has ended."""
    check_ended(period, today)
    completed = await db_performance.list_completed_facts(db, start=period.start, end=period.end)
    late = await db_performance.count_late_cases_by_department(
        db, start=period.start, end=period.end, today=today
    )
    cards = await db_performance.count_cards_by_department_and_color(db, start=period.start, end=period.end)
    bad = await db_performance.count_bad_ratings_by_department(db, start=period.start, end=period.end)
    filed = await db_performance.count_complaints_by_department(db, start=period.start, end=period.end)
    rules = await db_performance.list_performance_rules(db)
    totals: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c in completed:
        t = totals[c.department_id]
        t[0] += 1
        if c.promised_due_on is None or c.completed_on <= c.promised_due_on:
            t[1] += 1
        start = c.accepted_on or china_day(c.received_at)
        t[2] += max(calendar.working_days_between(start, c.completed_on) - c.paused_days - c.special_days, 0)
        t[3] += c.promised_limit_days or 0
    facts = [
        DepartmentFacts(
            department_id=d,
            completed=totals[d][0],
            on_time=totals[d][1],
            used_days=totals[d][2],
            promised_days=totals[d][3],
            late=late.get(d, 0),
            yellow_cards=cards.get((d, "yellow"), 0),
            red_cards=cards.get((d, "red"), 0),
            bad_ratings=bad.get(d, 0),
            complaints=filed.get(d, 0),
        )
        for d in department_ids
    ]
    return score(facts, rules)
