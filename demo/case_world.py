"""What the case generator reads from a loaded foundation: departments with their staff by post,
the villages applicants live in, the powers people apply for with their process maps as the case
engine sees them, and the working days of the loaded calendar.

A process map becomes a :class:`~domain.cases.CaseMap` the way the API builds it
(``services.supervision.case_map_from``): steps keyed by ``process_steps.key``, successors from
``process_edges``, and a fork is an *alternative* when its outgoing edges carry conditions.

A parallel approval's lead power names the other departments in its map; as the API requires,
each of them files its sub-case under a power of its own (:attr:`World.partners`).
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

import asyncpg

from db import calendar as calendar_db
from demo.case_people import Place
from domain.calendar import WorkingCalendar
from domain.cases import CaseMap, MapStep, PowerTerms

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")

# Categories people apply for, and how much of the caseload each draws per power.
CATEGORY_WEIGHTS: dict[str, float] = {
    "public_service": 1.3,
    "licensing": 1.0,
    "confirmation": 0.8,
    "benefit": 0.8,
    "other": 0.25,
    "adjudication": 0.05,
}
# The share of applicants that are organisations, by category.
ORGANISATION_SHARE: dict[str, float] = {
    "licensing": 0.62,
    "confirmation": 0.3,
    "benefit": 0.03,
    "public_service": 0.12,
    "other": 0.4,
    "adjudication": 0.45,
}
ACCEPT_POSTS = ("窗口受理岗", "便民服务中心受理岗")
# Posts whose holders sign decisions and are told about every card (the approver, 审批人).
APPROVER_MARKS = ("审批", "负责人")
NOTIFIED_MARKS = ("审批", "负责人", "局长")


class SeedRandom(random.Random):
    """``random.Random`` with cheaper ``randint``, ``randrange`` and ``choice`` (one ``random()``
    call each): the generator draws several million numbers, and reproducibility, not a perfectly
    uniform integer, is what a demo seed needs."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        return seq[int(self.random() * len(seq))]


@dataclass(frozen=True, slots=True)
class Dept:
    id: int
    code: str
    name: str
    short_name: str
    service_level: str
    # The township a township government serves; None for county departments.
    township_code: str | None
    staff: tuple[str, ...]
    by_post: Mapping[str, tuple[str, ...]]
    acceptors: tuple[str, ...]
    approvers: tuple[str, ...]
    # Who the API notifies as the approver (db/sql/cases.sql approver_of_department): the first
    # active staff member, by number, whose post names 审批, 负责人 or 局长, else the first one.
    approver: str

    def holder(self, rng: random.Random, post: str | None) -> str:
        """A staff member holding ``post``, or anyone in the department when nobody does."""
        holders = self.by_post.get(post, self.staff) if post else self.staff
        return rng.choice(holders)


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    name: str
    post_name: str
    department_id: int
    limit_days: int


@dataclass(frozen=True, slots=True)
class Variant:
    """One way through a map, after every alternative fork has chosen a branch.

    ``keys`` are in topological order; ``preds`` lists each step's predecessors on this way;
    ``cuts`` are the steps every other step on the way either precedes or follows (a pause may be
    put before them, and a case may stop after them); ``critical`` is the longest path in limit
    days.
    """

    weight: float
    keys: tuple[str, ...]
    preds: Mapping[str, tuple[str, ...]]
    cuts: tuple[str, ...]
    terminals: tuple[str, ...]
    critical: int


@dataclass(frozen=True, slots=True)
class Power:
    id: int
    name: str
    category: str
    department_id: int
    terms: PowerTerms
    case_map: CaseMap
    steps: Mapping[str, Step]
    variants: tuple[Variant, ...]
    parallel: bool
    # The largest limit in working days, which must fit into the loaded calendar.
    max_limit: int
    weight: float
    organisation_share: float

    @property
    def charges(self) -> bool:
        return self.terms.fee_yuan is not None and self.terms.fee_yuan > 0


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    color: str
    description: str


