"""Department performance (绩效评估): the ranking for a month or a quarter, as published, with its
rule written out and the corrections that arrived after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from db import calendar as db_calendar
from db import org
from domain.calendar import china_time
from domain.performance import Score, parse_period, rules_text
from domain.rankings import Correction
from schema.context import Info
from schema.org import Department
from schema.visibility import PUBLIC, field
from services import performance


@strawberry.type(description="部门绩效（一个考核期）")
class DepartmentScore:
    department_id: strawberry.Private[int]
    rank: int | None = field(PUBLIC, description="名次；不参加排名的部门为空（见 note）")
    grade: str | None = field(PUBLIC, description="等次：优秀、良好、一般、较差；不参加排名的部门为空")
    note: str | None = field(PUBLIC, description="说明（如不参加排名的原因）")
    score: Decimal = field(PUBLIC, description="办件得分 = 基础分 + 加分 − 扣分")
    bonus: Decimal = field(PUBLIC, description="加分")
    deductions: Decimal = field(PUBLIC, description="扣分")
    completed: int = field(PUBLIC, description="已受理并在本期办结的件数")
    on_time: int = field(PUBLIC, description="按时办结件数")
    on_time_rate: float | None = field(PUBLIC, description="按时办结率")
    average_used_days: float | None = field(PUBLIC, description="平均实际用时（工作日）")
    average_promised_days: float | None = field(PUBLIC, description="平均承诺时限（工作日）")
    late_cases: int = field(PUBLIC, description="逾期件数（承诺办结日在本期内）")
    yellow_cards: int = field(PUBLIC, description="计分的黄牌数")
    red_cards: int = field(PUBLIC, description="计分的红牌数（不含已按逾期件扣分的超期红牌）")
    serious_errors: int = field(PUBLIC, description="认定情节严重的监察卡数")
    unfounded_cards: int = field(PUBLIC, description="核实不属实而关闭、不扣分的监察卡数")
    late_case_cards: int = field(PUBLIC, description="逾期件上的时限卡数（已按逾期件扣分，不另扣）")
    bad_ratings: int = field(PUBLIC, description="差评数")
    complaints: int = field(PUBLIC, description="投诉数（列示，不扣分）")
    subsidy_score: Decimal | None = field(
        PUBLIC, description="补助资金分（单独计算，不计入办件得分）；不主管资金的部门为空"
    )
    subsidy_deductions: Decimal | None = field(PUBLIC, description="补助资金分的扣分")
    subsidy_red_flags: int = field(PUBLIC, description="本部门主管资金的红色疑点数")
    subsidy_yellow_flags: int = field(PUBLIC, description="本部门主管资金的黄色预警数")

    @field(PUBLIC, description="部门")
    async def department(self, info: Info) -> Department | None:
        row = await info.context.loaders.department.load(self.department_id)
        return Department.from_row(row) if row else None

    @classmethod
    def from_score(cls, s: Score) -> DepartmentScore:
        f = s.facts
        return cls(
            department_id=f.department_id,
            rank=s.rank,
            grade=s.grade,
            note=s.note,
            score=s.score,
            bonus=s.bonus,
            deductions=s.deductions,
            completed=f.completed,
            on_time=f.on_time,
            on_time_rate=s.on_time_rate,
            average_used_days=s.average_used_days,
            average_promised_days=s.average_promised_days,
            late_cases=f.late,
            yellow_cards=f.yellow_cards,
            red_cards=f.red_cards,
            serious_errors=f.serious_errors,
            unfounded_cards=f.unfounded_cards,
            late_case_cards=f.late_case_cards,
            bad_ratings=f.bad_ratings,
            complaints=f.complaints,
            subsidy_score=s.subsidy_score,
            subsidy_deductions=s.subsidy_deductions,
            subsidy_red_flags=f.subsidy_red_flags,
            subsidy_yellow_flags=f.subsidy_yellow_flags,
        )


@strawberry.type(description="公布后到达的事实对已公布数字的更正（已公布的数字不变）")
class RankingCorrection:
    department_id: strawberry.Private[int]
    field_name: str = field(PUBLIC, name="field", description="更正的项目（本类型 DepartmentScore 的字段名）")
    published: str | None = field(PUBLIC, description="公布时的数字")
    now: str | None = field(PUBLIC, description="按现有事实的数字")

    @field(PUBLIC, description="部门")
    async def department(self, info: Info) -> Department | None:
        row = await info.context.loaders.department.load(self.department_id)
        return Department.from_row(row) if row else None

    @classmethod
    def from_correction(cls, c: Correction) -> RankingCorrection:
        return cls(department_id=c.department_id, field_name=c.figure, published=c.published, now=c.now)


@strawberry.type(description="部门绩效排名（公布后冻结）")
class PerformanceReport:
    period: str = field(PUBLIC, description="考核期")
    start: date = field(PUBLIC, description="起（含）")
    end: date = field(PUBLIC, description="止（不含）")
    published_at: datetime = field(PUBLIC, description="公布时间（此后数字冻结）")
    rule_version: str = field(PUBLIC, description="计分规则版本")
    rules: list[str] = field(PUBLIC, description="计分规则（逐条，按公布时的分值）")
    rows: list[DepartmentScore] = field(
        PUBLIC, description="公布时的数字：参加排名的按得分排列，其后为不排名的部门"
    )
    corrections: list[RankingCorrection] = field(
        PUBLIC, description="公布后到达的事实带来的更正，逐部门逐项列出；为空表示没有更正"
    )


@strawberry.type
class PerformanceQueries:
    @field(
        PUBLIC,
        description="部门绩效排名（月度如 2026-10，季度如 2026Q3），按 100 分基础分加减；"
        "考核期结束后才排名（否则 PERIOD_NOT_ENDED），首次查询时公布并冻结",
    )
    async def department_performance(self, info: Info, period: str) -> PerformanceReport:
        parsed = parse_period(period)
        calendar = await db_calendar.get_calendar(info.context.db)
        departments = await org.list_departments(info.context.db, region_code=None, service_level=None)
        ranking = await performance.get_ranking(
            info.context.db,
            writes=info.context.pool,  # publishing on first read writes: on the primary
            period=parsed,
            calendar=calendar,
            today=info.context.today,
            now=info.context.now(),
            department_ids=[d.id for d in departments],
        )
        return PerformanceReport(
            period=parsed.label,
            start=parsed.start,
            end=parsed.end,
            published_at=china_time(ranking.published_at),
            rule_version=ranking.rule_version,
            rules=rules_text(ranking.rules),
            rows=[DepartmentScore.from_score(s) for s in ranking.rows],
            corrections=[RankingCorrection.from_correction(c) for c in ranking.corrections],
        )
