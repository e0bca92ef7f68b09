"""Electronic supervision (电子监察): cards (黄牌预警、红牌纠错), the locks red cards put on cases,
and the rules that raise them."""

from __future__ import annotations

from datetime import datetime
from typing import Self, cast

import strawberry
from strawberry.scalars import JSON

from db import cards as db_cards
from db import subsidies as db_subsidies
from domain.supervision import COLOR_LABELS, RULE_LABELS
from schema.context import Info
from schema.org import Department
from schema.pagination import (
    Connection,
    decode_id_cursor,
    edges_and_info,
    page_size,
)
from schema.scope import requested_department
from schema.subsidies import AlertMember, AlertPayment
from schema.visibility import DEPARTMENTS, DISCIPLINE_ONLY, OFFICIALS, OWNER, PUBLIC, field
from services import supervision

CARD_STATUS_LABELS = {"open": "待说明", "explained": "已说明", "closed": "已关闭"}


@strawberry.type(description="锁定、说明与解锁记录")
class LockRecord:
    owner_department_id: strawberry.Private[int]
    action: str | None = field(OWNER, description="locked / explained / released")
    actor: str | None = field(OWNER, description="操作人")
    note: str | None = field(OWNER, description="说明或备注")
    at: datetime | None = field(OWNER, description="时间")


@strawberry.type(description="电子监察卡：黄牌预警、红牌纠错")
class Card:
    owner_department_id: strawberry.Private[int]
    payment_ref: strawberry.Private[tuple[int, int] | None]
    member_id: strawberry.Private[int | None]
    id: int = field(PUBLIC, description="编号")
    case_no: str | None = field(OWNER, description="办件编号")
    rule: str | None = field(OWNER, description="触发的监察规则")
    rule_label: str | None = field(OWNER, description="规则（中文）")
    color: str | None = field(OWNER, description="yellow / red")
    color_label: str | None = field(OWNER, description="黄牌 / 红牌")
    subject: str | None = field(OWNER, description="涉及的环节；整件为空")
    evidence: JSON | None = field(OWNER, description="证据：规则用到的数字与日期")
    staff_no: str | None = field(OWNER, description="责任人工号")
    raised_at: datetime | None = field(OWNER, description="发牌时间")
    status: str | None = field(OWNER, description="open / explained / closed")
    status_label: str | None = field(OWNER, description="状态（中文）")
    explanation: str | None = field(OWNER, description="部门说明")
    explained_by: str | None = field(OWNER, description="说明人")
    closed_by: str | None = field(OWNER, description="关闭人（纪委监委）")
    closing_note: str | None = field(OWNER, description="关闭意见")

    @classmethod
    def from_row(cls, row: db_cards.CardRow) -> Self:
        return cls(
            owner_department_id=row.department_id,
            payment_ref=(row.payment_year, row.payment_id)
            if row.payment_year is not None and row.payment_id is not None
            else None,
            member_id=row.member_id,
            id=row.id,
            case_no=row.case_no,
            rule=row.rule_code,
            rule_label=RULE_LABELS.get(row.rule_code, row.rule_code),
            color=row.color,
            color_label=COLOR_LABELS[row.color],
            subject=row.subject,
            evidence=cast("JSON", row.evidence),
            staff_no=row.staff_no,
            raised_at=row.raised_at,
            status=row.status,
            status_label=CARD_STATUS_LABELS[row.status],
            explanation=row.explanation,
            explained_by=row.explained_by,
            closed_by=row.closed_by,
            closing_note=row.closing_note,
        )

    @field(PUBLIC, description="被发牌的部门")
    async def department(self, info: Info) -> Department | None:
        row = await info.context.loaders.department.load(self.owner_department_id)
        return Department.from_row(row) if row else None

    @field(OWNER, description="惠民资金疑点：涉及的人及其户")
    async def member(self, info: Info) -> AlertMember | None:
        if self.member_id is None:
            return None
        row = await info.context.loaders.member.load(self.member_id)
        return AlertMember.from_row(row, self.owner_department_id) if row else None

    @field(OWNER, description="惠民资金疑点：涉及的补助及其四个监测点记录")
    async def payment(self, info: Info) -> AlertPayment | None:
        if self.payment_ref is None:
            return None
        year, payment_id = self.payment_ref
        row = await db_subsidies.get_payment(info.context.db, year=year, payment_id=payment_id)
        if row is None:
            return None
        return AlertPayment(
            owner_department_id=self.owner_department_id,
            year=row.year,
            id=row.id,
            payment_no=row.payment_no,
            fund_name=row.fund_name,
            batch_no=row.batch_no,
            period=row.period,
            amount_yuan=row.amount_yuan,
            land_mu=row.land_mu,
        )


