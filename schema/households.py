"""A household's dossier (户档案) for the discipline committee and for the township of the
household's village: members, every payment with the four monitoring points of its money (who
recorded each, and when), and the red flags on the household. Asking for it is an audited read
with a reason; its personal fields are recorded as they are shown."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Self

import strawberry

from db import households as db_households
from domain.errors import InvalidInput, NotFound
from domain.identity import normalize_id_number
from domain.masking import PersonalKind
from domain.supervision import COLOR_LABELS, RULE_LABELS
from domain.viewer import Role
from schema.context import Info
from schema.org import Region
from schema.pagination import Connection, decode_date_id_cursor, edges_and_info, page_size
from schema.visibility import DISCIPLINE_AND_TOWNSHIPS, OWNER, PUBLIC, field, personal

STAGE_LABELS = {
    "plan": "用款计划申请",
    "approval": "资金使用审批",
    "allocation": "资金拨付",
    "disbursement": "资金发放",
}
FORMS = {"card": "一卡通", "cash": "现金"}


@strawberry.type(description="户成员")
class HouseholdMember:
    owner_department_id: strawberry.Private[int | None]
    owner_village_code: strawberry.Private[str]
    audit_ref: strawberry.Private[tuple[str, str]]
    name: str | None = field(personal(PersonalKind.NAME), description="姓名")
    id_number: str | None = field(personal(PersonalKind.ID_NUMBER), description="身份证号码")
    relation: str | None = field(OWNER, description="与户主关系")
    is_head: bool | None = field(OWNER, description="是否户主")
    deceased_on: date | None = field(OWNER, description="死亡日期")

    @classmethod
    def from_row(cls, row: db_households.MemberRow, village_code: str) -> Self:
        return cls(
            owner_department_id=None,
            owner_village_code=village_code,
            audit_ref=("member", str(row.id)),
            name=row.name,
            id_number=row.id_number,
            relation=row.relation,
            is_head=row.is_head,
            deceased_on=row.deceased_on,
        )


@strawberry.type(description="资金流转的一个监测点记录：批次的用款计划、审批、拨付，或到户发放")
class PaymentStage:
    owner_department_id: strawberry.Private[int]
    owner_village_code: strawberry.Private[str]
    stage: str | None = field(OWNER, description="plan / approval / allocation / disbursement")
    stage_label: str | None = field(OWNER, description="监测点（中文）")
    on_day: date | None = field(OWNER, description="业务日期")
    amount_yuan: Decimal | None = field(OWNER, description="金额（元）；批次各环节为批次合计")
    form: str | None = field(OWNER, description="发放形式：一卡通 / 现金（仅发放）")
    recorded_by: str | None = field(OWNER, description="录入人工号")
    recorded_by_name: str | None = field(OWNER, description="录入人姓名（非本系统工作人员为 null）")
    recorded_at: datetime | None = field(OWNER, description="录入时间")
    corrects: bool | None = field(OWNER, description="是否为对前一记录的更正")
    note: str | None = field(OWNER, description="备注")

    @classmethod
    def from_row(cls, row: db_households.StageRow, owner: int, village_code: str) -> Self:
        return cls(
            owner_department_id=owner,
            owner_village_code=village_code,
            stage=row.stage,
            stage_label=STAGE_LABELS[row.stage],
            on_day=row.on_day,
            amount_yuan=row.amount_yuan,
            form=FORMS.get(row.form) if row.form else None,
            recorded_by=row.recorded_by,
            recorded_by_name=row.recorded_by_name,
            recorded_at=row.recorded_at,
            corrects=row.corrects_id is not None,
            note=row.note,
        )


@strawberry.type(description="发放到本户的一笔补助及其四个监测点")
class HouseholdPayment:
    owner_department_id: strawberry.Private[int]
    owner_village_code: strawberry.Private[str]
    audit_ref: strawberry.Private[tuple[str, str]]
    payment_no: str | None = field(OWNER, description="补助编号")
    fund_code: str | None = field(OWNER, description="资金编码")
    fund_name: str | None = field(OWNER, description="资金项目")
    batch_no: str | None = field(OWNER, description="批次")
    period: date | None = field(OWNER, description="所属期")
    amount_yuan: Decimal | None = field(OWNER, description="应发金额（元）")
    land_mu: Decimal | None = field(OWNER, description="补贴面积（亩）")
    beneficiary: str | None = field(personal(PersonalKind.NAME), description="受益人")
    stages: list[PaymentStage] | None = field(
        OWNER, description="四个监测点：批次的用款计划、审批、拨付，本笔的发放（含更正），按日期"
    )


@strawberry.type(description="本户补助分页（所属期新的在前）")
class HouseholdPaymentConnection(Connection[HouseholdPayment]):
    household_id: strawberry.Private[int]

    @field(PUBLIC, description="本户补助总笔数")
    async def total_count(self, info: Info) -> int:
        return await db_households.count_payments_by_household(
            info.context.db, household_id=self.household_id
        )


@strawberry.type(description="本户的补助疑点预警")
class HouseholdFlag:
    owner_department_id: strawberry.Private[int]
    owner_village_code: strawberry.Private[str]
    card_id: str | None = field(OWNER, description="监察卡编号")
    rule_code: str | None = field(OWNER, description="疑点规则")
    rule_label: str | None = field(OWNER, description="疑点（中文）")
    color: str | None = field(OWNER, description="yellow / red")
    color_label: str | None = field(OWNER, description="黄牌 / 红牌")
    status: str | None = field(OWNER, description="open / explained / closed")
    raised_on: date | None = field(OWNER, description="预警日期")
    payment_no: str | None = field(OWNER, description="涉及的补助编号（按人的疑点为 null）")


@strawberry.type(description="户档案")
class HouseholdDossier:
    id: strawberry.Private[int]
    owner_department_id: strawberry.Private[int | None]
    owner_village_code: strawberry.Private[str]
    audit_ref: strawberry.Private[tuple[str, str]]
    household_no: str | None = field(OWNER, description="户编号")
    village_code: str | None = field(OWNER, description="所在村（社区）代码")
    address: str | None = field(personal(PersonalKind.ADDRESS), description="住址")
    land_mu: Decimal | None = field(OWNER, description="承包面积（亩）")

    @classmethod
    def from_row(cls, row: db_households.HouseholdRow) -> Self:
        return cls(
            id=row.id,
            owner_department_id=None,
            owner_village_code=row.village_code,
            audit_ref=("household", row.household_no),
            household_no=row.household_no,
            village_code=row.village_code,
            address=row.address,
            land_mu=row.land_mu,
        )

    @field(OWNER, description="所在村（社区）")
    async def village(self, info: Info) -> Region | None:
        row = await info.context.loaders.region.load(self.owner_village_code)
        return Region.from_row(row) if row else None

    @field(OWNER, description="户成员（户主在前）")
    async def members(self, info: Info) -> list[HouseholdMember] | None:
        rows = await db_households.list_members_by_household(info.context.db, household_id=self.id)
        return [HouseholdMember.from_row(r, self.owner_village_code) for r in rows]

    @field(OWNER, description="本户全部补助（各年），所属期新的在前，分页（first、after）")
    async def payments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> HouseholdPaymentConnection | None:
        size = page_size(first, info.context.limits)
        db = info.context.db
        rows = await db_households.list_payments_by_household(
            db, household_id=self.id, before=decode_date_id_cursor(after), limit=size + 1
        )
        page = rows[:size]
        stages = await db_households.list_stages_by_batches(db, batch_ids=sorted({r.batch_id for r in page}))
        paid = await db_households.list_disbursements_by_payments(db, payments=[(r.year, r.id) for r in page])
        village = self.owner_village_code

        def node(r: db_households.PaymentRow) -> HouseholdPayment:
            trail = [*stages.get(r.batch_id, []), *paid.get((r.year, r.id), [])]
            return HouseholdPayment(
                owner_department_id=r.department_id,
                owner_village_code=village,
                audit_ref=("payment", r.payment_no),
                payment_no=r.payment_no,
                fund_code=r.fund_code,
                fund_name=r.fund_name,
                batch_no=r.batch_no,
                period=r.period,
                amount_yuan=r.amount_yuan,
                land_mu=r.land_mu,
                beneficiary=r.member_name,
                stages=[PaymentStage.from_row(s, r.department_id, village) for s in trail],
            )

        edges, page_info = edges_and_info(rows, size, lambda r: f"{r.period.isoformat()}/{r.id}", node)
        return HouseholdPaymentConnection(edges=edges, page_info=page_info, household_id=self.id)

    @field(OWNER, description="本户成员或本户补助上的疑点预警，新的在前")
    async def red_flags(self, info: Info) -> list[HouseholdFlag] | None:
        rows = await db_households.list_flags_by_household(info.context.db, household_id=self.id)
        return [
            HouseholdFlag(
                owner_department_id=r.department_id,
                owner_village_code=self.owner_village_code,
                card_id=str(r.id),
                rule_code=r.rule_code,
                rule_label=RULE_LABELS.get(r.rule_code, r.rule_code),
                color=r.color,
                color_label=COLOR_LABELS.get(r.color, r.color),
                status=r.status,
                raised_on=r.raised_on,
                payment_no=r.payment_no,
            )
            for r in rows
        ]


@strawberry.type
class HouseholdQueries:
    @field(
        PUBLIC,
        description="户档案：按户编号（householdNo）或成员身份证号码（memberIdNumber）查一户的成员、全部补助"
        "及其四个监测点、疑点预警；乡镇（街道）只能查本镇各村的户",
        callers=DISCIPLINE_AND_TOWNSHIPS,
        audited=True,
    )
    async def household(
        self, info: Info, household_no: str | None = None, member_id_number: str | None = None
    ) -> HouseholdDossier:
        if (household_no is None) == (member_id_number is None):
            raise InvalidInput(
                "请指定户编号（householdNo）或成员身份证号码（memberIdNumber）之一", code="INVALID_FIELD"
            )
        db = info.context.db
        if member_id_number is not None:
            row = await db_households.get_household_by_member_id_number(
                db, id_number=normalize_id_number(member_id_number)
            )
        else:
            row = await db_households.get_household_by_no(db, household_no=str(household_no).strip())
        viewer = info.context.viewer
        # A township's question about another township's household answers as an unknown one.
        if row is None or (viewer.role is Role.TOWNSHIP and not viewer.oversees(row.village_code)):
            raise NotFound("未找到该户", code="HOUSEHOLD_NOT_FOUND")
        info.context.record_read("household", row.household_no, "household")
        return HouseholdDossier.from_row(row)
