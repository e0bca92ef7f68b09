"""Rows as they are copied into the foundation tables.

Each row type's fields are the table's columns in order, so a list of rows goes to
``copy_records_to_table`` as it is.  Ids are assigned here, not by the database: the seed only
loads an empty county, so the ids are as reproducible as the rest of the data (COPY writes
identity columns as given, like ``OVERRIDING SYSTEM VALUE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple


class RegionRow(NamedTuple):
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None


class DepartmentRow(NamedTuple):
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


class WindowRow(NamedTuple):
    id: int
    department_id: int
    number: str
    name: str


class PostRow(NamedTuple):
    id: int
    department_id: int
    name: str
    duties: str


class StaffRow(NamedTuple):
    id: int
    staff_no: str
    department_id: int
    post_id: int
    name: str
    phone: str
    active: bool


class PowerRow(NamedTuple):
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


class MaterialRow(NamedTuple):
    power_id: int
    position: int
    name: str
    copies: int
    original_required: bool
    note: str


class AdjustmentRow(NamedTuple):
    id: int
    power_id: int
    kind: str
    effective_on: date
    reason: str
    document_no: str
    elements: str  # JSON text; asyncpg takes jsonb as text unless a codec is set
    recorded_at: datetime


class StepRow(NamedTuple):
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


class EdgeRow(NamedTuple):
    power_id: int
    from_step_id: int
    to_step_id: int
    condition: str


class RiskPointRow(NamedTuple):
    id: int
    step_id: int
    power_id: int
    description: str
    level: str


class ControlMeasureRow(NamedTuple):
    id: int
    risk_point_id: int
    description: str


@dataclass(slots=True)
class Foundation:
    """Every row of the demo county, table by table."""

    regions: list[RegionRow] = field(default_factory=list)
    departments: list[DepartmentRow] = field(default_factory=list)
    service_windows: list[WindowRow] = field(default_factory=list)
    posts: list[PostRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)
    powers: list[PowerRow] = field(default_factory=list)
    power_materials: list[MaterialRow] = field(default_factory=list)
    power_adjustments: list[AdjustmentRow] = field(default_factory=list)
    process_steps: list[StepRow] = field(default_factory=list)
    process_edges: list[EdgeRow] = field(default_factory=list)
    risk_points: list[RiskPointRow] = field(default_factory=list)
    control_measures: list[ControlMeasureRow] = field(default_factory=list)

    def tables(self) -> list[tuple[str, tuple[str, ...], Sequence[tuple[object, ...]]]]:
        """(table, columns, rows) in an order that satisfies the foreign keys."""
        return [
            ("regions", RegionRow._fields, self.regions),
            ("departments", DepartmentRow._fields, self.departments),
            ("service_windows", WindowRow._fields, self.service_windows),
            ("posts", PostRow._fields, self.posts),
            ("staff", StaffRow._fields, self.staff),
            ("powers", PowerRow._fields, self.powers),
            ("power_materials", MaterialRow._fields, self.power_materials),
            ("power_adjustments", AdjustmentRow._fields, self.power_adjustments),
            ("process_steps", StepRow._fields, self.process_steps),
            ("process_edges", EdgeRow._fields, self.process_edges),
            ("risk_points", RiskPointRow._fields, self.risk_points),
            ("control_measures", ControlMeasureRow._fields, self.control_measures),
        ]
