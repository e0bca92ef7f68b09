"""Department performance (绩效评估): the ranking for a month or a quarter."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from db import calendar as db_calendar
from db import org
from domain.performance import parse_period
from schema.context import Info
from schema.org import Department
from schema.visibility import PUBLIC, field
from services import performance


@strawberry.type(description="部门绩效（一个考核期）")
class DepartmentScore:
    department_id: strawberry.Private[int]
    rank: int = field(PUBLIC, description="名次")
    grade: str = field(PUBLIC, description="等次：优秀、良好、一般、较差")
    score: Decimal = field(PUBLIC, description="得分 = 基础分 + 加分 − 扣分")
    bonus: Decimal = field(PUBLIC, description="加分")
    deductions: Decimal = field(PUBLIC, description="扣分")
    completed: int = field(PUBLIC, description="办结件数")
    on_time: int = field(PUBLIC, description="按时办结件数")
    on_time_rate: float | None = field(PUBLIC, description="按时办结率")
    average_used_days: float | None = field(PUBLIC, description="平均实际用时（工作日）")
    average_promised_days: float | None = field(PUBLIC, description="平均承诺时限（工作日）")
    late_cases: int = field(PUBLIC, description="逾期件数")
    yellow_cards: int = field(PUBLIC, description="黄牌数")
    red_cards: int = field(PUBLIC, description="红牌数")
    bad_ratings: int = field(PUBLIC, description="差评数")
    complaints: int = field(PUBLIC, description="投诉数")

    @field(PUBLIC, description="部门")
    async def department(self, info: Info) -> Department | None:
        row = await info.context.loaders.department.load(self.department_id)
        return Department.from_row(row) if row else None


@strawberry.type(description="部门绩效排名")
class PerformanceReport:
    period: str = field(PUBLIC, description="考核期")
    start: date = field(PUBLIC, description="起（含）")
    end: date = field(PUBLIC, description="止（不含）")
    rows: list[DepartmentScore] = field(PUBLIC, description="按得分排名")


@strawberry.type
class PerformanceQueries:
    @field(PUBLIC, description="部门绩效排名（月度如 2026-10，季度如 2026Q3），按 100 分基础分加减")
    async def department_performance(self, info: Info, period: str) -> PerformanceReport:
        parsed = parse_period(period)
        calendar = await db_calendar.get_calendar(info.context.db)
        departments = await org.list_departments(info.context.db, region_code=None, service_level=None)
        scores = await performance.evaluate(
            info.context.db,
            period=parsed,
            calendar=calendar,
            today=info.context.today,
            department_ids=[d.id for d in departments],
        )
        return PerformanceReport(
            period=parsed.label,
            start=parsed.start,
            end=parsed.end,
            rows=[
                DepartmentScore(
                    department_id=s.facts.department_id,
                    rank=s.rank,
                    grade=s.grade,
                    score=s.score,
                    bonus=s.bonus,
                    deductions=s.deductions,
                    completed=s.facts.completed,
                    on_time=s.facts.on_time,
                    on_time_rate=s.on_time_rate,
                    average_used_days=s.average_used_days,
                    average_promised_days=s.average_promised_days,
                    late_cases=s.facts.late,
                    yellow_cards=s.facts.yellow_cards,
                    red_cards=s.facts.red_cards,
                    bad_ratings=s.facts.bad_ratings,
                    complaints=s.facts.complaints,
                )
                for s in scores
            ],
        )