@dataclass(slots=True)
class World:
    calendar: WorkingCalendar
    # Every working day of the loaded calendar, ascending; events are placed by index into it.
    working: list[date]
    departments: Mapping[int, Dept]
    places: tuple[Place, ...]
    powers: tuple[Power, ...]
    rules: Mapping[str, Rule]
    # For each parallel approval's power: the power each other department on its map files its
    # sub-case under.
    partners: Mapping[int, Mapping[int, Power]]
    index: dict[date, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {day: position for position, day in enumerate(self.working)}

    def first_working_index(self, day: date) -> int:
        """The index of ``day`` when it is a working day, else of the next working day."""
        found = self.index.get(day)
        return found if found is not None else bisect_left(self.working, day)


async def load_world(conn: asyncpg.Connection, *, seed: int, today: date) -> World:
    """Read the foundation and the calendar; raise if either is missing."""
    calendar = await calendar_db.get_calendar(conn)
    needed = {(today - timedelta(days=400)).year, today.year}
    if not needed <= calendar.years:
        raise RuntimeError(f"demo cases need the working calendar of {sorted(needed)}; load it first")
    working = _working_days(calendar)
    departments = await _departments(conn)
    if not departments:
        raise RuntimeError("demo cases need the demo county (seed_foundation) loaded first")
    places = await _places(conn)
    rules = {
        r["code"]: Rule(r["code"], r["color"], r["description"])
        for r in await conn.fetch("SELECT code, color, description FROM supervision_rules")
    }
    rng = random.Random(f"{seed}:popularity")
    powers = await _powers(conn, rng, departments)
    if not powers:
        raise RuntimeError("the demo county has no published powers with a promised time limit")
    return World(calendar, working, departments, places, powers, rules, partner_powers(rng, powers))


def partner_powers(rng: random.Random, powers: Sequence[Power]) -> dict[int, dict[int, Power]]:
    """For each parallel approval, one power of each other department on its map (a licence if
    the department has one): the department files its sub-case under it.  A parallel approval
    some department has no power for runs as an ordinary case."""
    own: dict[int, list[Power]] = {}
    for power in powers:
        if not power.parallel:
            own.setdefault(power.department_id, []).append(power)
    partners: dict[int, dict[int, Power]] = {}
    for power in powers:
        if not power.parallel:
            continue
        chosen: dict[int, Power] = {}
        for department_id in dict.fromkeys(step.department_id for step in power.steps.values()):
            if department_id == power.department_id:
                continue
            candidates = own.get(department_id, [])
            licences = [p for p in candidates if p.category == "licensing"] or candidates
            if not licences:
                break
            chosen[department_id] = rng.choices(licences, [p.weight for p in licences])[0]
        else:
            if chosen:
                partners[power.id] = chosen
    return partners


def _working_days(calendar: WorkingCalendar) -> list[date]:
    first, last = min(calendar.years), max(calendar.years)
    day, end = date(first, 1, 1), date(last, 12, 31)
    days: list[date] = []
    while day <= end:
        if day.year in calendar.years and calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


async def _departments(conn: asyncpg.Connection) -> dict[int, Dept]:
    staff: dict[int, list[tuple[str, str]]] = {}
    for r in await conn.fetch(
        "SELECT s.department_id, s.staff_no, coalesce(p.name, '') AS post FROM staff s "
        "LEFT JOIN posts p ON p.id = s.post_id WHERE s.active ORDER BY s.staff_no"
    ):
        staff.setdefault(r["department_id"], []).append((r["staff_no"], r["post"]))
    departments: dict[int, Dept] = {}
    for r in await conn.fetch(
        "SELECT id, code, name, short_name, service_level, region_code FROM departments ORDER BY id"
    ):
        members = staff.get(r["id"], [])
        if not members:
            continue
        by_post: dict[str, tuple[str, ...]] = {}
        for staff_no, post in members:
            by_post[post] = (*by_post.get(post, ()), staff_no)
        everyone = tuple(staff_no for staff_no, _ in members)
        acceptors = tuple(s for s, post in members if post in ACCEPT_POSTS) or everyone
        approvers = tuple(s for s, post in members if any(mark in post for mark in APPROVER_MARKS))
        notified = next((s for s, post in members if any(m in post for m in NOTIFIED_MARKS)), everyone[0])
        departments[r["id"]] = Dept(
            id=r["id"],
            code=r["code"],
            name=r["name"],
            short_name=r["short_name"],
            service_level=r["service_level"],
            township_code=r["region_code"] if r["service_level"] == "township" else None,
            staff=everyone,
            by_post=by_post,
            acceptors=acceptors,
            approvers=approvers or everyone[:1],
            approver=notified,
        )
    return departments


async def _places(conn: asyncpg.Connection) -> tuple[Place, ...]:
    rows = await conn.fetch(
        "SELECT v.code, v.name, v.kind, t.name AS township_name, t.code AS township_code "
        "FROM regions v JOIN regions t ON t.code = v.parent_code WHERE v.level = 3 ORDER BY v.code"
    )
    return tuple(Place(r["code"], r["name"], r["kind"], r["township_name"], r["township_code"]) for r in rows)


async def _powers(
    conn: asyncpg.Connection, rng: random.Random, departments: Mapping[int, Dept]
) -> tuple[Power, ...]:
    rows = await conn.fetch(
        "SELECT id, name, category, department_id, fee_yuan, statutory_limit_days, promised_limit_days, "
        "parallel_approval FROM powers WHERE status = 'published' AND promised_limit_days IS NOT NULL "
        "AND category = ANY($1::text[]) ORDER BY id",
        list(CATEGORY_WEIGHTS),
    )
    ids = [r["id"] for r in rows]
    steps: dict[int, list[tuple[int, Step]]] = {}
    for r in await conn.fetch(
        "SELECT power_id, key, name, post_name, department_id, limit_days, position FROM process_steps "
        "WHERE power_id = ANY($1::int[]) ORDER BY power_id, position",
        ids,
    ):
        steps.setdefault(r["power_id"], []).append(
            (r["position"], Step(r["key"], r["name"], r["post_name"], r["department_id"], r["limit_days"]))
        )
    edges: dict[int, list[tuple[str, str, str]]] = {}
    for r in await conn.fetch(
        "SELECT e.power_id, f.key AS source, t.key AS target, e.condition FROM process_edges e "
        "JOIN process_steps f ON f.id = e.from_step_id JOIN process_steps t ON t.id = e.to_step_id "
        "WHERE e.power_id = ANY($1::int[]) ORDER BY e.power_id, f.position, t.position",
        ids,
    ):
        edges.setdefault(r["power_id"], []).append((r["source"], r["target"], r["condition"]))
    powers: list[Power] = []
    for r in rows:
        # Popularity is heavy-tailed: a few items (social security, business licences) draw most.
        popularity = CATEGORY_WEIGHTS[r["category"]] * rng.lognormvariate(0.0, 1.1)
        power_steps = [step for _, step in steps.get(r["id"], [])]
        if not power_steps or r["department_id"] not in departments:
            continue
        if any(step.department_id not in departments for step in power_steps):
            continue
        fee: Decimal | None = r["fee_yuan"]
        terms = PowerTerms(r["promised_limit_days"], r["statutory_limit_days"], fee)
        power = build_power(
            power_id=r["id"],
            name=r["name"],
            category=r["category"],
            department_id=r["department_id"],
            terms=terms,
            steps=power_steps,
            edges=edges.get(r["id"], []),
            parallel=r["parallel_approval"],
            weight=popularity,
        )
        powers.append(power)
    return tuple(powers)


def build_power(
    *,
    power_id: int,
    name: str,
    category: str,
    department_id: int,
    terms: PowerTerms,
    steps: Sequence[Step],
    edges: Sequence[tuple[str, str, str]],
    parallel: bool,
    weight: float,
) -> Power:
    case_map = make_case_map(steps, edges)
    by_key = {step.key: step for step in steps}
    variants = tuple(ways(case_map))
    limits = [days for days in (terms.promised_limit_days, terms.statutory_limit_days) if days]
    return Power(
        id=power_id,
        name=name,
        category=category,
        department_id=department_id,
        terms=terms,
        case_map=case_map,
        steps=by_key,
        variants=variants,
        parallel=parallel,
        max_limit=max(limits),
        weight=weight,
        organisation_share=ORGANISATION_SHARE[category],
    )


def make_case_map(steps: Sequence[Step], edges: Iterable[tuple[str, str, str]]) -> CaseMap:
    """The engine's view of a process map: a fork is an alternative when its edges carry conditions."""
    successors: dict[str, tuple[str, ...]] = {}
    alternatives: set[str] = set()
    targets: set[str] = set()
    for source, target, condition in edges:
        successors[source] = (*successors.get(source, ()), target)
        targets.add(target)
        if condition:
            alternatives.add(source)
    starts = [step.key for step in steps if step.key not in targets]
    if len(starts) != 1:
        raise ValueError(f"a process map needs exactly one start step, found {starts}")
    return CaseMap(
        steps={step.key: MapStep(step.key, step.limit_days, step.department_id) for step in steps},
        start=starts[0],
        successors=successors,
        alternative_forks=frozenset(alternatives),
    )


def ways(case_map: CaseMap) -> list[Variant]:
    """Every way through the map: one per combination of branches at the alternative forks, each
    weighted by how often applicants take it (the branch that skips an optional step 45 %)."""
    forks = sorted(case_map.alternative_forks)
    options: list[list[tuple[str, float]]] = []
    for fork in forks:
        targets = case_map.successors.get(fork, ())
        # A target reachable through a sibling is the "skip" branch of an optional step.
        skips = {t for t in targets if any(t in _reach(case_map.successors, s) for s in targets if s != t)}
        weights = [0.45 if t in skips else 0.55 for t in targets]
        total = sum(weights)
        options.append([(t, w / total) for t, w in zip(targets, weights, strict=True)])
    order = _topological(case_map)
    result: list[Variant] = []
    for combination in itertools.product(*options) if options else [()]:
        chosen = dict(zip(forks, (t for t, _ in combination), strict=True))
        weight = 1.0
        for _, share in combination:
            weight *= share
        result.append(_variant(case_map, order, chosen, weight))
    return result


def _variant(case_map: CaseMap, order: Sequence[str], chosen: Mapping[str, str], weight: float) -> Variant:
    taken: set[str] = set()
    frontier = [case_map.start]
    while frontier:
        key = frontier.pop()
        if key in taken:
            continue
        taken.add(key)
        targets = case_map.successors.get(key, ())
        frontier.extend((chosen[key],) if key in chosen else targets)
    keys = tuple(key for key in order if key in taken)
    succ = {
        key: tuple(t for t in case_map.successors.get(key, ()) if t in taken and chosen.get(key, t) == t)
        for key in keys
    }
    preds: dict[str, tuple[str, ...]] = {key: () for key in keys}
    for key in keys:
        for target in succ[key]:
            preds[target] = (*preds[target], key)
    descendants = {key: _reach(succ, key) - {key} for key in keys}
    ancestors: dict[str, set[str]] = {key: set() for key in keys}
    for key, below in descendants.items():
        for other in below:
            ancestors[other].add(key)
    everything = set(keys)
    cuts = tuple(k for k in keys if descendants[k] | ancestors[k] | {k} == everything)
    longest: dict[str, int] = {}
    for key in keys:
        longest[key] = case_map.steps[key].limit_days + max((longest[p] for p in preds[key]), default=0)
    terminals = tuple(key for key in keys if not succ[key])
    return Variant(weight, keys, preds, cuts, terminals, max(longest[k] for k in terminals))


def _reach(successors: Mapping[str, Sequence[str]], start: str) -> set[str]:
    seen: set[str] = set()
    frontier = [start]
    while frontier:
        key = frontier.pop()
        if key not in seen:
            seen.add(key)
            frontier.extend(successors.get(key, ()))
    return seen


def _topological(case_map: CaseMap) -> list[str]:
    """Steps in an order where every step comes after its predecessors (map order on ties)."""
    position = {key: index for index, key in enumerate(case_map.steps)}
    incoming = dict.fromkeys(case_map.steps, 0)
    for targets in case_map.successors.values():
        for target in targets:
            incoming[target] += 1
    ready = sorted((key for key, count in incoming.items() if count == 0), key=position.__getitem__)
    order: list[str] = []
    while ready:
        key = ready.pop(0)
        order.append(key)
        for target in case_map.successors.get(key, ()):
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
                ready.sort(key=position.__getitem__)
    if len(order) != len(case_map.steps):
        raise ValueError("process map has a cycle")
    return order
