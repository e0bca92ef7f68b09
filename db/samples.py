"""Sample keys of the data as loaded (a case of each kind, a household, a notice list, a long
process map) for people trying the public API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from db.executor import Executor
from db.queries import load

Q = load("samples")


@dataclass(frozen=True, slots=True)
class CaseKeyRow:
    case_no: str
    query_code_hash: bytes


@dataclass(frozen=True, slots=True)
class HolderRow:
    name: str
    id_number: str
    payments: int


@dataclass(frozen=True, slots=True)
class NoticeKeyRow:
    village_code: str
    fund_code: str
    period: date
    entries: int


@dataclass(frozen=True, slots=True)
class MapKeyRow:
    code: str
    name: str
    steps: int


async def list_cases_in_progress(db: Executor, *, limit: int) -> list[CaseKeyRow]:
    return [CaseKeyRow(**r) for r in await db.fetch(Q.list_cases_in_progress, limit)]


async def list_cases_ratable(db: Executor, *, limit: int) -> list[CaseKeyRow]:
    return [CaseKeyRow(**r) for r in await db.fetch(Q.list_cases_ratable, limit)]


async def list_cases_late(db: Executor, *, limit: int) -> list[CaseKeyRow]:
    return [CaseKeyRow(**r) for r in await db.fetch(Q.list_cases_late, limit)]


async def get_busiest_holder(db: Executor, *, years: Sequence[int]) -> HolderRow | None:
    row = await db.fetchrow(Q.get_busiest_holder, list(years))
    return HolderRow(**row) if row else None


async def get_longest_notice(db: Executor) -> NoticeKeyRow | None:
    row = await db.fetchrow(Q.get_longest_notice)
    return NoticeKeyRow(**row) if row else None


async def get_longest_map(db: Executor) -> MapKeyRow | None:
    row = await db.fetchrow(Q.get_longest_map)
    return MapKeyRow(**row) if row else None