@strawberry.type(description="监察卡分页（新的在前）")
class CardConnection(Connection[Card]):
    pass


@strawberry.input(description="监察卡筛选")
class CardFilter:
    department_code: str | None = None
    kind: str | None = strawberry.field(default=None, description="case（办件监察）/ payment（惠民资金疑点）")
    status: str | None = strawberry.field(default=None, description="open / explained / closed")
    color: str | None = strawberry.field(default=None, description="yellow / red")


@strawberry.type(description="监察规则")
class SupervisionRule:
    code: str = field(PUBLIC, description="规则编码")
    color: str = field(PUBLIC, description="yellow / red")
    enabled: bool = field(PUBLIC, description="是否启用（全局；事项可单独覆盖）")
    params: JSON = field(PUBLIC, description="参数")
    description: str = field(PUBLIC, description="说明")


@strawberry.type
class SupervisionQueries:
    @field(PUBLIC, description="监察卡（部门只见本部门的），新的在前", callers=OFFICIALS)
    async def cards(
        self, info: Info, filter: CardFilter | None = None, first: int | None = None, after: str | None = None
    ) -> CardConnection:
        f = filter or CardFilter()
        size = page_size(first, info.context.limits)
        department_id = await requested_department(
            info, f.department_code, refusal="部门只能查看本部门的监察卡"
        )
        rows = await db_cards.list_cards(
            info.context.db,
            department_id=department_id,
            status=f.status,
            color=f.color,
            kind=f.kind,
            before_id=decode_id_cursor(after),
            limit=size + 1,
        )
        edges, page_info = edges_and_info(rows, size, lambda r: str(r.id), Card.from_row)
        return CardConnection(edges=edges, page_info=page_info)

    @field(PUBLIC, description="电子监察规则及其参数")
    async def supervision_rules(self, info: Info) -> list[SupervisionRule]:
        return [
            SupervisionRule(
                code=r.code,
                color=r.color,
                enabled=r.enabled,
                params=cast("JSON", r.params),
                description=r.description,
            )
            for r in await db_cards.list_rules(info.context.db)
        ]


@strawberry.type
class SupervisionMutations:
    @field(PUBLIC, description="部门对本部门的监察卡提交说明（红牌锁定的办件须先说明）", callers=DEPARTMENTS)
    async def explain_card(self, info: Info, card_id: int, explanation: str) -> Card:
        viewer = info.context.viewer
        department_id, _ = viewer.department()
        async with info.context.pool.acquire() as conn:
            row = await supervision.explain(
                conn,
                card_id=card_id,
                department_id=department_id,
                staff=viewer.staff_no or viewer.subject or "unknown",
                explanation=explanation,
            )
        return Card.from_row(row)

    @field(PUBLIC, description="纪委监委关闭监察卡；红牌全部关闭后办件解锁", callers=DISCIPLINE_ONLY)
    async def close_card(self, info: Info, card_id: int, note: str) -> Card:
        viewer = info.context.viewer
        async with info.context.pool.acquire() as conn:
            row = await supervision.close(
                conn, card_id=card_id, inspector=viewer.staff_no or viewer.subject or "unknown", note=note
            )
        return Card.from_row(row)
