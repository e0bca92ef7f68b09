"""What a subsidy red flag (惠民资金疑点) is about, for the officials who check it: the payments
behind it, the other holder of a shared ID number, the official an official's flag names.

Each belongs to the card's department (the fund's), as the card does: that department and
discipline see the people unmasked (the other holder of a shared ID number too, whom they must
tell apart to clear the flag), and every such read is audited as every unmasked personal read is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Self

import strawberry

from db import red_flags as db_red_flags
from domain.masking import PersonalKind
from schema.context import Info
from schema.org import Department, Region
from schema.visibility import OWNER, field, personal

OFFICIAL_KIND_LABELS = {"official": "公职人员", "village_cadre": "村干部"}


async def _region(info: Info, code: str | None) -> Region | None:
    row = await info.context.loaders.region.load(code) if code else None
    return Region.from_row(row) if row else None


@strawberry.type(description="疑点背后的一笔补助：资金、所属期、金额、村（社区）与发放")
class FlagPayment:
    owner_department_id: strawberry.Private[int]
    village_code: strawberry.Private[str]
    payment_no: str | None = field(OWNER, description="补助编号")
    fund_code: str | None = field(OWNER, description="资金编码")
    fund_name: str | None = field(OWNER, description="资金项目")
    batch_no: str | None = field(OWNER, description="批次")
    period: date | None = field(OWNER, description="所属期")
    amount_yuan: Decimal | None = field(OWNER, description="应发金额（元）")
    land_mu: Decimal | None = field(OWNER, description="补贴面积（亩）")
    disbursed_on: date | None = field(OWNER, description="发放日期（以更正后的记录为准）；未发放为 null")
    disbursed_yuan: Decimal | None = field(OWNER, description="实发金额（元）")
    form: str | None = field(OWNER, description="发放形式：card（一卡通）/ cash（现金）")

    @classmethod
    def from_row(cls, row: db_red_flags.FlagPaymentRow, owner: int) -> Self:
        return cls(
            owner_department_id=owner,
            village_code=row.village_code,
            payment_no=row.payment_no,
            fund_code=row.fund_code,
            fund_name=row.fund_name,
            batch_no=row.batch_no,
            period=row.period,
            amount_yuan=row.amount_yuan,
            land_mu=row.land_mu,
            disbursed_on=row.disbursed_on,
            disbursed_yuan=row.disbursed_yuan,
            form=row.form,
        )

    @field(OWNER, description="受益人所在村（社区）")
    async def village(self, info: Info) -> Region | None:
        return await _region(info, self.village_code)


@strawberry.type(description="与疑点人员共用同一身份证号码的另一人（本部门与纪委监委见原文，读取记入审计）")
class OtherHolder:
    owner_department_id: strawberry.Private[int]
    audit_ref: strawberry.Private[tuple[str, str]]
    village_code: strawberry.Private[str]
    name: str | None = field(personal(PersonalKind.NAME), description="姓名")
    id_number: str | None = field(personal(PersonalKind.ID_NUMBER), description="身份证号码")
    address: str | None = field(personal(PersonalKind.ADDRESS), description="住址")
    household_no: str | None = field(OWNER, description="户编号")
    deceased_on: date | None = field(OWNER, description="死亡日期")

    @classmethod
    def from_row(cls, row: db_red_flags.OtherHolderRow, owner: int) -> Self:
        return cls(
            owner_department_id=owner,
            audit_ref=("member", str(row.id)),
            village_code=row.village_code,
            name=row.name,
            id_number=row.id_number,
            address=row.address,
            household_no=row.household_no,
            deceased_on=row.deceased_on,
        )

    @field(OWNER, description="所在村（社区）")
    async def village(self, info: Info) -> Region | None:
        return await _region(info, self.village_code)


@strawberry.type(description="疑点所涉公职人员或村干部：职务、所在部门或村，与受益人的关系")
class FlagOfficial:
    owner_department_id: strawberry.Private[int]
    audit_ref: strawberry.Private[tuple[str, str]]
    department_id: strawberry.Private[int | None]
    village_code: strawberry.Private[str | None]
    name: str | None = field(personal(PersonalKind.NAME), description="姓名")
    kind: str | None = field(OWNER, description="official（公职人员）/ village_cadre（村干部）")
    kind_label: str | None = field(OWNER, description="类别（中文）")
    post: str | None = field(OWNER, description="职务（岗位）")
    relation: str | None = field(OWNER, description="受益人与其关系：本人，或备案的亲属关系")

    @classmethod
    def from_row(cls, row: db_red_flags.FlagOfficialRow, owner: int) -> Self:
        return cls(
            owner_department_id=owner,
            audit_ref=("official", str(row.id)),
            department_id=row.department_id,
            village_code=row.village_code,
            name=row.name,
            kind=row.kind,
            kind_label=OFFICIAL_KIND_LABELS.get(row.kind, row.kind),
            post=row.position,
            relation=row.relation,
        )

    @field(OWNER, description="任职部门（公职人员）")
    async def department(self, info: Info) -> Department | None:
        row = await info.context.loaders.department.load(self.department_id) if self.department_id else None
        return Department.from_row(row) if row else None

    @field(OWNER, description="任职的村（社区）（村干部）")
    async def village(self, info: Info) -> Region | None:
        return await _region(info, self.village_code)
