"""The live supervision feed (监察动态): events as they happen, over a WebSocket subscription
(``supervisionFeed``) or read after a cursor (``supervisionEvents``), and the public's live counts
for the big screen (``liveCounts``).

An event is visible to whom its record is: discipline sees every event, a department its own
(row level, as the card list); each field is declared like any other, and the records an event
links to (``card``, ``complaint``) are the query side's own types, with their masks and audit.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol, Self, TypeVar

import strawberry
from graphql.execution import Executor

from db import feed as db_feed
from domain.errors import DomainError, InvalidInput
from domain.supervision import COLOR_LABELS, RULE_LABELS
from schema.complaints import Complaint
from schema.context import Info
from schema.org import Department, Region
from schema.pagination import decode_id_cursor, encode_cursor, page_size
from schema.scope import department_scope, requested_department
from schema.supervision import Card, CardColor, CardRule
from schema.visibility import OFFICIALS, OWNER, PUBLIC, field
from services.feed import FeedHub, LiveCounts, Records, count_live

Answer = TypeVar("Answer")

KIND_LABELS = {
    "CARD_RAISED": "发牌",
    "CARD_EXPLAINED": "部门已说明",
    "CARD_RETURNED": "退回重新说明",
    "CARD_ESCALATED": "督办",
    "CARD_CLOSED": "关闭监察卡",
    "CASE_LOCKED": "办件锁定",
    "CASE_RELEASED": "办件解锁",
    "COMPLAINT_FILED": "收到投诉建议",
    "COMPLAINT_OVERDUE": "投诉建议逾期未受理",
    "BAD_RATING": "差评",
    "RECTIFICATION_OVERDUE": "差评逾期未整改",
}


def _kind(code: str) -> Any:
    return strawberry.enum_value(code, description=KIND_LABELS[code])


@strawberry.enum(description="监察动态的种类")
class FeedEventKind(Enum):
    CARD_RAISED = _kind("CARD_RAISED")
    CARD_EXPLAINED = _kind("CARD_EXPLAINED")
    CARD_RETURNED = _kind("CARD_RETURNED")
    CARD_ESCALATED = _kind("CARD_ESCALATED")
    CARD_CLOSED = _kind("CARD_CLOSED")
    CASE_LOCKED = _kind("CASE_LOCKED")
    CASE_RELEASED = _kind("CASE_RELEASED")
    COMPLAINT_FILED = _kind("COMPLAINT_FILED")
    COMPLAINT_OVERDUE = _kind("COMPLAINT_OVERDUE")
    BAD_RATING = _kind("BAD_RATING")
    RECTIFICATION_OVERDUE = _kind("RECTIFICATION_OVERDUE")


class FeedUnavailable(DomainError):
    code = "FEED_UNAVAILABLE"


@strawberry.type(description="监察动态：发牌、说明、退回、督办、关闭，锁定与解锁，投诉建议，差评")
class FeedEvent:
    owner_department_id: strawberry.Private[int | None]
    ref_type: strawberry.Private[str]
    ref_id: strawberry.Private[int]
    payload: strawberry.Private[dict[str, Any]]
    cursor: str = field(PUBLIC, description="这条动态的游标：断线重连时作为 after 传回，只收到其后的动态")
    kind: FeedEventKind | None = field(OWNER, description="种类")
    kind_label: str | None = field(OWNER, description="种类（中文）")
    occurred_at: datetime | None = field(OWNER, description="发生时间")
    case_no: str | None = field(OWNER, description="涉及的办件编号；不涉及办件为空")
    rule: CardRule | None = field(OWNER, description="监察卡的规则；不涉及监察卡为空")
    rule_label: str | None = field(OWNER, description="规则（中文）")
    color: CardColor | None = field(OWNER, description="黄牌 / 红牌；不涉及监察卡为空")
    color_label: str | None = field(OWNER, description="黄牌 / 红牌（中文）")
    rating_level: int | None = field(OWNER, description="差评的等级（4 不满意，5 很不满意）")
    rectify_due_on: date | None = field(OWNER, description="差评的整改期限（15 个工作日）")

    @classmethod
    def from_row(cls, row: db_feed.FeedRow) -> Self:
        payload = row.payload
        rule = payload.get("rule")
        color = payload.get("color")
        due = payload.get("rectify_due_on")
        return cls(
            owner_department_id=row.department_id,
            ref_type=row.ref_type,
            ref_id=row.ref_id,
            payload=payload,
            cursor=encode_cursor(str(row.id)),
            kind=FeedEventKind(row.kind),
            kind_label=KIND_LABELS[row.kind],
            occurred_at=row.occurred_at,
            case_no=payload.get("case_no"),
            rule=CardRule(rule) if rule else None,
            rule_label=RULE_LABELS.get(rule, rule) if rule else None,
            color=CardColor(color) if color else None,
            color_label=COLOR_LABELS[color] if color else None,
            rating_level=payload.get("level"),
            rectify_due_on=date.fromisoformat(due) if due else None,
        )

    @field(PUBLIC, description="这条动态属于哪个部门；涉及公职人员的投诉建议（只转纪委监委）为 null")
    async def department(self, info: Info) -> Department | None:
        if self.owner_department_id is None:
            return None
        row = await info.context.loaders.department.load(self.owner_department_id)
        return Department.from_row(row) if row else None

    @field(OWNER, description="涉及的监察卡（现在的状态）；不涉及监察卡为空")
    async def card(self, info: Info) -> Card | None:
        card_id = self.payload.get("card_id")
        if not card_id:
            return None
        row = await info.context.loaders.card.load(int(card_id))
        return Card.from_row(row) if row else None

    @field(OWNER, description="涉及的投诉建议（现在的状态）；不涉及投诉建议为空")
    async def complaint(self, info: Info) -> Complaint | None:
        complaint_id = self.payload.get("complaint_id")
        if not complaint_id:
            return None
        row = await info.context.loaders.complaint.load(int(complaint_id))
        return Complaint.from_row(row) if row else None


@strawberry.type(description="一个部门未关闭的监察卡数")
class DepartmentCardCount:
    department_id: strawberry.Private[int]
    yellow: int = field(PUBLIC, description="黄牌（预警）")
    red: int = field(PUBLIC, description="红牌（纠错）")

    @field(PUBLIC, description="部门")
    async def department(self, info: Info) -> Department | None:
        row = await info.context.loaders.department.load(self.department_id)
        return Department.from_row(row) if row else None


@strawberry.type(description="一个乡镇（街道）未关闭的惠民资金疑点数")
class TownshipFlagCount:
    township_code: strawberry.Private[str]
    flags: int = field(PUBLIC, description="未关闭的疑点（预警）数")

    @field(PUBLIC, description="乡镇（街道）")
    async def township(self, info: Info) -> Region | None:
        row = await info.context.loaders.region.load(self.township_code)
        return Region.from_row(row) if row else None


@strawberry.type(
    name="LiveCounts",
    description="大屏幕的实时数字：今日办件与按时率、今日投诉建议、各部门未关闭的黄牌红牌（只有数字）",
)
class LiveCountsView:
    day: date = field(PUBLIC, description="哪一天（北京时间）")
    received_today: int = field(PUBLIC, description="今日接件")
    completed_today: int = field(PUBLIC, description="今日办结（受理后办结）")
    on_time_today: int = field(PUBLIC, description="今日办结中未超承诺时限的")
    on_time_rate: float | None = field(PUBLIC, description="今日按时办结率（0–1）；今日无办结为 null")
    complaints_today: int = field(PUBLIC, description="今日收到的投诉建议")
    open_cards: list[DepartmentCardCount] = field(PUBLIC, description="各部门未关闭的监察卡")
    red_flags_by_township: list[TownshipFlagCount] = field(
        PUBLIC, description="各乡镇（街道）未关闭的惠民资金疑点（只有数字）"
    )

    @classmethod
    def from_counts(cls, counts: LiveCounts) -> Self:
        return cls(
            day=counts.day,
            received_today=counts.received,
            completed_today=counts.completed,
            on_time_today=counts.on_time,
            on_time_rate=round(counts.on_time / counts.completed, 4) if counts.completed else None,
            complaints_today=counts.complaints,
            open_cards=[
                DepartmentCardCount(department_id=c.department_id, yellow=c.yellow, red=c.red)
                for c in counts.cards
            ],
            red_flags_by_township=[
                TownshipFlagCount(township_code=f.township_code, flags=f.flags) for f in counts.flags
            ],
        )


def _hub(info: Info) -> FeedHub:
    hub = info.context.feed
    if hub is None:
        raise FeedUnavailable("本服务未开启监察动态")
    return hub


@strawberry.type
class FeedQueries:
    @field(
        PUBLIC,
        callers=OFFICIALS,
        description="监察动态，按提交顺序（旧的在前）：after 之后的 first 条，或最新的 last 条"
        "（打开页面时取最新的，再以最后一条的游标订阅 supervisionFeed）。纪委监委见全部，部门只见本部门的",
    )
    async def supervision_events(
        self,
        info: Info,
        after: str | None = None,
        first: int | None = None,
        last: int | None = None,
        department_code: str | None = None,
    ) -> list[FeedEvent]:
        department_id = await requested_department(
            info.context, department_code, refusal="部门工作人员只能查看本部门的监察动态"
        )
        if last is not None and after is not None:
            raise InvalidInput("after 与 last 不能同时使用", code="INVALID_FIELD")
        if last is not None:
            rows = await db_feed.list_latest_feed_events(
                info.context.db, department_id=department_id, limit=page_size(last, info.context.limits)
            )
        else:
            rows = await db_feed.list_feed_events(
                info.context.db,
                after_id=decode_id_cursor(after) or 0,
                department_id=department_id,
                limit=page_size(first, info.context.limits),
            )
        return [FeedEvent.from_row(r) for r in rows]

    @field(
        PUBLIC, description="大屏幕的实时数字（现在）：今日办件与按时率、今日投诉建议、各部门未关闭的黄牌红牌"
    )
    async def live_counts(self, info: Info) -> LiveCountsView:
        return LiveCountsView.from_counts(await count_live(info.context.db, day=info.context.today, head=0))


class Shared(Protocol):
    @property
    def records(self) -> Records: ...


Source = TypeVar("Source", bound=Shared)


async def _answers(
    info: Info, source: AsyncIterator[Source], make: Callable[[Source], Answer]
) -> AsyncGenerator[Answer, None]:
    async for value in source:
        # Each answer is read afresh (its own loaders, its own audited reads), its loaders primed
        # with the rows the process read once for every subscriber.
        info.context.renew()
        loaders = info.context.loaders
        records = value.records
        for card_id, card in records.cards.items():
            loaders.card.prime(card_id, card)
        for complaint_id, complaint in records.complaints.items():
            loaders.complaint.prime(complaint_id, complaint)
        for department_id, department in records.departments.items():
            loaders.department.prime(department_id, department)
        for code, region in records.regions.items():
            loaders.region.prime(code, region)
        yield make(value)


def fresh_event_memo(base: type[Executor[Any]]) -> type[Executor[Any]]:
    """``base`` with a memo of its own for each event of a subscription.

    graphql-core 3.3 runs each event on a shallow copy of the subscription's executor, and the
    copies share its memo of collected subfields, keyed by lists each event makes anew: over a
    long subscription it grows by every event's selection, for as long as the subscription lives
    (measured: about 2 KiB an event a subscriber). Each event's copy gets an empty memo instead.
    """

    class FreshEventMemo(base):  # type: ignore[misc,valid-type]  # a class made from a parameter
        def build_per_event_executor(self, payload: Any) -> Executor[Any]:
            executor: Executor[Any] = super().build_per_event_executor(payload)
            executor._relevant_sub_fields = {}
            return executor

    return FreshEventMemo


def pushed(declared: Any) -> Any:
    """A field declared with :func:`schema.visibility.field` made a subscription: its resolver is
    an async generator whose every value is one answer."""
    declared.is_subscription = True
    return declared


@strawberry.type
class FeedSubscriptions:
    @pushed
    @field(
        PUBLIC,
        callers=OFFICIALS,
        description="监察动态，发生即推送：after 为上次收到的最后一条的游标（断线重连时传回，只补发其后的，"
        "不重复）；不传则从现在起。纪委监委收到全部，部门只收到本部门的",
    )
    async def supervision_feed(self, info: Info, after: str | None = None) -> AsyncGenerator[FeedEvent, None]:
        # Checked here, before the stream starts: a bad cursor is the subscription's error.
        rows = _hub(info).follow(
            after=decode_id_cursor(after), department_id=department_scope(info.context.viewer)
        )
        return _answers(info, rows, lambda delivery: FeedEvent.from_row(delivery.row))

    @pushed
    @field(PUBLIC, description="大屏幕的实时数字：先推送现在的，监察动态变化后（合并短时间内的变化）推送新的")
    async def live_counts(self, info: Info) -> AsyncGenerator[LiveCountsView, None]:
        return _answers(info, _hub(info).counts(), LiveCountsView.from_counts)
