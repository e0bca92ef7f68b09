"""Ratings of completed cases (好差评) and their rectification."""

from __future__ import annotations

from datetime import date
from typing import Self

import strawberry

from db import calendar as db_calendar
from db import cases as db_cases
from db import ratings as db_ratings
from domain.ratings import RATING_LABELS, RatingLevel, is_bad
from schema.context import Info
from schema.visibility import DEPARTMENTS, OWNER, PUBLIC, field
from services import ratings

strawberry.enum(RatingLevel, name="RatingLevel", description="好差评：非常满意 1 … 非常不满意 5")


@strawberry.type(description="办件评价（好差评）")
class CaseRating:
    owner_department_id: strawberry.Private[int]
    level: RatingLevel = field(PUBLIC, description="评价等级")
    rated_on: date = field(PUBLIC, description="评价日期")
    bad: bool = field(PUBLIC, description="是否差评（不满意、非常不满意）")
    rectify_due_on: date | None = field(PUBLIC, description="差评整改期限（15个工作日）")
    rectified_on: date | None = field(PUBLIC, description="整改完成日期")
    comment: str | None = field(OWNER, description="评价内容")
    rectification: str | None = field(OWNER, description="整改说明")

    @field(PUBLIC, description="评价等级（中文）")
    def level_label(self) -> str:
        return RATING_LABELS[self.level]

    @classmethod
    def from_row(cls, row: db_ratings.RatingRow, owner: int) -> Self:
        level = RatingLevel(row.level)
        return cls(
            owner_department_id=owner,
            level=level,
            rated_on=row.rated_on,
            bad=is_bad(level),
            rectify_due_on=row.rectify_due_on,
            rectified_on=row.rectified_on,
            comment=row.comment,
            rectification=row.rectification,
        )


@strawberry.type
class RatingMutations:
    @field(
        PUBLIC, description="申请人凭办件编号和查询码评价已办结的办件（每件一次）；差评须在15个工作日内整改"
    )
    async def rate_case(
        self, info: Info, case_no: str, query_code: str, level: RatingLevel, comment: str = ""
    ) -> CaseRating:
        calendar = await db_calendar.get_calendar(info.context.db)

        async def check() -> db_ratings.RatingRow:
            async with info.context.pool.acquire() as conn:
                return await ratings.rate(
                    conn,
                    case_no=case_no,
                    query_code=query_code,
                    level=level,
                    comment=comment,
                    at=info.context.now(),
                    calendar=calendar,
                )

        row = await info.context.code_guard.open(kind="case", number=case_no, what="办件编号", check=check)
        case = await db_cases.get_case_by_no(info.context.db, case_no=case_no.strip())
        return CaseRating.from_row(row, case.department_id if case else 0)

    @field(PUBLIC, description="部门提交差评整改说明", callers=DEPARTMENTS)
    async def rectify_rating(self, info: Info, case_no: str, note: str) -> bool:
        viewer = info.context.viewer
        department_id, _ = viewer.department()
        async with info.context.pool.acquire() as conn:
            await ratings.rectify(
                conn,
                case_no=case_no,
                department_id=department_id,
                staff=viewer.staff_no or viewer.subject or "unknown",
                note=note,
                at=info.context.now(),
            )
        return True
