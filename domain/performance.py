"""Performance evaluation (绩效评估) of departments per month or quarter.

Computed on demand from the stored facts (cases, cards) with the scoring formula kept as data
(``performance_rules``): score = BASE + bonus − deductions, with no floor, as one county's
formula in the seeds has it. The same facts give the same ranking, so a published table can be
reproduced at any time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from db import cases as db_cases
from db import complaints as db_complaints
from db.executor import Executor
from domain.calendar import WorkingCalendar
from domain.errors import InvalidInput
from domain.supervision import china_day

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")

GRADES = ((Decimal(95), "优秀"), (Decimal(85), "良好"), (Decimal(70), "一般"))
BOTTOM_GRADE = "较差"


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: date
    end: date  # exclusive


def parse_period(text: str) -> Period:
    """``2026-10`` (a month) or ``2026Q3`` (a quarter)."""
    text = text.strip().upper()
    if m := _MONTH.fullmatch(text):
        year, month = int(m[1]), int(m[2])
        end = date(year + (month == 12), month % 12 + 1, 1)
        return Period(text, date(year, month, 1), end)
    if m := _QUARTER.fullmatch(text):
        year, quarter = int(m[1]), int(m[2])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        return Period(text, start, end)
    raise InvalidInput(f"考核期格式不正确：{text}（月度如 2026-10，季度如 2026Q3）", code="INVALID_PERIOD")


@dataclass(frozen=True, slots=True)
class DepartmentFacts:
    department_id: int
    completed: int = 0
    on_time: int = 0
    used_days: int = 0
    promised_days: int = 0
    late: int = 0
    yellow_cards: int = 0
    red_cards: int = 0
    bad_ratings: int = 0
    complaints: int = 0


@dataclass(frozen=True, slots=True)
class Score:
    facts: DepartmentFacts
    bonus: Decimal
    deductions: Decimal
    score: Decimal
    rank: int
    grade: str

    @property
    def on_time_rate(self) -> float | None:
        return self.facts.on_time / self.facts.completed if self.facts.completed else None

    @property
    def average_used_days(self) -> float | None:
        return self.facts.used_days / self.facts.completed if self.facts.completed else None

    @property
    def average_promised_days(self) -> float | None:
        return self.facts.promised_days / self.facts.completed if self.facts.completed else None


def score(facts: Sequence[DepartmentFacts], rules: Mapping[str, Decimal]) -> list[Score]:
    """Apply the formula and rank (ties share a rank; the order among them is by department)."""
    base = rules.get("BASE", Decimal(100))
    scored = []
    for f in facts:
        deductions = -(
            rules.get("LATE_CASE", Decimal(0)) * f.late
            + rules.get("RED_CARD", Decimal(0)) * f.red_cards
            + rules.get("YELLOW_CARD", Decimal(0)) * f.yellow_cards
            + rules.get("BAD_RATING", Decimal(0)) * f.bad_ratings
        )
        bonus = (
            rules.get("FULL_ON_TIME_BONUS", Decimal(0))
            if f.completed >= 10 and f.on_time == f.completed and f.late == 0
            else Decimal(0)
        )
        scored.append((f, bonus, deductions, base + bonus - deductions))
    scored.sort(key=lambda item: (-item[3], item[0].department_id))
    results = []
    rank = 0
    previous: Decimal | None = None
    for position, (f, bonus, deductions, total) in enumerate(scored, start=1):
        if total != previous:
            rank, previous = position, total
        grade = next((name for floor, name in GRADES if total >= floor), BOTTOM_GRADE)
        results.append(Score(f, bonus, deductions, total, rank, grade))
    return results


async def evaluate(
    db: Executor, *, period: Period, calendar: WorkingCalendar, today: date, department_ids: Sequence[int]
) -> list[Score]:
    """Every department of ``department_ids`` scored for ``period`` from the stored facts."""
    completed = await db_cases.completed_in(db, start=period.start, end=period.end)
    late = await db_cases.late_in(db, start=period.start, end=period.end, today=today)
    cards = await db_cases.cards_in(db, start=period.start, end=period.end)
    bad = await db_cases.bad_ratings_in(db, start=period.start, end=period.end)
    filed = await db_complaints.complaints_in(db, start=period.start, end=period.end)
    rules = await db_cases.performance_rules(db)
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
