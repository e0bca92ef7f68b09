"""The performance formula (绩效评估) of departments per month or quarter: periods, the facts a
score is made of, the ranking and the rule written out in Chinese. ``services/performance.py``
gathers the facts; :mod:`domain.rankings` freezes a published ranking and finds its corrections.

What counts, and where (``RULE_VERSION`` names this reading of the facts):

- A department answers for the cases it owns. Only accepted cases completed in the period
  (办结通过、容缺通过、不通过) make its completed, on-time and working-day figures.
- A late case counts once, in the period its promised due date fell in. Its OVERDUE red card and
  the time-limit yellow cards on it deduct nothing more: one fault, one deduction.
- Every other card on the department's cases counts in the period it was raised, by colour; a
  card discipline closed as unfounded counts nothing, one it found serious counts as
  ``SERIOUS_ERROR`` instead of its colour.
- Subsidy red flags count against the department that manages the fund, in a subsidy score of
  their own, never in the case score. Complaints are listed, not deducted: a complaint is an
  allegation until decided, and a complaint's deadline warning concerns its handling, not a case.
- A department with no completed case, no late case and nothing deducted in the period is listed
  but not ranked.
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


def ended_periods(first_day: date, today: date) -> list[Period]:
    """Every month and quarter from the one holding ``first_day`` that has ended by ``today``,
    a quarter after the month it ends with."""
    periods: list[Period] = []
    year, month = first_day.year, first_day.month
    while True:
        month_period = parse_period(f"{year:04d}-{month:02d}")
        if month_period.end > today:
            break
        periods.append(month_period)
        if month % 3 == 0:
            periods.append(parse_period(f"{year:04d}Q{month // 3}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def _year(digits: str, text: str) -> int:
    if not FIRST_YEAR <= int(digits) <= LAST_YEAR:
        raise InvalidInput(f"考核期 {text} 的年度超出范围（{FIRST_YEAR}–{LAST_YEAR}）", code="INVALID_PERIOD")
    return int(digits)


RULE_VERSION = "2026-12"  # raised whenever what is counted, or where, changes

# The cards of a case's time limit: on a late case they are the same fault as the late case.
TIME_LIMIT_RULES = ("NEAR_DEADLINE", "DAY_BEFORE_DEADLINE", "OVERDUE")
UNRANKED_NOTE = "本期没有办结件、逾期件或扣分事项，列示但不参加排名"


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
    serious_errors: int = 0
    unfounded_cards: int = 0  # closed as unfounded: listed, never deducted
    late_case_cards: int = 0  # time-limit cards of late cases: deducted as the late case
    bad_ratings: int = 0
    complaints: int = 0
    manages_funds: bool = False
    subsidy_red_flags: int = 0
    subsidy_yellow_flags: int = 0
    subsidy_serious_errors: int = 0

    @property
    def participates(self) -> bool:
        """Whether the department had anything in the period to be ranked on."""
        return bool(
            self.completed
            or self.late
            or self.red_cards
            or self.yellow_cards
            or self.serious_errors
            or self.bad_ratings
        )


@dataclass(frozen=True, slots=True)
class Score:
    facts: DepartmentFacts
    bonus: Decimal
    deductions: Decimal
    score: Decimal
    rank: int | None  # None: listed, not ranked (see ``note``)
    grade: str | None
    subsidy_deductions: Decimal | None = None  # None: the department manages no fund
    subsidy_score: Decimal | None = None
    note: str | None = None

    @property
    def on_time_rate(self) -> float | None:
        return self.facts.on_time / self.facts.completed if self.facts.completed else None

    @property
    def average_used_days(self) -> float | None:
        return self.facts.used_days / self.facts.completed if self.facts.completed else None

    @property
    def average_promised_days(self) -> float | None:
        return self.facts.promised_days / self.facts.completed if self.facts.completed else None


def _points(rules: Mapping[str, Decimal], code: str) -> Decimal:
    return rules.get(code, Decimal(0))


def score(facts: Sequence[DepartmentFacts], rules: Mapping[str, Decimal]) -> list[Score]:
    """Apply the formula and rank those that participate (ties share a rank; the order among them
    is by department); the others follow, unranked, in department order."""
    base = rules.get("BASE", Decimal(100))
    scored = []
    for f in facts:
        deductions = -(
            _points(rules, "LATE_CASE") * f.late
            + _points(rules, "RED_CARD") * f.red_cards
            + _points(rules, "YELLOW_CARD") * f.yellow_cards
            + _points(rules, "SERIOUS_ERROR") * f.serious_errors
            + _points(rules, "BAD_RATING") * f.bad_ratings
        )
        bonus = (
            _points(rules, "FULL_ON_TIME_BONUS")
            if f.completed >= 10 and f.on_time == f.completed and f.late == 0
            else Decimal(0)
        )
        subsidy = (
            -(
                _points(rules, "SUBSIDY_RED_FLAG") * f.subsidy_red_flags
                + _points(rules, "SUBSIDY_YELLOW_FLAG") * f.subsidy_yellow_flags
                + _points(rules, "SERIOUS_ERROR") * f.subsidy_serious_errors
            )
            if f.manages_funds
            else None
        )
        scored.append((f, bonus, deductions, base + bonus - deductions, subsidy))
    scored.sort(key=lambda item: (not item[0].participates, -item[3], item[0].department_id))
    results = []
    rank = 0
    previous: Decimal | None = None
    for position, (f, bonus, deductions, total, subsidy) in enumerate(scored, start=1):
        subsidy_score = None if subsidy is None else base - subsidy
        if not f.participates:
            results.append(
                Score(f, bonus, deductions, total, None, None, subsidy, subsidy_score, UNRANKED_NOTE)
            )
            continue
        if total != previous:
            rank, previous = position, total
        results.append(Score(f, bonus, deductions, total, rank, grade_of(total), subsidy, subsidy_score))
    return results


def grade_of(total: Decimal) -> str:
    return next((name for floor, name in GRADES if total >= floor), BOTTOM_GRADE)


def _shown(points: Decimal) -> str:
    """Points as people write them: 1, 0.2, 100."""
    return format(abs(points).normalize(), "f")


def rules_text(rules: Mapping[str, Decimal]) -> list[str]:
    """The rule, point by point, in Chinese, with the points of ``rules``: what a department
    needs to check its own figures."""
    p = {code: _shown(_points(rules, code)) for code in rules}
    grades = "，".join(f"{_shown(floor)} 分及以上为{name}" for floor, name in GRADES)

    def pts(code: str) -> str:
        return p.get(code, "0")

    base = _shown(rules.get("BASE", Decimal(100)))
    return [
        f"得分 = 基础分 {base} 分 + 加分 − 扣分，不设下限；同分同名次。",
        "办结件：本部门已受理、在本期办结（办结通过、容缺通过、不通过）的办件，"
        "据以计算按时率和平均用时；未受理、撤件、撤回的不计。",
        f"逾期件：承诺办结日在本期内、逾期办结或到期未办结的本部门办件，每件扣 {pts('LATE_CASE')} 分；"
        "同一逾期只扣一次，该件的超期红牌和时限黄牌不另扣分（认定情节严重的除外）。",
        "红牌：本期提出的、本部门办件上的其他红牌（收费、环节超时、程序、无理由不予受理、差评整改超期等），"
        f"每张扣 {pts('RED_CARD')} 分。",
        f"黄牌：本期提出的、本部门未逾期办件上的黄牌预警，每张扣 {pts('YELLOW_CARD')} 分。",
        f"严重问题：纪委监委关闭监察卡时认定情节严重的，每张扣 {pts('SERIOUS_ERROR')} 分，"
        "代替该卡的红牌、黄牌分。",
        "纪委监委核实为不属实而关闭的监察卡不扣分，只列示张数。",
        f"差评：本期评价为不满意、很不满意的本部门办件，每件扣 {pts('BAD_RATING')} 分。",
        "投诉：列示本期收到的投诉件数，不扣分；投诉受理超时预警不计入得分。",
        f"加分：本期办结不少于 10 件且全部按时、无逾期件的，加 {pts('FULL_ON_TIME_BONUS')} 分。",
        f"补助资金分单独计算，计入资金主管部门，不计入办件得分：基础分 {base} 分，"
        f"本期提出的红色疑点每条扣 {pts('SUBSIDY_RED_FLAG')} 分，"
        f"黄色预警每条扣 {pts('SUBSIDY_YELLOW_FLAG')} 分，"
        f"认定情节严重的每条扣 {pts('SERIOUS_ERROR')} 分，不属实的不扣分；不主管资金的部门无此分。",
        "监察卡与疑点计入其提出之日所在的考核期，差评计入评价日期所在的考核期。",
        f"等次：{grades}，其余为{BOTTOM_GRADE}。"
        "本期没有办结件、逾期件或扣分事项的部门列示但不排名、不定等次。",
        "考核期结束后才排名；排名在期满后首次查询（或运行 sunshine publish-ranking）时公布并冻结，"
        "此后到达的事实只作为更正列在旁边，不改动已公布的数字。",
    ]
