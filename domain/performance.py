"""The performance formula (绩效评估) of departments per month or quarter: periods, the facts a
score is made of, and the ranking. ``services/performance.py`` gathers the facts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.calendar import FIRST_YEAR, LAST_YEAR
from domain.errors import InvalidInput

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
        year, month = _year(m[1], text), int(m[2])
        end = date(year + (month == 12), month % 12 + 1, 1)
        return Period(text, date(year, month, 1), end)
    if m := _QUARTER.fullmatch(text):
        year, quarter = _year(m[1], text), int(m[2])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        return Period(text, start, end)
    raise InvalidInput(f"考核期格式不正确：{text}（月度如 2026-10，季度如 2026Q3）", code="INVALID_PERIOD")


def check_ended(period: Period, today: date) -> Period:
    """A ranking is made only of a period that is over: a month still running would rank every
    department on a part of its work, and one not begun would rank them all first."""
    if period.end > today:
        raise InvalidInput(
            f"考核期 {period.label} 尚未结束（{period.end.isoformat()} 起才能排名）", code="PERIOD_NOT_ENDED"
        )
    return period


def _year(digits: str, text: str) -> int:
    if not FIRST_YEAR <= int(digits) <= LAST_YEAR:
        raise InvalidInput(f"考核期 {text} 的年度超出范围（{FIRST_YEAR}–{LAST_YEAR}）", code="INVALID_PERIOD")
    return int(digits)


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
