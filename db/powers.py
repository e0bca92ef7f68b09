"""Powers, their materials and adjustments, process maps and integrity risk points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from db.executor import Executor
from db.org import DepartmentRow
from db.queries import Statement, load, part
from domain.errors import NotFound

Q = load("powers")


@dataclass(frozen=True, slots=True)
class DraftScope:
    """Which unpublished (draft) powers the caller may see besides everything published."""

    every_department: bool = False
    departments: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PowerSearch:
    statuses: tuple[str, ...] = ("published",)
    category: str | None = None
    department_id: int | None = None
    # Every two-character window of the keywords (the GIN index) and each keyword as a LIKE
    # pattern (the exact check, and the only one for a one-character keyword).
    bigrams: tuple[str, ...] | None = None
    patterns: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class PowerRow:
    id: int
    code: str
    name: str
    category: str
    department_id: int
    status: str
    service_level: str
    legal_basis: str
    conditions: str
    procedure: str
    fee_yuan: Decimal | None
    fee_basis: str
    statutory_limit_days: int | None
    promised_limit_days: int | None
    visits_needed: int
    parallel_approval: bool
    consultation_channel: str
    complaint_channel: str
    internal_note: str
    published_on: date | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MaterialRow:
    power_id: int
    position: int
    name: str
    copies: int
    original_required: bool
    note: str


@dataclass(frozen=True, slots=True)
class AdjustmentRow:
    id: int
    power_id: int
    kind: str
    effective_on: date
    reason: str
    document_no: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ElementsRow:
    """The power's elements as an adjustment fixed them, from ``effective_on`` on."""

    id: int
    power_id: int
    kind: str
    effective_on: date
    reason: str
    document_no: str
    elements: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StepRow:
    id: int
    power_id: int
    key: str
    name: str
    post_name: str
    department_id: int
    limit_days: int
    counts_toward_limit: bool
    checks: str
    position: int


@dataclass(frozen=True, slots=True)
class EdgeRow:
    power_id: int
    source: str
    target: str
    condition: str


@dataclass(frozen=True, slots=True)
class RiskPointRow:
    id: int
    step_id: int
    power_id: int
    description: str
    level: str


@dataclass(frozen=True, slots=True)
class MeasureRow:
    id: int
    risk_point_id: int
    description: str


def _search_args(scope: DraftScope, search: PowerSearch) -> list[Any]:
    return [
        scope.every_department,
        list(scope.departments),
        list(search.statuses),
        search.category,
        search.department_id,
        list(search.bigrams) if search.bigrams is not None else None,
        list(search.patterns) if search.patterns is not None else None,
    ]


async def list_powers(
    db: Executor, *, scope: DraftScope, search: PowerSearch, after_code: str | None, limit: int
) -> list[PowerRow]:
    """Powers in code order, starting after ``after_code`` (keyset pagination)."""
    sql, args = list_powers_statement(scope=scope, search=search, after_code=after_code, limit=limit)
    return [PowerRow(**r) for r in await db.fetch(sql, *args)]


def list_powers_statement(
    *, scope: DraftScope, search: PowerSearch, after_code: str | None, limit: int
) -> Statement:
    """:func:`list_powers`'s statement (rows of ``powers``), for a reader that builds on it."""
    return Q.list_powers, [*_search_args(scope, search), after_code, limit]


async def count_powers(db: Executor, *, scope: DraftScope, search: PowerSearch) -> int:
    total: int = await db.fetchval(Q.count_powers, *_search_args(scope, search))
    return total


@dataclass(frozen=True, slots=True)
class PowerBundle:
    power: PowerRow
    department: DepartmentRow


async def get_power_by_code(db: Executor, *, scope: DraftScope, code: str) -> PowerBundle:
    """A power with its department, in one statement."""
    sql, args = power_by_code_statement(scope=scope, code=code)
    row = await db.fetchrow(sql, *args)
    if row is None:
        raise NotFound(f"未找到编码为 {code} 的权力事项")
    return PowerBundle(part(row, PowerRow, ""), part(row, DepartmentRow, "d_"))


def power_by_code_statement(*, scope: DraftScope, code: str) -> Statement:
    """:func:`get_power_by_code`'s statement (the power's columns, then its department's prefixed
    ``d_``), for a reader that builds on it."""
    return Q.get_power_by_code, [scope.every_department, list(scope.departments), code]


@dataclass(frozen=True, slots=True)
class MapRows:
    steps: list[StepRow]
    edges: list[EdgeRow]


async def list_maps_by_power(db: Executor, *, power_ids: Sequence[int]) -> dict[int, MapRows]:
    """Each power's map (steps in order, edges), one statement for all of them."""
    maps: dict[int, MapRows] = {}
    for r in await db.fetch(Q.list_maps_by_power, list(power_ids)):
        rows = maps.setdefault(r["power_id"], MapRows([], []))
        if r["part"] == 0:
            rows.steps.append(part(r, StepRow, ""))
        else:
            rows.edges.append(part(r, EdgeRow, ""))
    return maps


async def list_powers_by_id(db: Executor, *, ids: Sequence[int]) -> list[PowerRow]:
    """Powers by id whatever their status: a case keeps showing the power it was filed under."""
    return [PowerRow(**r) for r in await db.fetch(Q.list_powers_by_id, list(ids))]


async def count_published_powers_by_department(
    db: Executor, *, department_ids: Sequence[int]
) -> dict[int, int]:
    rows = await db.fetch(Q.count_published_powers_by_department, list(department_ids))
    return {r["department_id"]: r["total"] for r in rows}


async def list_materials_by_power(db: Executor, *, power_ids: Sequence[int]) -> list[MaterialRow]:
    return [MaterialRow(**r) for r in await db.fetch(Q.list_materials_by_power, list(power_ids))]


async def list_adjustments_by_power(db: Executor, *, power_ids: Sequence[int]) -> list[AdjustmentRow]:
    return [AdjustmentRow(**r) for r in await db.fetch(Q.list_adjustments_by_power, list(power_ids))]


async def get_elements_as_of(db: Executor, *, power_id: int, day: date) -> ElementsRow | None:
    row = await db.fetchrow(Q.get_elements_as_of, power_id, day)
    if row is None:
        return None
    return ElementsRow(**{**row, "elements": orjson.loads(row["elements"])})


async def list_steps_by_power(db: Executor, *, power_ids: Sequence[int]) -> list[StepRow]:
    return [StepRow(**r) for r in await db.fetch(Q.list_steps_by_power, list(power_ids))]


async def list_risk_points_by_step(db: Executor, *, step_ids: Sequence[int]) -> list[RiskPointRow]:
    return [RiskPointRow(**r) for r in await db.fetch(Q.list_risk_points_by_step, list(step_ids))]


async def list_risk_points_by_power(db: Executor, *, power_ids: Sequence[int]) -> list[RiskPointRow]:
    return [RiskPointRow(**r) for r in await db.fetch(Q.list_risk_points_by_power, list(power_ids))]


async def list_measures_by_risk_point(db: Executor, *, risk_point_ids: Sequence[int]) -> list[MeasureRow]:
    return [MeasureRow(**r) for r in await db.fetch(Q.list_measures_by_risk_point, list(risk_point_ids))]
