"""Cases (办件): their progress for the public, their records for officials, and the events
departments report."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self

import strawberry

from db import calendar as db_calendar
from db import cases as db_cases
from db.queries import Statement
from domain.calendar import china_day, years_without_calendar
from domain.case_events import KIND_NAMES, field_note
from domain.cases import STATE_LABELS, State, check_receipt
from domain.cases import on_time as is_on_time
from domain.errors import InvalidInput, NotFound
from domain.masking import PersonalKind
from schema.context import Context, Info
from schema.org import Department, RegionLevel, region_of_level
from schema.pagination import (
    Connection,
    decode_date_id_cursor,
    decode_id_cursor,
    edges_and_info,
    page_size,
)
from schema.powers import Power
from schema.prefetch import LIST_ITEMS, Relation, at_once, prefetch
from schema.ratings import CaseRating
from schema.scope import department_scope, requested_department
from schema.supervision import Card, LockRecord
from schema.visibility import DEPARTMENTS, OFFICIALS, OWNER, PUBLIC, field, personal
from services import case_ingest

# The engine's own enum is the schema's: one list of states. An event's kind and result come in
# as strings, checked per event (UNKNOWN_KIND), so one unknown word refuses its event, not the batch.
strawberry.enum(State, name="CaseState", description="办件状态（国家政务服务平台状态码 1–15）")
CHANNEL_LABELS = {"window": "窗口", "online": "网上", "wechat": "微信", "proxy": "村（社区）代办"}


@strawberry.type(description="办理进度中的一步（已完成的环节）")
class TimelineEntry:
    step_key: str = field(PUBLIC, description="环节编号")
    step_name: str = field(PUBLIC, description="环节名称")
    started_on: date = field(PUBLIC, description="开始日期")
    finished_on: date | None = field(PUBLIC, description="完成日期；未完成为 null")


@strawberry.type(description="环节办理记录（含办理人）")
class CaseStepRecord:
    owner_department_id: strawberry.Private[int]
    step_key: str | None = field(OWNER, description="环节编号")
    staff_no: str | None = field(OWNER, description="办理人工号（开始该环节的人）")
    started_at: datetime | None = field(OWNER, description="开始时间")
    finished_at: datetime | None = field(OWNER, description="完成时间")
    finished_by: str | None = field(OWNER, description="完成人工号（结束该环节的人）；未完成为 null")
    opinion: str | None = field(OWNER, description="办理意见")


@strawberry.type(description="办件事件（部门系统报送的原始记录）")
class CaseEventRecord:
    owner_department_id: strawberry.Private[int]
    event_id: str | None = field(OWNER, description="事件编号")
    kind: str | None = field(OWNER, description="事件类型")
    state_after: int | None = field(OWNER, description="事件后的状态码")
    step_key: str | None = field(OWNER, description="环节编号")
    staff_no: str | None = field(OWNER, description="办理人工号")
    occurred_at: datetime | None = field(OWNER, description="发生时间")


@strawberry.type(description="办件")
class Case:
    id: strawberry.Private[int]
    owner_department_id: strawberry.Private[int]
    audit_ref: strawberry.Private[tuple[str, str]]
    power_id: strawberry.Private[int]
    lead_case_id: strawberry.Private[int | None]
    current_step: strawberry.Private[str | None]
    case_no: str = field(PUBLIC, description="办件编号")
    state: State = field(PUBLIC, description="状态")
    channel: str = field(PUBLIC, description="受理渠道：window / online / wechat / proxy")
    received_at: datetime = field(PUBLIC, description="接件时间")
    accepted_on: date | None = field(PUBLIC, description="受理日期（时限从此起算）")
    promised_due_on: date | None = field(PUBLIC, description="承诺办结日期（已顺延补正、特别程序的工作日）")
    statutory_due_on: date | None = field(PUBLIC, description="法定办结日期")
    completed_on: date | None = field(PUBLIC, description="办结日期")
    applicant_kind: str = field(PUBLIC, description="person（个人）/ organisation（单位）")
    applicant_name: str | None = field(personal(PersonalKind.NAME), description="申请人")
    applicant_id_number: str | None = field(
        personal(PersonalKind.ID_NUMBER), description="证件号码或统一社会信用代码"
    )
    applicant_phone: str | None = field(personal(PersonalKind.PHONE), description="联系电话")
    applicant_address: str | None = field(personal(PersonalKind.ADDRESS), description="地址")
    fee_charged_yuan: Decimal | None = field(OWNER, description="已收费用（元）")
    handler_staff_no: str | None = field(OWNER, description="当前承办人工号")
    refusal_reason: str | None = field(OWNER, description="不予受理或不予许可的理由")
    locked: bool | None = field(OWNER, description="是否因红牌锁定")
    today: strawberry.Private[date]

    @classmethod
    def from_row(cls, row: db_cases.CaseRow, today: date) -> Self:
        return cls(
            id=row.id,
            owner_department_id=row.department_id,
            audit_ref=("case", row.case_no),
            power_id=row.power_id,
            lead_case_id=row.lead_case_id,
            current_step=row.current_step_key,
            case_no=row.case_no,
            state=State(row.state),
            channel=row.channel,
            received_at=row.received_at,
            accepted_on=row.accepted_on,
            promised_due_on=row.promised_due_on,
            statutory_due_on=row.statutory_due_on,
            completed_on=row.completed_on,
            applicant_kind=row.applicant_kind,
            applicant_name=row.applicant_name,
            applicant_id_number=row.applicant_id_number,
            applicant_phone=row.applicant_phone or None,
            applicant_address=row.applicant_address or None,
            fee_charged_yuan=row.fee_charged_yuan,
            handler_staff_no=row.handler_staff_no,
            refusal_reason=row.refusal_reason,
            locked=row.locked,
            today=today,
        )

    @field(PUBLIC, description="状态（中文）")
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @field(PUBLIC, description="受理渠道（中文）")
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @field(PUBLIC, description="是否按时：已办结看办结日，未办结看今天是否仍在承诺时限内；无承诺时限为 null")
    def on_time(self) -> bool | None:
        return is_on_time(
            completed_on=self.completed_on, promised_due_on=self.promised_due_on, today=self.today
        )

    @field(
        PUBLIC,
        description="办结日期是否为暂定：时限跨入尚未载入工作日历的年度（国务院尚未公布该年放假安排），"
        "暂按周一至周五为工作日计算；载入该年日历后自动重算",
    )
    async def due_date_provisional(self, info: Info) -> bool:
        start = self.accepted_on or china_day(self.received_at)
        years = years_without_calendar(start, [self.promised_due_on, self.statutory_due_on], loaded=())
        loaded = await info.context.loaders.calendar_year.load_many(years)
        return any(year is None for year in loaded)

    @field(PUBLIC, description="承办事项", graphql_type=Power | None)
    def power(self, info: Info) -> Power | Awaitable[Power | None] | None:
        return at_once(info.context.loaders.power, self.power_id, Power.from_optional_row)

    @field(PUBLIC, description="承办部门", graphql_type=Department | None)
    def department(self, info: Info) -> Department | Awaitable[Department | None] | None:
        loader = info.context.loaders.department
        return at_once(loader, self.owner_department_id, Department.from_optional_row)

    @field(PUBLIC, description="当前环节名称")
    async def current_step_name(self, info: Info) -> str | None:
        if self.current_step is None:
            return None
        steps = await info.context.loaders.steps.load(self.power_id)
        return next((s.name for s in steps if s.key == self.current_step), None)

    @field(PUBLIC, description="当前环节编号，即流程图中的环节编号（key）：/maps/{事项编码}.svg?current=…")
    async def current_step_key(self, info: Info) -> str | None:
        # Only a step the power's map has: the key is for finding the step on that map.
        if self.current_step is None:
            return None
        steps = await info.context.loaders.steps.load(self.power_id)
        return self.current_step if any(s.key == self.current_step for s in steps) else None

    @field(PUBLIC, description="办理进度：已开始的环节及日期")
    async def timeline(self, info: Info) -> list[TimelineEntry]:
        progress = await info.context.loaders.case_steps.load(self.id)
        names = {s.key: s.name for s in await info.context.loaders.steps.load(self.power_id)}
        return [
            TimelineEntry(
                step_key=p.step_key,
                step_name=names.get(p.step_key, p.step_key),
                started_on=p.started_on,
                finished_on=p.finished_on,
            )
            for p in progress
        ]

    @field(OWNER, description="环节办理记录（含办理人）", graphql_type=list[CaseStepRecord] | None)
    def steps(self, info: Info) -> list[CaseStepRecord] | Awaitable[list[CaseStepRecord]]:
        return at_once(info.context.loaders.case_steps, self.id, self._step_records)

    def _step_records(self, rows: list[db_cases.StepRow]) -> list[CaseStepRecord]:
        return [
            CaseStepRecord(
                owner_department_id=self.owner_department_id,
                step_key=p.step_key,
                staff_no=p.staff_no,
                started_at=p.started_at,
                finished_at=p.finished_at,
                finished_by=p.finished_by,
                opinion=p.opinion,
            )
            for p in rows
        ]

    @field(OWNER, description="全部事件")
    async def events(self, info: Info) -> list[CaseEventRecord] | None:
        return [
            CaseEventRecord(
                owner_department_id=self.owner_department_id,
                event_id=e.event_id,
                kind=e.kind,
                state_after=e.state_after,
                step_key=e.step_key,
                staff_no=e.staff_no,
                occurred_at=e.occurred_at,
            )
            for e in await info.context.loaders.case_events.load(self.id)
        ]

    @field(OWNER, description="监察卡", graphql_type=list[Card] | None)
    def cards(self, info: Info) -> list[Card] | Awaitable[list[Card]]:
        return at_once(
            info.context.loaders.case_cards, self.id, lambda rows: [Card.from_row(c) for c in rows]
        )

    @field(OWNER, description="锁定、说明与解锁记录")
    async def lock_history(self, info: Info) -> list[LockRecord] | None:
        return [
            LockRecord(
                owner_department_id=self.owner_department_id,
                action=e.action,
                actor=e.actor,
                note=e.note,
                at=e.at,
            )
            for e in await info.context.loaders.case_locks.load(self.id)
        ]

    @field(PUBLIC, description="评价（好差评）；未评价为 null")
    async def rating(self, info: Info) -> CaseRating | None:
        row = await info.context.loaders.case_rating.load(self.id)
        return CaseRating.from_row(row, self.owner_department_id) if row else None

    @field(PUBLIC, description="并联审批的分办件（各部门一件）")
    async def sub_cases(self, info: Info) -> list[Case]:
        return [Case.from_row(r, self.today) for r in await info.context.loaders.sub_cases.load(self.id)]

    @field(PUBLIC, description="并联审批的主办件")
    async def lead_case(self, info: Info) -> Case | None:
        if self.lead_case_id is None:
            return None
        row = await info.context.loaders.case.load(self.lead_case_id)
        return Case.from_row(row, self.today) if row else None


@strawberry.type(description="办件分页（新的在前）")
class CaseConnection(Connection[Case]):
    pass


@strawberry.input(description="办件筛选")
class CaseFilter:
    department_code: str | None = strawberry.field(
        default=None, description="部门（仅纪委监委可指定其他部门）"
    )
    state: State | None = None
    power_code: str | None = None
    overdue: bool | None = strawberry.field(default=None, description="只看已超承诺时限未办结的")
    open_card_color: str | None = strawberry.field(default=None, description="只看有未关闭 yellow / red 牌的")


@strawberry.input(description="逾期办件筛选")
class OverdueCaseFilter:
    department_code: str | None = strawberry.field(
        default=None, description="部门编码（部门只能指定本部门；纪委监委不指定即全县）"
    )
    township_code: str | None = strawberry.field(
        default=None, description="乡镇（街道）代码（9位）：办件所在地"
    )


@strawberry.type(description="逾期办件分页（最逾期的在前）")
class OverdueCaseConnection(Connection[Case]):
    department_id: strawberry.Private[int | None]
    township_code: strawberry.Private[str | None]

    @field(PUBLIC, description="符合筛选条件的逾期办件总数")
    async def total_count(self, info: Info) -> int:
        return await db_cases.count_overdue_cases(
            info.context.db,
            department_id=self.department_id,
            township_code=self.township_code,
            today=info.context.today,
        )


# -- events in ----------------------------------------------------------------------------------


@strawberry.input(description="申请人（RECEIVED）")
class ApplicantInput:
    kind: str = strawberry.field(description="person（个人）/ organisation（单位）")
    name: str = strawberry.field(description="姓名或单位名称")
    id_number: str = strawberry.field(
        description="个人：18 位居民身份证号码（校验位按 GB 11643）；单位：统一社会信用代码（GB 32100）"
        "。无效的号码拒绝该事件（INVALID_ID_NUMBER）"
    )
    phone: str = strawberry.field(
        default="",
        description="可空；11 位手机号（1[3-9] 开头）或带区号的固定电话（0836-6229229，可带分机 -801）"
        "，不带 +86。格式不符拒绝该事件（INVALID_PHONE）",
    )
    address: str = strawberry.field(default="", description="地址，可空")
    region_code: str | None = strawberry.field(default=None, description="行政区划代码，可空")


def _described(name: str, what: str) -> str:
    return f"{what}。{field_note(name)}"


@strawberry.input(
    description="部门系统报送的一个办件事件。每个类型必填与可选的字段见各字段说明（README 有一览表）；"
    "类型不接受的字段拒绝该事件（FIELD_NOT_FOR_KIND）"
)
class CaseEventInput:
    event_id: str = strawberry.field(
        description="报送方的事件编号（1–100 个可打印 ASCII 字符）：同一编号同一内容只计一次（DUPLICATE），"
        "同一编号不同内容拒绝（EVENT_ID_CONFLICT）"
    )
    case_no: str = strawberry.field(description="办件编号（6–40 位字母、数字或连字符）")
    kind: str = strawberry.field(
        description=f"事件类型，{KIND_NAMES} 之一；未知的类型只拒绝该事件（UNKNOWN_KIND），不影响同批其他事件"
    )
    occurred_at: datetime = strawberry.field(
        description="发生时间（带时区）：不得晚于服务器时间 5 分钟以上（EVENT_IN_FUTURE），不得早于接件"
        "（BEFORE_RECEIPT）；办理类事件不得早于受理（BEFORE_ACCEPTANCE）"
    )
    step_key: str | None = strawberry.field(
        default=None, description=_described("stepKey", "流程图中的环节编号")
    )
    staff_no: str | None = strawberry.field(
        default=None,
        description=_described(
            "staffNo", "办理人工号，须为本部门人员（UNKNOWN_STAFF、STAFF_OF_OTHER_DEPARTMENT）"
        ),
    )
    result: str | None = strawberry.field(
        default=None, description=_described("result", "办结结果：APPROVED、APPROVED_PENDING_DOCS 或 REFUSED")
    )
    reason: str | None = strawberry.field(
        default=None, description=_described("reason", "理由（不予受理、不予许可须写明）或办理意见")
    )
    amount_yuan: Decimal | None = strawberry.field(
        default=None, description=_described("amountYuan", "收费金额（元），不小于 0")
    )
    power_code: str | None = strawberry.field(default=None, description=_described("powerCode", "事项编码"))
    query_code: str | None = strawberry.field(
        default=None, description=_described("queryCode", "回执上的查询码，6–12 位字母或数字")
    )
    channel: str | None = strawberry.field(
        default=None, description=_described("channel", "window / online / wechat / proxy")
    )
    applicant: ApplicantInput | None = strawberry.field(
        default=None, description=_described("applicant", "申请人")
    )
    lead_case_no: str | None = strawberry.field(
        default=None, description=_described("leadCaseNo", "并联审批的主办件编号")
    )

    def to_domain(self) -> case_ingest.IncomingEvent:
        a = self.applicant
        return case_ingest.IncomingEvent(
            event_id=self.event_id,
            case_no=self.case_no,
            kind=self.kind,
            occurred_at=self.occurred_at,
            step_key=self.step_key,
            staff_no=self.staff_no,
            result=self.result,
            reason=self.reason,
            amount_yuan=self.amount_yuan,
            power_code=self.power_code,
            query_code=self.query_code,
            channel=self.channel,
            applicant=case_ingest.Applicant(a.kind, a.name, a.id_number, a.phone, a.address, a.region_code)
            if a
            else None,
            lead_case_no=self.lead_case_no,
        )


@strawberry.type(description="一个事件的处理结果")
class CaseEventResult:
    event_id: str = field(PUBLIC, description="事件编号")
    case_no: str = field(PUBLIC, description="办件编号")
    outcome: str = field(
        PUBLIC, description="APPLIED（已处理）/ DUPLICATE（重复，已计入过）/ REFUSED（拒绝）"
    )
    code: str | None = field(PUBLIC, description="拒绝原因代码")
    message: str | None = field(PUBLIC, description="说明")
    state: State | None = field(PUBLIC, description="处理后的状态")
    cards_raised: list[str] = field(PUBLIC, description="本事件引发的监察卡（规则编码）")


@strawberry.type(description="一批事件的处理结果")
class CaseEventBatchResult:
    applied: int = field(PUBLIC, description="已处理")
    duplicates: int = field(PUBLIC, description="重复")
    refused: int = field(PUBLIC, description="拒绝")
    results: list[CaseEventResult] = field(PUBLIC, description="逐个事件的结果，顺序同提交")


# -- resolvers ----------------------------------------------------------------------------------


# What a list of cases loads for all its items at once, when its selection asks for it.
CASE_RELATIONS: dict[str, Relation[Case]] = {
    "power": lambda loaders, items: loaders.power.load_many(list({c.power_id for c in items})),
    "department": lambda loaders, items: loaders.department.load_many(
        list({c.owner_department_id for c in items})
    ),
    "steps": lambda loaders, items: loaders.case_steps.load_many([c.id for c in items]),
    "cards": lambda loaders, items: loaders.case_cards.load_many([c.id for c in items]),
}


async def case_page_statement(context: Context, f: CaseFilter, size: int, after: str | None) -> Statement:
    """The statement of a page of ``size`` cases (one more, to tell a next page) for ``f`` after
    the cursor ``after``, as the viewer may see them; refuses what the filter may not name."""
    department_id = await requested_department(context, f.department_code, refusal="部门只能查看本部门的办件")
    power_id = None
    if f.power_code:
        terms = await db_cases.list_power_terms(context.db, codes=[f.power_code])
        if not terms:
            raise NotFound(f"未找到编码为 {f.power_code} 的权力事项")
        power_id = terms[0].id
    if f.open_card_color not in (None, "yellow", "red"):
        raise InvalidInput("openCardColor 须为 yellow 或 red", code="INVALID_FIELD")
    return db_cases.list_cases_statement(
        department_id=department_id,
        state=int(f.state) if f.state else None,
        power_id=power_id,
        overdue_before=context.today if f.overdue else None,
        open_card_color=f.open_card_color,
        before_id=decode_id_cursor(after),
        limit=size + 1,
    )


async def overdue_scope(
    context: Context, f: OverdueCaseFilter, department_code: str | None
) -> tuple[int | None, str | None]:
    """The department and township an overdue list is narrowed to (``department_code`` is the
    deprecated argument); refuses what the viewer may not name."""
    department_id = await requested_department(
        context, f.department_code or department_code, refusal="部门只能查看本部门的逾期办件"
    )
    if f.township_code is not None:
        await region_of_level(context, f.township_code, RegionLevel.TOWNSHIP)
    return department_id, f.township_code


@strawberry.type
class CaseQueries:
    @field(PUBLIC, description="群众凭办件编号和回执上的查询码查询办理进度；编号不存在与查询码错误的回答相同")
    async def case_progress(self, info: Info, case_no: str, query_code: str) -> Case | None:
        async def check() -> db_cases.CaseRow:
            row = await db_cases.get_case_by_no(info.context.db, case_no=case_no.strip()[:40])
            return check_receipt(row, case_no=case_no, query_code=query_code)

        row = await info.context.code_guard.open(kind="case", number=case_no, what="办件编号", check=check)
        return Case.from_row(row, info.context.today)

    @field(PUBLIC, description="按编号查看一个办件（本部门或纪委监委）", callers=OFFICIALS)
    async def case(self, info: Info, case_no: str) -> Case | None:
        found = await db_cases.get_case_bundle_by_no(info.context.db, case_no=case_no)
        scope = department_scope(info.context.viewer)
        if found is None or (scope is not None and found.case.department_id != scope):
            raise NotFound(f"未找到本部门可查看的办件 {case_no}", code="CASE_NOT_FOUND")
        # Read with the case: its power and department answer without a statement of their own.
        loaders = info.context.loaders
        loaders.power.prime(found.power.id, found.power)
        loaders.department.prime(found.department.id, found.department)
        return Case.from_row(found.case, info.context.today)

    @field(PUBLIC, description="办件列表（部门只见本部门，纪委监委见全部），新的在前", callers=OFFICIALS)
    async def cases(
        self, info: Info, filter: CaseFilter | None = None, first: int | None = None, after: str | None = None
    ) -> CaseConnection:
        size = page_size(first, info.context.limits)
        rows = await db_cases.list_cases(
            info.context.db, await case_page_statement(info.context, filter or CaseFilter(), size, after)
        )
        today = info.context.today
        edges, page_info = edges_and_info(rows, size, lambda r: str(r.id), lambda r: Case.from_row(r, today))
        await prefetch(info, [e.node for e in edges], CASE_RELATIONS, under=LIST_ITEMS)
        return CaseConnection(edges=edges, page_info=page_info)

    @field(
        PUBLIC,
        description="已超承诺时限未办结的办件，最逾期的在前，带总数：部门见本部门的，纪委监委见全县"
        "（可按部门、乡镇筛选），一次查询",
        callers=OFFICIALS,
    )
    async def overdue_cases(
        self,
        info: Info,
        filter: OverdueCaseFilter | None = None,
        department_code: Annotated[
            str | None,
            strawberry.argument(deprecation_reason="请用 filter.departmentCode", description="部门编码"),
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> OverdueCaseConnection:
        size = page_size(first, info.context.limits)
        department_id, township_code = await overdue_scope(
            info.context, filter or OverdueCaseFilter(), department_code
        )
        today = info.context.today
        rows = await db_cases.list_overdue_cases(
            info.context.db,
            db_cases.list_overdue_cases_statement(
                department_id=department_id,
                township_code=township_code,
                today=today,
                after=decode_date_id_cursor(after),
                limit=size + 1,
            ),
        )
        edges, page_info = edges_and_info(
            rows, size, lambda r: f"{r.promised_due_on}/{r.id}", lambda r: Case.from_row(r, today)
        )
        await prefetch(info, [e.node for e in edges], CASE_RELATIONS, under=LIST_ITEMS)
        return OverdueCaseConnection(
            edges=edges, page_info=page_info, department_id=department_id, township_code=township_code
        )


@strawberry.type
class CaseMutations:
    @field(
        PUBLIC,
        description="部门系统批量报送办件事件（最多 500 个）：逐个处理，逐个回答；同一事件编号只计一次",
        callers=DEPARTMENTS,
    )
    async def record_case_events(self, info: Info, events: list[CaseEventInput]) -> CaseEventBatchResult:
        department_id, department_code = info.context.viewer.department()
        calendar = await db_calendar.get_calendar(info.context.db)
        results = await case_ingest.ingest(
            info.context.pool,
            events=[e.to_domain() for e in events],
            source=department_code,
            department_id=department_id,
            calendar=calendar,
            now=info.context.now(),
        )
        counts = {o: sum(r.outcome is o for r in results) for o in case_ingest.Outcome}
        return CaseEventBatchResult(
            applied=counts[case_ingest.Outcome.APPLIED],
            duplicates=counts[case_ingest.Outcome.DUPLICATE],
            refused=counts[case_ingest.Outcome.REFUSED],
            results=[
                CaseEventResult(
                    event_id=r.event_id,
                    case_no=r.case_no,
                    outcome=r.outcome.value,
                    code=r.code,
                    message=r.message,
                    state=r.state,
                    cards_raised=[c.rule for c in r.cards],
                )
                for r in results
            ],
        )
