"""Rows as they are copied into the foundation tables.

Each ``…Copy`` is a row as COPY writes it: its fields are the table's columns in order, so a list
of them goes to ``copy_records_to_table`` as it is.  (The suffix keeps them apart from db/'s
``…Row`` dataclasses, which are rows as the API reads them.)  Ids are assigned here, not by the
database: the seed only loads an empty county, so the ids are as reproducible as the rest of the
data (COPY writes identity columns as given, like ``OVERRIDING SYSTEM VALUE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple


class RegionCopy(NamedTuple):
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None


class DepartmentCopy(NamedTuple):
    id: int
    code: str
    name: str
    short_name: str
    region_code: str
    service_level: str
    hall: str
    phone: str
    address: str
    position: int


class WindowCopy(NamedTuple):
    id: int
    department_id: int
    number: str
    name: str


class PostCopy(NamedTuple):
    id: int
    department_id: int
    name: str
    duties: str


class StaffCopy(NamedTuple):
    id: int
    staff_no: str
    department_id: int
    post_id: int
    name: str
    phone: str
    active: bool


class PowerCopy(NamedTuple):
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


class MaterialCopy(NamedTuple):
    power_id: int
    position: int
    name: str
    copies: int
    original_required: bool
    note: str


class AdjustmentCopy(NamedTuple):
    id: int
    power_id: int
    kind: str
    effective_on: date
    reason: str
    document_no: str
    elements: str  # JSON text; asyncpg takes jsonb as text unless a codec is set
    recorded_at: datetime


class StepCopy(NamedTuple):
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


class EdgeCopy(NamedTuple):
    power_id: int
    from_step_id: int
    to_step_id: int
    condition: str


class RiskPointCopy(NamedTuple):
    id: int
    step_id: int
    power_id: int
    description: str
    level: str


class ControlMeasureCopy(NamedTuple):
    id: int
    risk_point_id: int
    description: str


@dataclass(slots=True)
class Foundation:
    """Every row of the demo county, table by table."""

    regions: list[RegionCopy] = field(default_factory=list)
    departments: list[DepartmentCopy] = field(default_factory=list)
    service_windows: list[WindowCopy] = field(default_factory=list)
    posts: list[PostCopy] = field(default_factory=list)
    staff: list[StaffCopy] = field(default_factory=list)
    powers: list[PowerCopy] = field(default_factory=list)
    power_materials: list[MaterialCopy] = field(default_factory=list)
    power_adjustments: list[AdjustmentCopy] = field(default_factory=list)
    process_steps: list[StepCopy] = field(default_factory=list)
    process_edges: list[EdgeCopy] = field(default_factory=list)
    risk_points: list[RiskPointCopy] = field(default_factory=list)
    control_measures: list[ControlMeasureCopy] = field(default_factory=list)

    def tables(self) -> list[tuple[str, tuple[str, ...], Sequence[tuple[object, ...]]]]:
        """(table, columns, rows) in an order that satisfies the foreign keys."""
        return [
            ("regions", RegionCopy._fields, self.regions),
            ("departments", DepartmentCopy._fields, self.departments),
            ("service_windows", WindowCopy._fields, self.service_windows),
            ("posts", PostCopy._fields, self.posts),
            ("staff", StaffCopy._fields, self.staff),
            ("powers", PowerCopy._fields, self.powers),
            ("power_materials", MaterialCopy._fields, self.power_materials),
            ("power_adjustments", AdjustmentCopy._fields, self.power_adjustments),
            ("process_steps", StepCopy._fields, self.process_steps),
            ("process_edges", EdgeCopy._fields, self.process_edges),
            ("risk_points", RiskPointCopy._fields, self.risk_points),
            ("control_measures", ControlMeasureCopy._fields, self.control_measures),
        ]
