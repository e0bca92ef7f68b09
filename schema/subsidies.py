"""Subsidy funds (惠民资金): the catalogue, the real-name lookup, public notice lists, aggregates,
and recording money through the four monitoring points."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Self

import strawberry
from strawberry.types.nodes import SelectedField

from db import subsidies as db_subsidies
from domain.calendar import check_year
from domain.disclosure import AGGREGATE, NOTICE
from domain.errors import DomainError, InvalidInput, NotFound
from domain.identity import normalize_id_number
from domain.masking import PersonalKind, mask_address, mask_name
from schema.context import Info
from schema.org import Department, RegionLevel, region_of_level
from schema.pagination import (
    Connection,
    decode_date_id_cursor,
    decode_id_cursor,
    edges_and_info,
    page_size,
)
from schema.visibility import DEPARTMENTS, OWNER, PUBLIC, field, personal
from services import red_flags
from services.subsidy_load import record_money

UNIT_LABELS = {
    "person_month": "元/人·月",
    "household_month": "元/户·月",
    "person_year": "元/人·年",
    "household_year": "元/户·年",
    "mu_year": "元/亩·年",
    "once": "元（一次性）",
}
FORM_LABELS = {"card": "一卡通", "cash": "现金"}

# The real-name lookup answers a miss no sooner than a match (DOMAIN.md "Personal data"); its rate
# limits per caller and per ID number are settings (Limits).
LOOKUP_FLOOR_S = 0.15
HOUR = 3600


class RateLimited(DomainError):
    code = "RATE_LIMITED"


@strawberry.type(description="补助资金项目")
class Fund:
    department_id: strawberry.Private[int]
    code: str = field(PUBLIC, description="资金编码")
    name: str = field(PUBLIC, description="名称")
    fund_type: str = field(PUBLIC, description="类型")
    purpose: str = field(PUBLIC, description="用途（同一用途的资金不得重复领取）")
    policy_basis: str = field(PUBLIC, description="政策依据")
    standard_yuan: Decimal = field(PUBLIC, description="补助标准（元）")
    standard_unit: str = field(PUBLIC, description="标准单位")
    standard_note: str = field(PUBLIC, description="标准说明")
    notice_listed: bool = field(
        PUBLIC,
        description="是否公示受益人名单（村务公开）；否则不公示名单，统计中人数少于最小人数的组不公布",
    )

    @classmethod
    def from_row(cls, row: db_subsidies.FundRow) -> Self:
        return cls(
            department_id=row.department_id,
            notice_listed=row.disclosure == NOTICE,
            code=row.code,
            name=row.name,
            fund_type=row.fund_type,
            purpose=row.purpose,
            policy_basis=row.policy_basis,
            standard_yuan=row.standard_yuan,
            standard_unit=row.standard_unit,
            standard_note=row.standard_note,
        )

    @field(PUBLIC, description="标准（中文），如“560.00元/人·月”")
    def standard_label(self) -> str:
        return f"{self.standard_yuan:.2f}{UNIT_LABELS[self.standard_unit]}"

    @field(PUBLIC, description="主管部门")
    async def department(self, info: Info) -> Department | None:
        row = await info.context.loaders.department.load(self.department_id)
        return Department.from_row(row) if row else None


@strawberry.type(description="疑点涉及的人及其户")
class AlertMember:
    owner_department_id: strawberry.Private[int]
    audit_ref: strawberry.Private[tuple[str, str]]
    name: str | None = field(personal(PersonalKind.NAME), description="姓名")
    id_number: str | None = field(personal(PersonalKind.ID_NUMBER), description="身份证号码")
    address: str | None = field(personal(PersonalKind.ADDRESS), description="住址")
    relation: str | None = field(OWNER, description="与户主关系")
    deceased_on: date | None = field(OWNER, description="死亡日期")
    household_no: str | None = field(OWNER, description="户编号")
    land_mu: Decimal | None = field(OWNER, description="承包面积（亩）")

    @classmethod
    def from_row(cls, row: db_subsidies.MemberRow, owner: int) -> Self:
        return cls(
            owner_department_id=owner,
            audit_ref=("member", str(row.id)),
            name=row.name,
            id_number=row.id_number,
            address=row.address,
            relation=row.relation,
            deceased_on=row.deceased_on,
            household_no=row.household_no,
            land_mu=row.land_mu,
        )


@strawberry.type(description="资金流转的一个监测点记录")
class TrailEntry:
    owner_department_id: strawberry.Private[int]
    stage: str | None = field(OWNER, description="plan / approval / allocation / disbursement")
    on_day: date | None = field(OWNER, description="日期")
    amount_yuan: Decimal | None = field(OWNER, description="金额（元）")
    form: str | None = field(OWNER, description="发放形式")
    recorded_by: str | None = field(OWNER, description="经办人工号")
    recorded_by_name: str | None = field(OWNER, description="经办人")
    corrects: bool | None = field(OWNER, description="是否为更正记录")


@strawberry.type(description="疑点涉及的一笔补助及其四个监测点")
class AlertPayment:
    owner_department_id: strawberry.Private[int]
    year: strawberry.Private[int]
    id: strawberry.Private[int]
    payment_no: str | None = field(OWNER, description="补助编号")
    fund_name: str | None = field(OWNER, description="资金项目")
    batch_no: str | None = field(OWNER, description="批次")
    period: date | None = field(OWNER, description="所属期")
    amount_yuan: Decimal | None = field(OWNER, description="应发金额（元）")
    land_mu: Decimal | None = field(OWNER, description="补贴面积（亩）")

    @field(OWNER, description="用款计划、审批、拨付、发放记录（含更正），按日期")
    async def trail(self, info: Info) -> list[TrailEntry] | None:
        rows = await db_subsidies.list_trail_by_payment(info.context.db, year=self.year, payment_id=self.id)
        return [
            TrailEntry(
                owner_department_id=self.owner_department_id,
                stage=r.stage,
                on_day=r.on_day,
                amount_yuan=r.amount_yuan,
                form=r.form,
                recorded_by=r.recorded_by,
                recorded_by_name=r.recorded_by_name,
                corrects=r.corrects_id is not None,
            )
            for r in rows
        ]


@strawberry.type(description="一笔发放到户的补助：标准、受益对象、发放时间、发放形式、住址、金额")
class SubsidyRecord:
    fund_name: str = field(PUBLIC, description="资金项目")
    standard: str = field(PUBLIC, description="补助标准")
    beneficiary: str = field(PUBLIC, description="受益对象（脱敏）")
    period: date = field(PUBLIC, description="所属期")
    disbursed_on: date = field(PUBLIC, description="发放时间")
    form: str = field(PUBLIC, description="发放形式：一卡通 / 现金")
    address: str = field(PUBLIC, description="住址（到乡镇街道）")
    amount_yuan: Decimal = field(PUBLIC, description="金额（元）")


@strawberry.type(description="实名查询结果分页（新的在前）")
class SubsidyRecordConnection(Connection[SubsidyRecord]):
    pass


@strawberry.type(description="公示名单中的一行")
class NoticeEntry:
    owner_department_id: strawberry.Private[int]
    owner_village_code: strawberry.Private[str]  # its township sees it unmasked
    audit_ref: strawberry.Private[tuple[str, str]]
    payment_id: strawberry.Private[int]
    name: str | None = field(personal(PersonalKind.NAME), description="姓名")
    id_number: str | None = field(personal(PersonalKind.ID_NUMBER), description="身份证号码")
    address: str | None = field(personal(PersonalKind.ADDRESS), description="住址")
    period: date = field(PUBLIC, description="所属期")
    amount_yuan: Decimal = field(PUBLIC, description="金额（元）")
    land_mu: Decimal | None = field(PUBLIC, description="补贴面积（亩）")


@strawberry.type(description="公示名单分页")
class NoticeConnection(Connection[NoticeEntry]):
    pass


@strawberry.type(description="一个统计格：某资金、某区划、某期的合计；人数少于下限时不公开")
class AggregateCell:
    fund_code: str = field(PUBLIC, description="资金编码")
    fund_name: str = field(PUBLIC, description="资金名称")
    region_code: str = field(PUBLIC, description="乡镇或村代码")
    period: date = field(PUBLIC, description="期间（按年统计时为当年1月1日）")
    withheld: bool = field(PUBLIC, description="是否因人数过少而不公开")
    amount_yuan: Decimal | None = field(PUBLIC, description="金额合计（元）；不公开时为 null")
    beneficiaries: int | None = field(PUBLIC, description="受益人数；不公开时为 null")


@strawberry.type(description="补助统计")
class SubsidyAggregates:
    min_group_size: int = field(PUBLIC, description="公开的最小人数")
    cells: list[AggregateCell] = field(PUBLIC, description="统计格")


@strawberry.input(description="资金流转记录：批次的用款计划、审批、拨付，或到户发放")
class MoneyRecordInput:
    batch_no: str
    fund_code: str
    township_code: str
    period: date
    stage: str = strawberry.field(description="plan / approval / allocation / disbursement")
    stage_on: date
    amount_yuan: Decimal
    household_no: str | None = None
    id_number: str | None = None
    form: str | None = strawberry.field(default=None, description="发放：card（一卡通）/ cash（现金）")
    land_mu: Decimal | None = None
    note: str | None = None


@strawberry.type(description="一条资金流转记录的处理结果")
class MoneyRecordResult:
    index: int = field(PUBLIC, description="在提交中的序号（从 1 起）")
    outcome: str = field(PUBLIC, description="APPLIED / DUPLICATE / REFUSED")
    code: str | None = field(PUBLIC, description="拒绝原因代码")
    message: str | None = field(PUBLIC, description="说明")


@strawberry.type(description="资金流转记录的处理结果")
class MoneyRecordBatchResult:
    applied: int = field(PUBLIC, description="已记录")
    duplicates: int = field(PUBLIC, description="与已记录的完全相同，未重复记录")
    refused: int = field(PUBLIC, description="拒绝")
    alerts_raised: int = field(PUBLIC, description="由此触发的疑点预警数")
    results: list[MoneyRecordResult] = field(PUBLIC, description="逐条结果")


def _only_field(info: Info) -> None:
    """The lookup answers one question a request: no aliases, no other fields beside it."""
    selections = info.operation.selection_set.selections
    [current] = info.selected_fields  # this field as the request wrote it
    if len(selections) != 1 or not isinstance(current, SelectedField) or current.alias is not None:
        raise InvalidInput("实名查询不能与其他字段或别名一起请求", code="LOOKUP_NOT_ALONE")


async def _limit(info: Info, key: str, per_hour: int) -> None:
    verdict = await info.context.limiter.hit(key, limit=per_hour, window_s=HOUR)
    if not verdict.allowed:
        raise RateLimited(
            f"查询过于频繁，请 {verdict.retry_after_s} 秒后再试", retry_after=verdict.retry_after_s
        )


def withhold(cells: list[AggregateCell], minimum: int, *, group_by_township: bool) -> list[AggregateCell]:
    """Withhold every cell under ``minimum`` beneficiaries, and where a township's villages would
    leave exactly one withheld, withhold the next smallest too, so a total minus the others does
    not give the small one away."""
    for cell in cells:
        if cell.beneficiaries is not None and cell.beneficiaries < minimum:
            _hide(cell)
    if group_by_township:
        return cells
    groups: dict[tuple[str, str, date], list[AggregateCell]] = {}
    for cell in cells:
        groups.setdefault((cell.fund_code, cell.region_code[:9], cell.period), []).append(cell)
    for group in groups.values():
        hidden = [c for c in group if c.withheld]
        shown = sorted((c for c in group if not c.withheld), key=lambda c: c.beneficiaries or 0)
        if len(hidden) == 1 and shown:
            _hide(shown[0])
    return cells


def _hide(cell: AggregateCell) -> None:
    cell.withheld = True
    cell.amount_yuan = None
    cell.beneficiaries = None


@strawberry.type
class SubsidyQueries:
    @field(PUBLIC, description="补助资金项目目录")
    async def funds(self, info: Info) -> list[Fund]:
        return [Fund.from_row(r) for r in await db_subsidies.list_funds(info.context.db)]

    @field(
        PUBLIC,
        description="实名查询本户补助（姓名 + 身份证号），新的在前，分页（first、after）。"
        "不匹配与无记录的回答相同；按来源和身份证号限流（每页计一次）；须单独请求，不能用别名",
    )
    async def household_subsidies(
        self, info: Info, name: str, id_number: str, first: int | None = None, after: str | None = None
    ) -> SubsidyRecordConnection:
        _only_field(info)
        size = page_size(first, info.context.limits)
        before = decode_date_id_cursor(after)
        normalized = normalize_id_number(id_number)[:18]
        limits = info.context.limits
        await _limit(info, f"lookup:client:{info.context.client}", limits.lookups_per_client)
        # A match, a miss and a refusal past the ID number's limit all leave at the same floor after
        # the request arrived (the HTTP layer waits once the answer is whole), so neither content
        # nor timing tells a wrong name from an unknown number.
        info.context.answer_no_sooner(LOOKUP_FLOOR_S)
        members = await db_subsidies.list_members_by_id_number(info.context.db, id_number=normalized)
        match = next((m for m in members if m.name == name.strip()), None)
        # The same two statements run for a miss as for a match.
        rows = await db_subsidies.list_payments_by_household(
            info.context.db,
            household_id=match.household_id if match else -1,
            years=range(info.context.today.year - 2, info.context.today.year + 1),
            before=before,
            limit=size + 1,
        )
        if match is None or not rows:
            # Failures, and only failures, count against the ID number, from wherever they come:
            # past the limit a wrong name is refused outright (name guessing stops), while the
            # owner's right name and number is still answered. An empty page past the end answers
            # as a miss too: otherwise a cursor past everyone's payments would tell a match apart.
            failures = await info.context.limiter.hit(
                f"lookup:id:{normalized}", limit=limits.lookups_per_id_number, window_s=HOUR
            )
            if not failures.allowed:
                raise RateLimited(
                    f"该身份证号码近期查询不符次数过多，请 {failures.retry_after_s} 秒后再试，"
                    "或到村（社区）、乡镇（街道）便民服务窗口查询",
                    retry_after=failures.retry_after_s,
                )
            raise NotFound("未查到与该姓名和身份证号码对应的补助记录", code="NO_SUBSIDY_RECORD")
        edges, page_info = edges_and_info(
            rows,
            size,
            lambda r: f"{r.period.isoformat()}/{r.payment_id}",
            lambda r: SubsidyRecord(
                fund_name=r.fund_name,
                standard=f"{r.standard_yuan:.2f}{UNIT_LABELS[r.standard_unit]}",
                beneficiary=mask_name(r.beneficiary),
                period=r.period,
                disbursed_on=r.disbursed_on,
                form=FORM_LABELS[r.form],
                address=mask_address(r.address),
                amount_yuan=r.amount_yuan,
            ),
        )
        return SubsidyRecordConnection(edges=edges, page_info=page_info)

    @field(PUBLIC, description="村（社区）公示名单：某资金某期的受益人（公众见脱敏信息）")
    async def notice_list(
        self,
        info: Info,
        village_code: str,
        fund_code: str,
        period: date,
        first: int | None = None,
        after: str | None = None,
    ) -> NoticeConnection:
        size = page_size(first, info.context.limits)
        await region_of_level(info.context, village_code, RegionLevel.VILLAGE)
        fund = await db_subsidies.get_fund_by_code(info.context.db, code=fund_code)
        if fund is None:
            raise NotFound(f"未找到资金 {fund_code}", code="FUND_NOT_FOUND")
        if fund.disclosure != NOTICE:
            raise InvalidInput(
                f"{fund.name}不公示受益人名单（涉及敏感个人信息），只公布统计", code="NOT_NOTICE_LISTED"
            )
        rows = await db_subsidies.list_notice_entries(
            info.context.db,
            village_code=village_code,
            fund_id=fund.id,
            period=period,
            after_id=decode_id_cursor(after) or 0,
            limit=size + 1,
        )
        edges, page_info = edges_and_info(
            rows,
            size,
            lambda r: str(r.id),
            lambda r: NoticeEntry(
                owner_department_id=fund.department_id,
                owner_village_code=village_code,
                audit_ref=("payment", r.payment_no),
                payment_id=r.id,
                name=r.name,
                id_number=r.id_number,
                address=r.address,
                period=r.period,
                amount_yuan=r.amount_yuan,
                land_mu=r.land_mu,
            ),
        )
        return NoticeConnection(edges=edges, page_info=page_info)

    @field(PUBLIC, description="补助统计：按资金、乡镇或村、年或月汇总金额与人数；人数过少的格不公开")
    async def subsidy_aggregates(
        self,
        info: Info,
        year: int,
        township_code: str | None = None,
        by_village: bool = False,
        by_month: bool = False,
        fund_code: str | None = None,
    ) -> SubsidyAggregates:
        if by_village and township_code is None:
            raise InvalidInput("按村统计须指定 townshipCode", code="INVALID_FIELD")
        check_year(year)
        if township_code is not None:
            await region_of_level(info.context, township_code, RegionLevel.TOWNSHIP)
        funds = {f.id: f for f in await db_subsidies.list_funds(info.context.db)}
        fund_id = next((f.id for f in funds.values() if f.code == fund_code), None)
        if fund_code is not None and fund_id is None:
            raise NotFound(f"未找到资金 {fund_code}", code="FUND_NOT_FOUND")
        minimum = await db_subsidies.get_min_group_size(info.context.db)
        rows = await db_subsidies.list_aggregates(
            info.context.db,
            year=year,
            region_prefix=township_code,
            by_village=by_village,
            by_month=by_month,
            fund_id=fund_id,
        )
        cells = [
            AggregateCell(
                fund_code=funds[r.fund_id].code,
                fund_name=funds[r.fund_id].name,
                region_code=r.region_code,
                period=r.period,
                withheld=False,
                amount_yuan=r.amount_yuan,
                beneficiaries=r.beneficiaries,
            )
            for r in rows
        ]
        # Only funds that list no one withhold small groups: a notice fund's list already shows them.
        sensitive = {f.code for f in funds.values() if f.disclosure == AGGREGATE}
        # A township sees its own villages' figures as they are.
        viewer = info.context.viewer
        small = [c for c in cells if c.fund_code in sensitive and not viewer.oversees(c.region_code)]
        withhold(small, minimum, group_by_township=not by_village)
        return SubsidyAggregates(min_group_size=minimum, cells=cells)


@strawberry.type
class SubsidyMutations:
    @field(
        PUBLIC,
        description="部门记录资金流转（用款计划、审批、拨付、到户发放），逐条处理、逐条回答；随后运行疑点规则",
        callers=DEPARTMENTS,
    )
    async def record_subsidy_money(
        self, info: Info, records: list[MoneyRecordInput]
    ) -> MoneyRecordBatchResult:
        department_id, _ = info.context.viewer.department()
        if len(records) > 1000:
            raise InvalidInput("一次最多 1000 条", code="BATCH_TOO_LARGE")
        rows = [
            (
                index,
                {key: str(value) for key, value in vars(record).items() if value is not None},
            )
            for index, record in enumerate(records, start=1)
        ]
        async with info.context.pool.acquire() as conn:
            applied, problems = await record_money(conn, rows=rows, department_id=department_id)
        periods = [r.period for r in records]
        flags = (
            await red_flags.run(info.context.pool, since=min(periods), until=info.context.today)
            if applied
            else red_flags.FlagResult({})
        )
        by_index = {p.line: p for p in problems}
        done = {a.line: a for a in applied}
        return MoneyRecordBatchResult(
            applied=sum(a.what != "repeat" for a in applied),
            duplicates=sum(a.what == "repeat" for a in applied),
            refused=len(problems),
            alerts_raised=flags.total,
            results=[
                MoneyRecordResult(
                    index=i,
                    outcome="REFUSED"
                    if i in by_index
                    else ("DUPLICATE" if done[i].what == "repeat" else "APPLIED"),
                    code=by_index[i].code if i in by_index else None,
                    message=by_index[i].message if i in by_index else None,
                )
                for i, _ in rows
            ],
        )
