"""Regions, departments, windows, posts and staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db.executor import Executor
from db.queries import load

Q = load("org")


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class DepartmentRow:
    id: int
    code: str
    name: str
    short_name: str
    region_code: str
    service_level: str
    hall: str | None
    phone: str | None
    address: str | None


@dataclass(frozen=True, slots=True)
class WindowRow:
    id: int
    department_id: int
    number: str
    name: str


@dataclass(frozen=True, slots=True)
class PostRow:
    id: int
    department_id: int
    name: str
    duties: str


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    staff_no: str
    department_id: int
    name: str
    phone: str | None
    active: bool
    post_name: str | None


async def list_regions(db: Executor, *, parent_code: str | None, level: int | None) -> list[RegionRow]:
    return [RegionRow(**r) for r in await db.fetch(Q.list_regions, parent_code, level)]


async def list_regions_by_code(db: Executor, *, codes: Sequence[str]) -> list[RegionRow]:
    return [RegionRow(**r) for r in await db.fetch(Q.list_regions_by_code, list(codes))]


async def list_departments(
    db: Executor, *, region_code: str | None, service_level: str | None
) -> list[DepartmentRow]:
    return [DepartmentRow(**r) for r in await db.fetch(Q.list_departments, region_code, service_level)]


async def list_departments_by_id(db: Executor, *, ids: Sequence[int]) -> list[DepartmentRow]:
    return [DepartmentRow(**r) for r in await db.fetch(Q.list_departments_by_id, list(ids))]


async def list_departments_by_code(db: Executor, *, codes: Sequence[str]) -> list[DepartmentRow]:
    return [DepartmentRow(**r) for r in await db.fetch(Q.list_departments_by_code, list(codes))]


async def list_windows_by_department(db: Executor, *, ids: Sequence[int]) -> list[WindowRow]:
    return [WindowRow(**r) for r in await db.fetch(Q.list_windows_by_department, list(ids))]


async def list_posts_by_department(db: Executor, *, ids: Sequence[int]) -> list[PostRow]:
    return [PostRow(**r) for r in await db.fetch(Q.list_posts_by_department, list(ids))]


async def list_staff_by_department(db: Executor, *, ids: Sequence[int]) -> list[StaffRow]:
    return [StaffRow(**r) for r in await db.fetch(Q.list_staff_by_department, list(ids))]


async def get_staff_by_no(db: Executor, *, staff_no: str) -> StaffRow | None:
    row = await db.fetchrow(Q.get_staff_by_no, staff_no)
    return StaffRow(**row) if row else None
