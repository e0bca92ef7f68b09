"""The subsidy ledger as files write it: funds, households with their members, and money through
the four monitoring points (a batch's plan, approval and allocation; each household's
disbursement). Records are immutable: a second record of a stage or a payment names the one it
corrects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from db.executor import Connection
from db.queries import load

Q = load("ledger")


@dataclass(frozen=True, slots=True)
class NewFund:
    code: str
    name: str
    fund_type: str
    purpose: str
    policy_basis: str
    standard_yuan: Decimal
    standard_unit: str
    standard_note: str
    department_id: int
    disburse_within_days: int
    disclosure: str


@dataclass(frozen=True, slots=True)
class NewMember:
    name: str
    id_number: str
    relation: str
    is_head: bool
    deceased_on: date | None


@dataclass(frozen=True, slots=True)
class BatchRow:
    id: int
    fund_id: int


@dataclass(frozen=True, slots=True)
class StageRow:
    id: int
    stage_on: date
    amount_yuan: Decimal


@dataclass(frozen=True, slots=True)
class MemberPlaceRow:
    id: int
    household_id: int
    village_code: str


@dataclass(frozen=True, slots=True)
class DisbursementRow:
    id: int
    disbursed_on: date
    amount_yuan: Decimal
    form: str


@dataclass(frozen=True, slots=True)
class NewPayment:
    year: int
    payment_no: str
    batch_id: int
    fund_id: int
    household_id: int
    member_id: int
    village_code: str
    period: date
    amount_yuan: Decimal
    land_mu: Decimal | None


async def insert_fund(conn: Connection, *, fund: NewFund) -> bool:
    """True when stored; False when a fund with that code exists."""
    status = await conn.execute(
        Q.insert_fund,
        fund.code,
        fund.name,
        fund.fund_type,
        fund.purpose,
        fund.policy_basis,
        fund.standard_yuan,
        fund.standard_unit,
        fund.standard_note,
        fund.department_id,
        fund.disburse_within_days,
        fund.disclosure,
    )
    return status.endswith(" 1")


async def list_village_codes(conn: Connection) -> set[str]:
    return {r["code"] for r in await conn.fetch(Q.list_village_codes)}


async def insert_household(
    conn: Connection, *, household_no: str, village_code: str, address: str, land_mu: Decimal
) -> int | None:
    """The new household's id; None when that household number exists."""
    household_id: int | None = await conn.fetchval(
        Q.insert_household, household_no, village_code, address, land_mu
    )
    return household_id


async def insert_members(conn: Connection, *, household_id: int, members: Sequence[NewMember]) -> None:
    await conn.executemany(
        Q.insert_members,
        [(household_id, m.name, m.id_number, m.relation, m.is_head, m.deceased_on) for m in members],
    )


async def list_fund_ids_by_department(conn: Connection, *, department_id: int) -> dict[str, int]:
    """The department's funds, id by code."""
    return {r["code"]: r["id"] for r in await conn.fetch(Q.list_funds_by_department, department_id)}


async def get_batch_by_no(conn: Connection, *, batch_no: str) -> BatchRow | None:
    row = await conn.fetchrow(Q.get_batch_by_no, batch_no)
    return BatchRow(row["id"], row["fund_id"]) if row else None


async def has_township(conn: Connection, *, code: str) -> bool:
    return bool(await conn.fetchval(Q.has_township, code))


async def insert_batch(
    conn: Connection, *, batch_no: str, fund_id: int, township_code: str, period: date
) -> int:
    batch_id: int = await conn.fetchval(Q.insert_batch, batch_no, fund_id, township_code, period)
    return batch_id


async def get_last_stage_on(conn: Connection, *, batch_id: int, stage: str) -> date | None:
    """The latest day ``stage`` was recorded for the batch (for allocation: the day it was paid
    out to the township)."""
    day: date | None = await conn.fetchval(Q.get_last_stage_on, batch_id, stage)
    return day


async def get_latest_stage(conn: Connection, *, batch_id: int, stage: str) -> StageRow | None:
    row = await conn.fetchrow(Q.get_latest_stage, batch_id, stage)
    return StageRow(row["id"], row["stage_on"], row["amount_yuan"]) if row else None


async def insert_batch_stage(
    conn: Connection,
    *,
    batch_id: int,
    stage: str,
    stage_on: date,
    amount_yuan: Decimal,
    recorded_by: str,
    corrects_id: int | None,
) -> int:
    stage_id: int = await conn.fetchval(
        Q.insert_batch_stage, batch_id, stage, stage_on, amount_yuan, recorded_by, corrects_id
    )
    return stage_id


async def get_member_in_household(
    conn: Connection, *, household_no: str, id_number: str
) -> MemberPlaceRow | None:
    row = await conn.fetchrow(Q.get_member_in_household, household_no, id_number)
    return MemberPlaceRow(row["id"], row["household_id"], row["village_code"]) if row else None


async def get_payment_id_by_no(conn: Connection, *, year: int, payment_no: str) -> int | None:
    payment_id: int | None = await conn.fetchval(Q.get_payment_by_no, year, payment_no)
    return payment_id


async def insert_payment(conn: Connection, *, payment: NewPayment) -> int:
    p = payment
    payment_id: int = await conn.fetchval(
        Q.insert_payment,
        p.year,
        p.payment_no,
        p.batch_id,
        p.fund_id,
        p.household_id,
        p.member_id,
        p.village_code,
        p.period,
        p.amount_yuan,
        p.land_mu,
    )
    return payment_id


async def get_last_disbursement(conn: Connection, *, year: int, payment_id: int) -> DisbursementRow | None:
    row = await conn.fetchrow(Q.get_last_disbursement, year, payment_id)
    if row is None:
        return None
    return DisbursementRow(row["id"], row["disbursed_on"], row["amount_yuan"], row["form"])


async def insert_disbursement(
    conn: Connection,
    *,
    year: int,
    payment_id: int,
    disbursed_on: date,
    amount_yuan: Decimal,
    form: str,
    recorded_by: str,
    corrects_id: int | None,
    note: str,
) -> int:
    disbursement_id: int = await conn.fetchval(
        Q.insert_disbursement,
        year,
        payment_id,
        disbursed_on,
        amount_yuan,
        form,
        recorded_by,
        corrects_id,
        note,
    )
    return disbursement_id
