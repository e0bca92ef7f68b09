"""A household's dossier: the household, its members, its payments with the four monitoring
points, and the red flags on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from db.executor import Executor
from db.queries import load

Q = load("households")


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    id: int
    household_no: str
    village_code: str
    address: str
    land_mu: Decimal


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    name: str
    id_number: str
    relation: str
    is_head: bool
    deceased_on: date | None


@dataclass(frozen=True, slots=True)
class PaymentRow:
    year: int
    id: int
    payment_no: str
    period: date
    amount_yuan: Decimal
    land_mu: Decimal | None
    member_id: int
    member_name: str
    batch_id: int
    batch_no: str
    fund_code: str
    fund_name: str
    department_id: int


@dataclass(frozen=True, slots=True)
class StageRow:
    """One monitoring-point record: a batch stage (``batch_id`` set) or a disbursement."""

    id: int
    stage: str
    on_day: date
    amount_yuan: Decimal
    form: str | None
    recorded_by: str
    recorded_by_name: str | None
    recorded_at: datetime
    corrects_id: int | None
    note: str


@dataclass(frozen=True, slots=True)
class FlagRow:
    id: int
    rule_code: str
    color: str
    status: str
    raised_on: date
    department_id: int
    payment_no: str | None
    member_id: int | None


async def get_household_by_no(db: Executor, *, household_no: str) -> HouseholdRow | None:
    row = await db.fetchrow(Q.get_household_by_no, household_no)
    return HouseholdRow(**row) if row else None


async def get_household_by_member_id_number(db: Executor, *, id_number: str) -> HouseholdRow | None:
    row = await db.fetchrow(Q.get_household_by_member_id_number, id_number)
    return HouseholdRow(**row) if row else None


async def list_members_by_household(db: Executor, *, household_id: int) -> list[MemberRow]:
    return [MemberRow(**r) for r in await db.fetch(Q.list_members_by_household, household_id)]


async def list_payments_by_household(
    db: Executor, *, household_id: int, before: tuple[date, int] | None, limit: int
) -> list[PaymentRow]:
    day, last = before if before is not None else (None, None)
    rows = await db.fetch(Q.list_payments_by_household, household_id, day, last, limit)
    return [PaymentRow(**r) for r in rows]


async def count_payments_by_household(db: Executor, *, household_id: int) -> int:
    count: int = await db.fetchval(Q.count_payments_by_household, household_id)
    return count


async def list_stages_by_batches(db: Executor, *, batch_ids: Sequence[int]) -> dict[int, list[StageRow]]:
    """Batch id → its plan, approval and allocation records, by date."""
    found: dict[int, list[StageRow]] = {}
    for r in await db.fetch(Q.list_stages_by_batches, list(batch_ids)):
        found.setdefault(r["batch_id"], []).append(
            StageRow(
                id=r["id"],
                stage=r["stage"],
                on_day=r["stage_on"],
                amount_yuan=r["amount_yuan"],
                form=None,
                recorded_by=r["recorded_by"],
                recorded_by_name=r["recorded_by_name"],
                recorded_at=r["recorded_at"],
                corrects_id=r["corrects_id"],
                note=r["note"],
            )
        )
    return found


async def list_disbursements_by_payments(
    db: Executor, *, payments: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], list[StageRow]]:
    """(year, payment id) → its disbursement records, by date."""
    found: dict[tuple[int, int], list[StageRow]] = {}
    rows = await db.fetch(
        Q.list_disbursements_by_payments, [y for y, _ in payments], [i for _, i in payments]
    )
    for r in rows:
        found.setdefault((r["year"], r["payment_id"]), []).append(
            StageRow(
                id=r["id"],
                stage="disbursement",
                on_day=r["disbursed_on"],
                amount_yuan=r["amount_yuan"],
                form=r["form"],
                recorded_by=r["recorded_by"],
                recorded_by_name=r["recorded_by_name"],
                recorded_at=r["recorded_at"],
                corrects_id=r["corrects_id"],
                note=r["note"],
            )
        )
    return found


async def list_flags_by_household(db: Executor, *, household_id: int) -> list[FlagRow]:
    return [FlagRow(**r) for r in await db.fetch(Q.list_flags_by_household, household_id)]
