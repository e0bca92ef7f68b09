"""Drilling down from subsidy red flags (惠民资金疑点): the payments behind a flag, the other
holders of a shared ID number, the officials an official's flag names. Each takes many cards at
once (the per-request loaders)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from db.executor import Executor
from db.queries import expand, load

Q = load("red_flags")
_LIST_PAYMENTS = expand(Q.list_payments_by_card, Q)
_COUNT_PAYMENTS = expand(Q.count_payments_by_card, Q)


@dataclass(frozen=True, slots=True)
class FlagPaymentRow:
    card_id: int
    year: int
    id: int
    payment_no: str
    period: date
    amount_yuan: Decimal
    land_mu: Decimal | None
    village_code: str
    fund_code: str
    fund_name: str
    batch_no: str
    disbursed_on: date | None
    disbursed_yuan: Decimal | None
    form: str | None


@dataclass(frozen=True, slots=True)
class OtherHolderRow:
    card_id: int
    id: int
    name: str
    id_number: str
    deceased_on: date | None
    household_no: str
    village_code: str
    address: str


@dataclass(frozen=True, slots=True)
class FlagOfficialRow:
    card_id: int
    id: int
    name: str
    kind: str  # official | village_cadre
    position: str
    department_id: int | None
    village_code: str | None
    relation: str  # 本人, or the relative's declared relation


async def list_payments_by_card(db: Executor, *, card_ids: Sequence[int], limit: int) -> list[FlagPaymentRow]:
    """Up to ``limit`` payments behind each card, newest period first."""
    rows = await db.fetch(_LIST_PAYMENTS, list(card_ids), limit)
    return [FlagPaymentRow(**r) for r in rows]


async def count_payments_by_card(db: Executor, *, card_ids: Sequence[int]) -> dict[int, int]:
    return {r["card_id"]: r["total"] for r in await db.fetch(_COUNT_PAYMENTS, list(card_ids))}


async def list_other_holders_by_card(db: Executor, *, card_ids: Sequence[int]) -> list[OtherHolderRow]:
    return [OtherHolderRow(**r) for r in await db.fetch(Q.list_other_holders_by_card, list(card_ids))]


async def list_officials_by_card(db: Executor, *, card_ids: Sequence[int]) -> list[FlagOfficialRow]:
    return [FlagOfficialRow(**r) for r in await db.fetch(Q.list_officials_by_card, list(card_ids))]
