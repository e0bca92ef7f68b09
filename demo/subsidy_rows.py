"""Rows as they are copied into the subsidy tables (migration 0003).

Each ``…Copy`` is a row as COPY writes it, its table's columns in order, so a list of them goes to
``copy_records_to_table`` as it is.  Ids are assigned by the generator, as in
:mod:`demo.rows`: the seed only loads an empty catalogue, so ids are as reproducible as the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple


class FundCopy(NamedTuple):
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
    disclosure: str


class HouseholdCopy(NamedTuple):
    id: int
    household_no: str
    village_code: str
    address: str
    land_mu: Decimal


class MemberCopy(NamedTuple):
    id: int
    household_id: int
    name: str
    id_number: str
    relation: str
    is_head: bool
    deceased_on: date | None


class OfficialCopy(NamedTuple):
    id: int
    name: str
    id_number: str
    kind: str
    department_id: int | None
    village_code: str | None
    position: str


class RelativeCopy(NamedTuple):
    id: int
    official_id: int
    name: str
    id_number: str
    relation: str


class BatchCopy(NamedTuple):
    id: int
    batch_no: str
    fund_id: int
    township_code: str
    period: date
    recorded_at: datetime


class StageCopy(NamedTuple):
    id: int
    batch_id: int
    stage: str
    stage_on: date
    amount_yuan: Decimal
    recorded_by: str
    corrects_id: int | None
    note: str
    recorded_at: datetime


class PaymentCopy(NamedTuple):
    id: int
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
    recorded_at: datetime


class DisbursementCopy(NamedTuple):
    id: int
    year: int
    payment_id: int
    disbursed_on: date
    amount_yuan: Decimal
    form: str
    recorded_by: str
    corrects_id: int | None
    note: str
    recorded_at: datetime


Table = tuple[str, tuple[str, ...], Sequence[tuple[object, ...]]]


@dataclass(slots=True)
class RegistryChunk:
    """Households and their members, a few tens of thousands at a time."""

    households: list[HouseholdCopy] = field(default_factory=list)
    members: list[MemberCopy] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [
            ("households", HouseholdCopy._fields, self.households),
            ("household_members", MemberCopy._fields, self.members),
        ]


@dataclass(slots=True)
class LedgerChunk:
    """Batches with their stages, and the payments and disbursements of those batches (a
    batch is never split between chunks, so the foreign keys hold chunk by chunk)."""

    batches: list[BatchCopy] = field(default_factory=list)
    stages: list[StageCopy] = field(default_factory=list)
    payments: list[PaymentCopy] = field(default_factory=list)
    disbursements: list[DisbursementCopy] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [
            ("payment_batches", BatchCopy._fields, self.batches),
            ("batch_stages", StageCopy._fields, self.stages),
            ("payments", PaymentCopy._fields, self.payments),
            ("disbursements", DisbursementCopy._fields, self.disbursements),
        ]
