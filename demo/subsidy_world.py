"""What the subsidy seed reads from a database that has the demo county: townships and their
villages and communities, the departments that manage funds, staff, and the working calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from db import calendar as calendar_db
from domain.calendar import WorkingCalendar

# How many years of payments the seed writes: the current one and the two before it.
YEARS_OF_PAYMENTS = 3


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    staff_no: str
    name: str
    department_id: int
    post: str
    active: bool


@dataclass(frozen=True, slots=True)
class Township:
    index: int
    code: str
    name: str
    # The township government and its active staff, who hand the money out.
    department_id: int
    staff: tuple[Staff, ...]


@dataclass(frozen=True, slots=True)
class Place:
    """A village or community (regions level 3)."""

    index: int
    code: str
    name: str
    kind: str
    township: Township

    @property
    def rural(self) -> bool:
        return self.kind == "village"


@dataclass(frozen=True, slots=True)
class Department:
    id: int
    name: str
    staff: tuple[Staff, ...]


@dataclass(frozen=True, slots=True)
class SubsidyWorld:
    calendar: WorkingCalendar
    today: date
    townships: tuple[Township, ...]
    places: tuple[Place, ...]
    # County-level departments, by id order.
    departments: tuple[Department, ...]
    staff: tuple[Staff, ...]

    @property
    def first_year(self) -> int:
        return self.today.year - YEARS_OF_PAYMENTS + 1

    @property
    def months(self) -> int:
        """How many monthly periods the seed pays: from January of the first year to today's month."""
        return (self.today.year - self.first_year) * 12 + self.today.month

    def month_start(self, month: int) -> date:
        """The first day of monthly period ``month`` (0 is January of the first year)."""
        year, offset = divmod(month, 12)
        return date(self.first_year + year, offset + 1, 1)

    def month_of(self, day: date) -> int:
        return (day.year - self.first_year) * 12 + day.month - 1

    def working_on_or_after(self, day: date) -> date:
        return day if self.calendar.is_working_day(day) else self.calendar.next_working_day(day)

    def department_for(self, words: tuple[str, ...]) -> Department:
        """The county department whose name has the first of ``words`` that any name has; the
        finance bureau, else the first department, when none has."""
        for word in (*words, "财政"):
            for department in self.departments:
                if word in department.name:
                    return department
        return self.departments[0]


async def load_subsidy_world(conn: asyncpg.Connection, *, today: date) -> SubsidyWorld:
    """Read the demo county and the calendar; raise if either is missing."""
    calendar = await calendar_db.get_calendar(conn)
    needed = set(range(today.year - YEARS_OF_PAYMENTS + 1, today.year + 1))
    if not needed <= calendar.years:
        raise RuntimeError(f"demo subsidies need the working calendar of {sorted(needed)}; load it first")
    staff = tuple(
        Staff(r["id"], r["staff_no"], r["name"], r["department_id"], r["post"], r["active"])
        for r in await conn.fetch(
            "SELECT s.id, s.staff_no, s.name, s.department_id, coalesce(p.name, '') AS post, s.active "
            "FROM staff s LEFT JOIN posts p ON p.id = s.post_id ORDER BY s.id"
        )
    )
    by_department: dict[int, list[Staff]] = {}
    for person in staff:
        if person.active:
            by_department.setdefault(person.department_id, []).append(person)
    departments: list[Department] = []
    governments: dict[str, int] = {}
    for r in await conn.fetch("SELECT id, name, service_level, region_code FROM departments ORDER BY id"):
        if r["service_level"] == "county" and by_department.get(r["id"]):
            departments.append(Department(r["id"], r["name"], tuple(by_department[r["id"]])))
        elif r["service_level"] == "township":
            governments[r["region_code"]] = r["id"]
    townships: dict[str, Township] = {}
    for r in await conn.fetch("SELECT code, name FROM regions WHERE level = 2 ORDER BY code"):
        department_id = governments.get(r["code"])
        if department_id is None or not by_department.get(department_id):
            raise RuntimeError(f"township {r['code']} has no government with active staff")
        townships[r["code"]] = Township(
            len(townships), r["code"], r["name"], department_id, tuple(by_department[department_id])
        )
    places = tuple(
        Place(index, r["code"], r["name"], r["kind"], townships[r["parent_code"]])
        for index, r in enumerate(
            await conn.fetch(
                "SELECT code, name, kind, parent_code FROM regions WHERE level = 3 ORDER BY code"
            )
        )
    )
    if not departments or not places:
        raise RuntimeError("demo subsidies need the demo county (seed_foundation) loaded first")
    return SubsidyWorld(calendar, today, tuple(townships.values()), places, tuple(departments), staff)
