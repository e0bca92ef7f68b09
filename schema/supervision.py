"""Electronic supervision (电子监察): cards (黄牌预警、红牌纠错), the locks red cards put on cases,
and the rules that raise them."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Protocol, Self, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types.enum import EnumValueDefinition

from db import cards as db_cards
from db import executor
from db import subsidies as db_subsidies
from domain.errors import InvalidInput, NotFound
from domain.supervision import COLOR_LABELS, RULE_LABELS
from schema.context import Info
from schema.notifications import Notification
from schema.org import Department, RegionLevel, region_of_level
from schema.pagination import Connection, InvalidCursor, decode_cursor, edges_and_info, page_size
from schema.red_flags import FlagOfficial, FlagPayment, OtherHolder
from schema.scope import requested_department
from schema.subsidies import AlertMember, AlertPayment
from schema.visibility import DEPARTMENTS, DISCIPLINE_ONLY, OFFICIALS, OWNER, PUBLIC, field
from services import supervision

CARD_STATUS_LABELS = {"open": "待说明", "explained": "已说明", "closed": "已关闭"}


@strawberry.enum(
    description="纪委监委关闭监察卡时的认定（计入部门绩效）：UPHELD 属实，按红牌、黄牌或疑点计分；"
    "UNFOUNDED 不属实，不计分；SERIOUS 属实且情节严重，按严重问题计分"
)
class CardOutcome(Enum):
    UPHELD = "upheld"
    UNFOUNDED = "unfounded"
    SERIOUS = "serious"


def spelling(value: Enum) -> str:
    """How the database spells an enum's value (strawberry keeps an ``enum_value``'s text as it)."""
    return str(value.value)


def _rule(code: str) -> EnumValueDefinition:
    return strawberry.enum_value(code, description=RULE_LABELS[code])


@strawberry.enum(description="监察规则（办件监察、惠民资金疑点、好差评与投诉建议）")
class CardRule(Enum):
    NEAR_DEADLINE = _rule("NEAR_DEADLINE")
    DAY_BEFORE_DEADLINE = _rule("DAY_BEFORE_DEADLINE")
    OVERDUE = _rule("OVERDUE")
    STEP_OVERDUE = _rule("STEP_OVERDUE")
    FEE_MISMATCH = _rule("FEE_MISMATCH")
    STEP_OUT_OF_ORDER = _rule("STEP_OUT_OF_ORDER")
    STEP_SKIPPED = _rule("STEP_SKIPPED")
    REFUSAL_WITHOUT_REASON = _rule("REFUSAL_WITHOUT_REASON")
    RECTIFICATION_OVERDUE = _rule("RECTIFICATION_OVERDUE")
    COMPLAINT_NOT_DECIDED = _rule("COMPLAINT_NOT_DECIDED")
    PAID_AFTER_DEATH = _rule("PAID_AFTER_DEATH")
    BENEFICIARY_IS_OFFICIAL = _rule("BENEFICIARY_IS_OFFICIAL")
    DUPLICATE_BENEFIT = _rule("DUPLICATE_BENEFIT")
    ABOVE_STANDARD = _rule("ABOVE_STANDARD")
    INVALID_OR_SHARED_ID = _rule("INVALID_OR_SHARED_ID")
    LATE_DISBURSEMENT = _rule("LATE_DISBURSEMENT")


@strawberry.enum(description="监察卡颜色")
class CardColor(Enum):
    YELLOW = strawberry.enum_value("yellow", description="黄牌（预警）")
    RED = strawberry.enum_value("red", description="红牌（纠错）")


@strawberry.enum(description="监察卡状态：发牌 → 部门说明 → 纪委监委关闭")
class CardStatus(Enum):
    OPEN = strawberry.enum_value("open", description="待说明")
    EXPLAINED = strawberry.enum_value("explained", description="已说明，待纪委监委审核")
    CLOSED = strawberry.enum_value("closed", description="已关闭")


@strawberry.enum(description="监察卡针对什么")
class CardKind(Enum):
    CASE = strawberry.enum_value("case", description="办件（电子监察）")
    PAYMENT = strawberry.enum_value("payment", description="惠民资金（疑点）")
    COMPLAINT = strawberry.enum_value("complaint", description="投诉建议")


@strawberry.enum(description="监察卡排序")
class CardOrder(Enum):
    NEWEST = strawberry.enum_value("newest", description="发牌日期新的在前（默认）")
    OLDEST = strawberry.enum_value("oldest", description="发牌日期早的在前")
    DUE = strawberry.enum_value(
        "due",
        description="到期早的在前：办件卡按办件的承诺办结日期，投诉建议卡按受理期限，"
        "惠民资金疑点按发牌日期（资金已发出，即刻到期）",
    )


@strawberry.type(description="锁定、说明与解锁记录")
class LockRecord:
    owner_department_id: strawberry.Private[int]
    action: str | None = field(OWNER, description="locked / explained / returned / escalated / released")
    actor: str | None = field(OWNER, description="操作人")
    note: str | None = field(OWNER, description="说明或备注")
    at: datetime | None = field(OWNER, description="时间")


@strawberry.type(description="电子监察卡：黄牌预警、红牌纠错")
class Card:
    owner_department_id: strawberry.Private[int]
    case_id: strawberry.Private[int | None]
    payment_ref: strawberry.Private[tuple[int, int] | None]
    member_id: strawberry.Private[int | None]
    id: int = field(PUBLIC, description="编号")
    kind: CardKind | None = field(OWNER, description="针对办件、惠民资金还是投诉建议")
    case_no: str | None = field(OWNER, description="办件编号")
    rule: CardRule | None = field(OWNER, description="触发的监察规则")
    rule_label: str | None = field(OWNER, description="规则（中文）")
    color: CardColor | None = field(OWNER, description="黄牌 / 红牌")
    color_label: str | None = field(OWNER, description="黄牌 / 红牌（中文）")
    subject: str | None = field(OWNER, description="涉及的环节；整件为空")
    evidence: JSON | None = field(OWNER, description="证据：规则用到的数字与日期")
    staff_no: str | None = field(OWNER, description="责任人工号")
    raised_at: datetime | None = field(OWNER, description="发牌时间")
    due_on: date | None = field(
        OWNER, description="到期日（排序 DUE 所用）：办件的承诺办结日期、投诉建议的受理期限或疑点的发牌日期"
    )
    status: CardStatus | None = field(OWNER, description="状态")
    status_label: str | None = field(OWNER, description="状态（中文）")
    explanation: str | None = field(OWNER, description="部门说明")
    explained_by: str | None = field(OWNER, description="说明人")
    explained_at: datetime | None = field(OWNER, description="说明时间")
    closed_by: str | None = field(OWNER, description="关闭人（纪委监委）")
    closed_at: datetime | None = field(OWNER, description="关闭时间")
    closing_note: str | None = field(OWNER, description="关闭意见")
    outcome: CardOutcome | None = field(OWNER, description="关闭时的认定（计入部门绩效）；未关闭为空")
    explain_due_on: date | None = field(
        OWNER, description="退回或督办后部门重新说明、整改的期限；未退回、未督办为空"
    )
    escalated_at: datetime | None = field(OWNER, description="督办时间；未督办为空")
    escalated_by: str | None = field(OWNER, description="督办人（纪委监委）")
    escalation_note: str | None = field(OWNER, description="督办意见")

    @classmethod
    def from_row(cls, row: db_cards.CardRow) -> Self:
        kind = (
            CardKind.CASE
            if row.case_id is not None
            else CardKind.COMPLAINT
            if row.complaint_id is not None
            else CardKind.PAYMENT
        )
        return cls(
            owner_department_id=row.department_id,
            case_id=row.case_id,
            payment_ref=(row.payment_year, row.payment_id)
            if row.payment_year is not None and row.payment_id is not None
            else None,
            member_id=row.member_id,
            id=row.id,
            kind=kind,
            case_no=row.case_no,
            rule=CardRule(row.rule_code),
            rule_label=RULE_LABELS.get(row.rule_code, row.rule_code),
            color=CardColor(row.color),
            color_label=COLOR_LABELS[row.color],
            subject=row.subject,
            evidence=cast("JSON", row.evidence),
            staff_no=row.staff_no,
            raised_at=row.raised_at,
            due_on=row.due_on,
            status=CardStatus(row.status),
            status_label=CARD_STATUS_LABELS[row.status],
            explanation=row.explanation,
            explained_by=row.explained_by,
            explained_at=row.explained_at,
            closed_by=row.closed_by,
            closed_at=row.closed_at,
            closing_note=row.closing_note,
            outcome=CardOutcome(row.outcome) if row.outcome else None,
            explain_due_on=row.explain_due_on,
            escalated_at=row.escalated_at,
            escalated_by=row.escalated_by,
            escalation_note=row.escalation_note,
        )

    @field(PUBLIC, description="被发牌的部门")
    async def department(self, info: Info) -> Department | None:
        row = await info.context.loaders.department.load(self.owner_department_id)
        return Department.from_row(row) if row else None

    @field(OWNER, description="办件是否仍被锁定（红牌全部关闭后解锁）；非办件卡为 null")
    async def case_locked(self, info: Info) -> bool | None:
        row = await info.context.loaders.case.load(self.case_id) if self.case_id is not None else None
        return row.locked if row else None

    @field(OWNER, description="这张卡发出的通知：通知了谁、是否送达、每次尝试")
    async def notifications(self, info: Info) -> list[Notification] | None:
        return [Notification.from_row(r) for r in await info.context.loaders.card_notifications.load(self.id)]

    @field(OWNER, description="惠民资金疑点：涉及的人及其户")
    async def member(self, info: Info) -> AlertMember | None:
        if self.member_id is None:
            return None
        row = await info.context.loaders.member.load(self.member_id)
        return AlertMember.from_row(row, self.owner_department_id) if row else None

    @field(OWNER, description="惠民资金疑点（针对一笔补助的）：那笔补助及其四个监测点记录")
    async def payment(self, info: Info) -> AlertPayment | None:
        if self.payment_ref is None:
            return None
        row = await info.context.loaders.payment.load(self.payment_ref)
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

    @field(
        OWNER,
        description="惠民资金疑点背后的补助，所属期新的在前（最多 first 笔）：针对一笔补助的疑点为那一笔；"
        "针对人的疑点为其有关补助（公职人员疑点：该项资金；重复领取：同一用途的各项资金；身份证号码疑点：全部）",
    )
    async def payments(self, info: Info, first: int = 20) -> list[FlagPayment] | None:
        if self.member_id is None:
            return []
        size = page_size(first, info.context.limits)
        rows = await info.context.loaders.flag_payments.load((self.id, size))
        return [FlagPayment.from_row(r, self.owner_department_id) for r in rows]

    @field(OWNER, description="惠民资金疑点背后的补助共多少笔")
    async def payment_count(self, info: Info) -> int | None:
        return (
            await info.context.loaders.flag_payment_counts.load(self.id) if self.member_id is not None else 0
        )

    @field(
        OWNER,
        description="身份证号码多人共用的疑点：使用同一号码的其他人（本部门与纪委监委见原文，读取记入审计）",
    )
    async def other_holders(self, info: Info) -> list[OtherHolder] | None:
        return [
            OtherHolder.from_row(r, self.owner_department_id)
            for r in await info.context.loaders.flag_other_holders.load(self.id)
        ]

    @field(OWNER, description="受益人为公职人员、村干部或其亲属的疑点：所涉人员的职务与部门")
    async def officials(self, info: Info) -> list[FlagOfficial] | None:
        return [
            FlagOfficial.from_row(r, self.owner_department_id)
            for r in await info.context.loaders.flag_officials.load(self.id)
        ]


@strawberry.type(description="监察卡分页")
class CardConnection(Connection[Card]):
    scope: strawberry.Private[db_cards.CardScope]

    @field(PUBLIC, description="符合筛选条件的监察卡总数（不分页）")
    async def total_count(self, info: Info) -> int:
        return await db_cards.count_cards(info.context.db, scope=self.scope)


@strawberry.input(description="监察卡筛选；各条件同时满足")
class CardFilter:
    department_code: str | None = strawberry.field(default=None, description="部门编码（部门只能指定本部门）")
    kind: CardKind | None = strawberry.field(default=None, description="针对办件、惠民资金还是投诉建议")
    rule: CardRule | None = strawberry.field(default=None, description="监察规则")
    color: CardColor | None = strawberry.field(default=None, description="颜色")
    status: CardStatus | None = strawberry.field(default=None, description="状态")
    township_code: str | None = strawberry.field(
        default=None, description="乡镇（街道）代码（9位）：办件所在地或受益人所在村属于该乡镇"
    )
    fund_code: str | None = strawberry.field(default=None, description="资金编码：疑点背后有该项资金的补助")
    raised_from: date | None = strawberry.field(default=None, description="发牌日期起（含）")
    raised_to: date | None = strawberry.field(default=None, description="发牌日期止（含）")


async def card_scope(info: Info, f: CardFilter) -> db_cards.CardScope:
    """The filter as the data layer's scope: codes made ids, the viewer's department applied."""
    department_id = await requested_department(
        info.context, f.department_code, refusal="部门只能查看本部门的监察卡"
    )
    if f.township_code is not None:
        await region_of_level(info.context, f.township_code, RegionLevel.TOWNSHIP)
    fund_id = None
    if f.fund_code is not None:
        fund = await db_subsidies.get_fund_by_code(info.context.db, code=f.fund_code)
        if fund is None:
            raise NotFound(f"未找到资金 {f.fund_code}", code="FUND_NOT_FOUND")
        fund_id = fund.id
    if f.raised_from and f.raised_to and f.raised_from > f.raised_to:
        raise InvalidInput("发牌日期起 raisedFrom 不能晚于止 raisedTo", code="INVALID_FIELD")
    return db_cards.CardScope(
        department_id=department_id,
        kind=spelling(f.kind) if f.kind else None,
        rule_code=spelling(f.rule) if f.rule else None,
        color=spelling(f.color) if f.color else None,
        status=spelling(f.status) if f.status else None,
        township_code=f.township_code,
        fund_id=fund_id,
        raised_from=f.raised_from,
        raised_to=f.raised_to,
    )


def _card_key(order: CardOrder, card: db_cards.CardRow) -> str:
    """The cursor's key: the order it was written for, then the row's day in that order and id."""
    day = card.due_on if order is CardOrder.DUE else card.raised_on
    return f"{spelling(order)}/{day}/{card.id}"


def _after_card(order: CardOrder, cursor: str | None) -> tuple[date, int] | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    written_for, _, rest = key.partition("/")
    day, _, last = rest.partition("/")
    if written_for != spelling(order):
        raise InvalidCursor("分页游标属于另一种排序：换排序时请从第一页开始")
    try:
        if not last.isascii() or not last.isdigit() or len(last) > 18:
            raise ValueError(last)
        return date.fromisoformat(day), int(last)
    except ValueError:
        raise InvalidCursor("分页游标无效：请使用上一页返回的 endCursor") from None


@strawberry.type(description="监察规则")
class SupervisionRule:
    code: str = field(PUBLIC, description="规则编码")
    color: str = field(PUBLIC, description="yellow / red")
    enabled: bool = field(PUBLIC, description="是否启用（全局；事项可单独覆盖）")
    params: JSON = field(PUBLIC, description="参数")
    description: str = field(PUBLIC, description="说明")


@strawberry.type
class SupervisionQueries:
    @field(
        PUBLIC,
        description="监察卡（部门只见本部门的，纪委监委见全县）：按规则、颜色、状态、部门、乡镇、资金、发牌日期筛选，"
        "按发牌日期或到期日排序，带总数",
        callers=OFFICIALS,
    )
    async def cards(
        self,
        info: Info,
        filter: CardFilter | None = None,
        order_by: CardOrder = CardOrder.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> CardConnection:
        size = page_size(first, info.context.limits)
        position = _after_card(order_by, after)
        scope = await card_scope(info, filter or CardFilter())
        rows = await db_cards.list_cards(
            info.context.db, scope=scope, order=spelling(order_by), after=position, limit=size + 1
        )
        edges, page_info = edges_and_info(rows, size, lambda r: _card_key(order_by, r), Card.from_row)
        return CardConnection(edges=edges, page_info=page_info, scope=scope)

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

    @field(
        PUBLIC,
        description="纪委监委关闭监察卡并认定属实、不属实（不计分）或情节严重；红牌全部关闭后办件解锁",
        callers=DISCIPLINE_ONLY,
    )
    async def close_card(
        self, info: Info, card_id: int, note: str, outcome: CardOutcome = CardOutcome.UPHELD
    ) -> Card:
        viewer = info.context.viewer
        async with info.context.pool.acquire() as conn:
            row = await supervision.close(
                conn,
                card_id=card_id,
                inspector=viewer.staff_no or viewer.subject or "unknown",
                note=note,
                outcome=outcome.value,
            )
        return Card.from_row(row)

    @field(
        PUBLIC,
        description="纪委监委退回部门的说明（须重新说明）：监察卡回到待说明，并限期（dueOn）；红牌办件仍锁定",
        callers=DISCIPLINE_ONLY,
    )
    async def return_card(self, info: Info, card_id: int, note: str, due_on: date) -> Card:
        return await _review(info, supervision.return_card, card_id, note, due_on)

    @field(
        PUBLIC,
        description="纪委监委督办监察卡：限期（dueOn）整改并说明，督办意见与期限记入办件的锁定记录",
        callers=DISCIPLINE_ONLY,
    )
    async def escalate_card(self, info: Info, card_id: int, note: str, due_on: date) -> Card:
        return await _review(info, supervision.escalate, card_id, note, due_on)


class Review(Protocol):
    """A review of a card by discipline (services.supervision.return_card, escalate)."""

    async def __call__(
        self, conn: executor.Connection, *, card_id: int, inspector: str, note: str, due_on: date, today: date
    ) -> db_cards.CardRow: ...


async def _review(info: Info, act: Review, card_id: int, note: str, due_on: date) -> Card:
    """Discipline returns or escalates a card, in the inspector's name, by a deadline."""
    viewer = info.context.viewer
    async with info.context.pool.acquire() as conn:
        row = await act(
            conn,
            card_id=card_id,
            inspector=viewer.staff_no or viewer.subject or "unknown",
            note=note,
            due_on=due_on,
            today=info.context.today,
        )
    return Card.from_row(row)
