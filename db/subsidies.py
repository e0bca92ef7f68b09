"""Subsidy funds, households, the four monitoring points, red flags, lookups and aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from db.executor import Connection, Executor
from db.queries import load

Q = load("subsidies")

# Each red-flag rule is one set-based statement over a period (see subsidies.sql).
FLAG_QUERIES = {
    "PAID_AFTER_DEATH": Q.insert_flag_cards_paid_after_death,
    "BENEFICIARY_IS_OFFICIAL": Q.insert_flag_cards_beneficiary_is_official,
    "DUPLICATE_BENEFIT": Q.insert_flag_cards_duplicate_benefit,
    "ABOVE_STANDARD": Q.insert_flag_cards_above_standard,
    "INVALID_OR_SHARED_ID": Q.insert_flag_cards_invalid_or_shared_id,
    "LATE_DISBURSEMENT": Q.insert_flag_cards_late_disbursement,
}


@dataclass(frozen=True, slots=True)
class FundRow:
    id: int
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
    disclosure: str  # notice | aggregate (domain/disclosure.py)


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    household_id: int
    name: str
    id_number: str
    relation: str
    is_head: bool
    deceased_on: date | None
    household_no: str
    village_code: str
    address: str
    land_mu: Decimal


@dataclass(frozen=True, slots=True)
class LookupRow:
    payment_id: int
    period: date
    fund_name: str
    standard_yuan: Decimal
    standard_unit: str
    standard_note: str
    beneficiary: str
    address: str
    disbursed_on: date
    form: str
    amount_yuan: Decimal


@dataclass(frozen=True, slots=True)
class NoticeRow:
    id: int
    payment_no: str
    period: date
    name: str
    id_number: str
    address: str
    amount_yuan: Decimal
    land_mu: Decimal | None


@dataclass(frozen=True, slots=True)
class AggregateRow:
    fund_id: int
    region_code: str
    period: date
    amount_yuan: Decimal
    beneficiaries: int
    payments: int


async def list_funds(db: Executor) -> list[FundRow]:
    return [FundRow(**r) for r in await db.fetch(Q.list_funds)]


async def get_fund_by_code(db: Executor, *, code: str) -> FundRow | None:
    row = await db.fetchrow(Q.get_fund_by_code, code)
    return FundRow(**row) if row else None


async def list_members_by_id_number(db: Executor, *, id_number: str) -> list[MemberRow]:
    return [MemberRow(**r) for r in await db.fetch(Q.list_members_by_id_number, id_number)]


async def list_payments_by_household(
    db: Executor,
    *,
    household_id: int,
    years: Sequence[int],
    before: tuple[date, int] | None,
    limit: int,
) -> list[LookupRow]:
    """A household's disbursed payments of ``years``, newest first, keyset on (period, id):
    those before ``before`` (the last row of the page before), or from the newest."""
    period, last = before if before else (None, None)
    rows = await db.fetch(Q.list_payments_by_household, household_id, list(years), period, last, limit)
    return [LookupRow(**r) for r in rows]


async def list_notice_entries(
    db: Executor, *, village_code: str, fund_id: int, period: date, after_id: int, limit: int
) -> list[NoticeRow]:
    rows = await db.fetch(Q.list_notice_entries, period.year, village_code, fund_id, period, after_id, limit)
    return [NoticeRow(**r) for r in rows]


async def list_aggregates(
    db: Executor,
    *,
    year: int,
    region_prefix: str | None,
    by_village: bool,
    by_month: bool,
    fund_id: int | None,
) -> list[AggregateRow]:
    rows = await db.fetch(
        Q.list_aggregates, year, region_prefix, "village" if by_village else "township", by_month, fund_id
    )
    return [AggregateRow(**r) for r in rows]


async def update_aggregates(conn: Connection, *, payments: Sequence[tuple[int, int]]) -> None:
    """Count the just inserted ``payments`` (year, id) in the statistics' cells, in the
    transaction that inserted them (every writer of payments calls this or
    :func:`rebuild_aggregates`)."""
    if not payments:
        return
    await conn.execute(Q.lock_aggregates)
    await conn.execute(Q.update_aggregates, [y for y, _ in payments], [i for _, i in payments])


async def rebuild_aggregates(conn: Connection) -> None:
    """Recompute every cell of the statistics from the payments: after a bulk load, in its
    transaction (cheaper than counting millions of payments one by one)."""
    await conn.execute(Q.rebuild_aggregates)


async def get_min_group_size(db: Executor) -> int:
    size: int | None = await db.fetchval(Q.get_min_group_size)
    return size or 5


async def insert_flag_cards(
    conn: Connection, *, rule: str, color: str, years: Sequence[int], since: date, at: datetime
) -> list[int]:
    """Raise ``rule``'s alerts on payments of ``years`` for periods from ``since``; the ids of the
    new cards (an alert already raised is not raised again)."""
    rows = await conn.fetch(FLAG_QUERIES[rule], list(years), since, at, color)
    return [r["id"] for r in rows]


@dataclass(frozen=True, slots=True)
class TrailRow:
    source: str
    stage: str
    on_day: date
    amount_yuan: Decimal
    form: str | None
    recorded_by: str
    recorded_by_name: str | None
    corrects_id: int | None
    id: int


@dataclass(frozen=True, slots=True)
class PaymentRow:
    id: int
    year: int
    payment_no: str
    period: date
    amount_yuan: Decimal
    land_mu: Decimal | None
    fund_name: str
    batch_no: str


async def list_members_by_id(db: Executor, *, ids: Sequence[int]) -> list[MemberRow]:
    return [MemberRow(**r) for r in await db.fetch(Q.list_members_by_id, list(ids))]


async def list_payments_by_ref(db: Executor, *, refs: Sequence[tuple[int, int]]) -> list[PaymentRow]:
    """Payments by (year, id)."""
    years, ids = [y for y, _ in refs], [i for _, i in refs]
    return [PaymentRow(**r) for r in await db.fetch(Q.list_payments_by_ref, years, ids)]


async def list_trail_by_payment(db: Executor, *, year: int, payment_id: int) -> list[TrailRow]:
    return [TrailRow(**r) for r in await db.fetch(Q.list_trail_by_payment, year, payment_id)]
