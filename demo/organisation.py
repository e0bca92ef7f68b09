"""Regions, departments, their service windows, posts and staff.

These do not depend on the scale: a small demo county still has all its townships and
departments, so every category and every service level stays represented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.departments import COUNTY_DEPARTMENTS, TOWNSHIP_DEPARTMENT, DepartmentSpec
from demo.rows import DepartmentCopy, Foundation, PostCopy, RegionCopy, StaffCopy, WindowCopy
from demo.vocabulary import (
    AREA_CODE,
    COMMUNITY_NAMES,
    COUNTY_CODE,
    COUNTY_CORE_POSTS,
    COUNTY_EXTRA_POSTS,
    COUNTY_NAME,
    GIVEN_CHARACTERS,
    MOBILE_PREFIXES,
    POST_DUTIES,
    SEAT,
    SURNAMES,
    TOWNSHIP_CORE_POSTS,
    TOWNSHIP_EXTRA_POSTS,
    TOWNSHIPS,
    VILLAGE_NAMES,
    Township,
)

COUNTY_HALL = "县政务服务中心"
# The county hall's zones; a department's windows sit together in one zone.
HALL_ZONES = "ABCDEF"
OFFICE_STREETS = ("人民路", "政府街", "桐溪大道", "文昌路", "滨江路", "新华街")
TOWNSHIP_STREETS = ("正街", "新街", "场镇路", "振兴路")


@dataclass(frozen=True, slots=True)
class Department:
    """A loaded department and what powers and maps need to know about it."""

    row: DepartmentCopy
    spec: DepartmentSpec
    posts: frozenset[str]
    # Where the public consults: "县政务服务中心A03号窗口".
    windows: tuple[str, ...]

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def is_township(self) -> bool:
        return self.row.service_level == "township"


class People:
    """Draws Chinese names and mobile numbers, never the same number twice."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._phones: set[str] = set()

    def name(self) -> str:
        given_length = 2 if self._rng.random() < 0.7 else 1
        return self._rng.choice(SURNAMES) + "".join(self._rng.choices(GIVEN_CHARACTERS, k=given_length))

    def mobile(self) -> str:
        while True:
            phone = self._rng.choice(MOBILE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone


def build_regions(rng: random.Random, out: Foundation) -> None:
    """The county, its townships and streets, and their villages and communities."""
    out.regions.append(RegionCopy(COUNTY_CODE, COUNTY_NAME, 1, "county", None))
    for township in TOWNSHIPS:
        code = COUNTY_CODE + township.suffix
        out.regions.append(RegionCopy(code, township.name, 2, township.kind, COUNTY_CODE))
        # National practice numbers 居委会 from 001 and 村委会 from 200.
        for index, name in enumerate(rng.sample(COMMUNITY_NAMES, township.communities), start=1):
            out.regions.append(RegionCopy(f"{code}{index:03d}", f"{name}社区", 3, "community", code))
        for index, name in enumerate(rng.sample(VILLAGE_NAMES, township.villages), start=200):
            out.regions.append(RegionCopy(f"{code}{index:03d}", f"{name}村", 3, "village", code))


def build_departments(rng: random.Random, out: Foundation) -> list[Department]:
    """County departments first, then one government per township, each with windows, posts
    and staff."""
    people = People(rng)
    departments: list[Department] = []
    zone_counters = dict.fromkeys(HALL_ZONES, 0)
    for position, spec in enumerate(COUNTY_DEPARTMENTS, start=1):
        zone = HALL_ZONES[(position - 1) % len(HALL_ZONES)]
        row = DepartmentCopy(
            id=position,
            code=spec.code,
            name=spec.name.format(county=COUNTY_NAME),
            short_name=spec.short,
            region_code=COUNTY_CODE,
            service_level="county",
            hall=f"{COUNTY_NAME}政务服务中心{(position - 1) // 10 + 1}楼{zone}区",
            phone=_landline(rng),
            address=f"{COUNTY_NAME}{SEAT}{rng.choice(OFFICE_STREETS)}{rng.randint(1, 199)}号",
            position=position,
        )
        # Departments with many items staff more windows.
        most = min(6, len(_window_topics(spec)))
        numbers = []
        for _ in range(rng.randint(min(most, 2 + int(spec.weight // 4)), most)):
            zone_counters[zone] += 1
            numbers.append(f"{zone}{zone_counters[zone]:02d}")
        departments.append(_staffed(rng, people, out, row, spec, numbers, COUNTY_HALL, county=True))
    for index, township in enumerate(TOWNSHIPS, start=1):
        position = len(COUNTY_DEPARTMENTS) + index
        name, short = _township_government(township)
        row = DepartmentCopy(
            id=position,
            code=f"T{index:02d}",
            name=name,
            short_name=short,
            region_code=COUNTY_CODE + township.suffix,
            service_level="township",
            hall=f"{township.name}便民服务中心",
            phone=_landline(rng),
            address=f"{COUNTY_NAME}{township.name}{rng.choice(TOWNSHIP_STREETS)}{rng.randint(1, 99)}号",
            position=position,
        )
        count = rng.randint(2, min(6, len(_window_topics(TOWNSHIP_DEPARTMENT))))
        numbers = [str(number) for number in range(1, count + 1)]
        hall = f"{township.name}便民服务中心"
        departments.append(_staffed(rng, people, out, row, TOWNSHIP_DEPARTMENT, numbers, hall, county=False))
    return departments


def _township_government(township: Township) -> tuple[str, str]:
    if township.kind == "street":
        return f"{COUNTY_NAME}{township.name}办事处", f"{township.name}办"
    return f"{COUNTY_NAME}{township.name}人民政府", f"{township.name}政府"


def _landline(rng: random.Random) -> str:
    return f"{AREA_CODE}-{rng.randint(6200000, 6299999)}"


def _staffed(
    rng: random.Random,
    people: People,
    out: Foundation,
    row: DepartmentCopy,
    spec: DepartmentSpec,
    window_numbers: list[str],
    hall: str,
    *,
    county: bool,
) -> Department:
    """Add the department with its windows, posts and staff to ``out``."""
    out.departments.append(row)
    for number, topic in zip(window_numbers, _window_topics(spec)[: len(window_numbers)], strict=True):
        out.service_windows.append(WindowCopy(len(out.service_windows) + 1, row.id, number, f"{topic}窗口"))

    core, extra = (
        (COUNTY_CORE_POSTS, COUNTY_EXTRA_POSTS) if county else (TOWNSHIP_CORE_POSTS, TOWNSHIP_EXTRA_POSTS)
    )
    post_names = list(core) + rng.sample(extra, rng.randint(0, 4))
    post_ids: list[int] = []
    for name in post_names:
        post_ids.append(len(out.posts) + 1)
        out.posts.append(PostCopy(post_ids[-1], row.id, name, POST_DUTIES[name]))

    # Bigger departments keep more people in the hall; every post has at least one holder.
    most = min(30, 10 + int(spec.weight * 2))
    headcount = rng.randint(max(5, len(post_ids)), max(5, len(post_ids), most))
    holders = post_ids + rng.choices(post_ids, k=headcount - len(post_ids))
    for serial, post_id in enumerate(holders, start=1):
        out.staff.append(
            StaffCopy(
                id=len(out.staff) + 1,
                staff_no=f"{row.code}-{serial:04d}",
                department_id=row.id,
                post_id=post_id,
                name=people.name(),
                phone=people.mobile(),
                active=rng.random() > 0.05,
            )
        )
    windows = tuple(f"{hall}{number}号窗口" for number in window_numbers)
    return Department(row, spec, frozenset(post_names), windows)


def _window_topics(spec: DepartmentSpec) -> list[str]:
    """A department's window names: its own topics, then the generic ones every hall has."""
    return [
        *spec.windows,
        *(topic for topic in ("综合受理", "咨询服务", "出件") if topic not in spec.windows),
    ]
