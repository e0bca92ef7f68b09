"""A handful of each red-flag situation, planted for the demo; everything else stays clean.

* paid after death: payments that go on for two or three months after a beneficiary died;
* beneficiary is an official or a relative: a village cadre's household on the minimum living
  allowance (关系保), another cadre's spouse paid a housing renovation, an official's declared
  parent on the minimum allowance;
* duplicate benefit: a person on extreme-poverty support also paid the minimum allowance (same
  purpose) for two months;
* above the standard: one payment each of the elderly, the minimum and the disability allowance;
* more land than held: two farmland payments on more mu than the household's contracted land;
* invalid or shared ID: two members with a wrong check character, and two ID numbers each used by
  a second person with another name (built into the households, see
  :class:`demo.subsidy_people.Designations`), all of them paid;
* late: a few payments disbursed eight working days after allocation, and two disaster relief
  payments four working days after (allowed: five, and two).

Counts of each, by the name the seed reports them under, are in :attr:`Plants.counts`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from demo.subsidy_funds import GDBT, GLJT, HOUSING_MONTHS, KNCJ, NCDB, TKGY, WFGZ, ZDCJ, ZRZH
from demo.subsidy_ledger import LinePlant
from demo.subsidy_officials import Officials
from demo.subsidy_people import FULL, Enrolment, Registry
from demo.subsidy_world import SubsidyWorld

PLANTED = (
    "paid_after_death",
    "official_beneficiaries",
    "duplicate_benefit",
    "above_standard",
    "farmland_excess",
    "invalid_id",
    "shared_id",
    "late_disbursement",
    "late_disaster_relief",
)
ABOVE_STANDARD = {GLJT.code: Decimal("200.00"), NCDB.code: Decimal("760.00"), KNCJ.code: Decimal("180.00")}
# Hundredths of a mu paid beyond the contracted land, one farmland payment each.
EXTRA_LAND = (250, 380)
LATE_WORKING_DAYS = 8
LATE_DISASTER_WORKING_DAYS = 4


@dataclass(slots=True)
class Plants:
    # (fund code, member id, month) -> what is wrong with that payment line.
    lines: dict[tuple[str, int, int], LinePlant] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def plant(
    world: SubsidyWorld, registry: Registry, officials: Officials, excluded: set[int], rng: random.Random
) -> Plants:
    """Plant the red flags into ``registry.enrolments``, which must hold no enrolment of the
    ``excluded`` households (those of officials and declared relatives) yet; return the ones that
    sit on single payment lines, and how many of each were planted."""
    planter = _Planter(world, registry, excluded, rng)
    planter.officials(officials)
    planter.paid_after_death()
    planter.duplicate_benefit()
    planter.above_standard()
    planter.farmland_excess()
    planter.identity()
    planter.late()
    return planter.plants


class _Planter:
    def __init__(
        self, world: SubsidyWorld, registry: Registry, excluded: set[int], rng: random.Random
    ) -> None:
        self.world = world
        self.registry = registry
        self.excluded = excluded
        self.rng = rng
        self.last = world.months - 1
        self.plants = Plants(counts={f"planted_{name}": 0 for name in PLANTED})
        # Planted cases start from natural enrolments, each person in one situation only.
        self.natural = list(registry.enrolments)
        self.used: set[int] = set()

    def _count(self, name: str, n: int = 1) -> None:
        self.plants.counts[f"planted_{name}"] += n

    def _choose(self, fits: list[Enrolment]) -> Enrolment | None:
        if not fits:
            return None
        chosen = fits[int(self.rng.random() * len(fits))]
        self.used.add(chosen.member_id)
        return chosen

    def _steady(self, fund: str, *, since: int) -> Enrolment | None:
        """A natural enrolment in ``fund`` of someone alive, not yet used, paid from month
        ``since`` (or earlier) to the last month."""
        return self._choose(
            [
                e
                for e in self.natural
                if e.fund == fund
                and e.died == 0
                and e.member_id not in self.used
                and e.first <= since
                and e.last == self.last
            ]
        )

    def _again(self, source: Enrolment, fund: str, first: int, last: int) -> None:
        """Enrol the person of ``source`` in ``fund`` as well."""
        self.registry.enrolments.append(
            Enrolment(fund, source.member_id, source.household_id, source.place, first, last, FULL, 0, False)
        )

    def officials(self, officials: Officials) -> None:
        registry = self.registry
        last = self.last
        cadres = [c for c in officials.cadres if c.person is not None and c.relatives]
        self.rng.shuffle(cadres)
        if cadres:
            cadre = cadres.pop()
            declared = {person.id for _, person in cadre.relatives} | {cadre.household[0].id}
            for member in cadre.household:
                if member.died == 0:
                    registry.enrol(NCDB.code, member, max(0, last - 11), last)
                    self._count("official_beneficiaries", int(member.id in declared))
        spouses = [p for c in cadres for relation, p in c.relatives if relation == "配偶" and p.died == 0]
        # The last housing round that is complete (not the current month).
        rounds = [m for m in range(last) if self.world.month_start(m).month in HOUSING_MONTHS]
        if spouses and rounds:
            spouse = spouses[int(self.rng.random() * len(spouses))]
            registry.enrol(WFGZ.code, spouse, rounds[-1], rounds[-1])
            self._count("official_beneficiaries")
        parents = [
            person
            for declared_by in officials.with_registry_parent
            for _, person in declared_by.relatives
            if person.died == 0
        ]
        if parents:
            parent = parents[int(self.rng.random() * len(parents))]
            registry.enrol(NCDB.code, parent, max(0, last - 5), last)
            self._count("official_beneficiaries")

    def paid_after_death(self) -> None:
        world = self.world
        early = world.month_start(2).toordinal()
        late = world.month_start(max(2, self.last - 3)).toordinal()
        for fund in (GLJT.code, GLJT.code, NCDB.code, NCDB.code):
            chosen = self._choose(
                [
                    e
                    for e in self.natural
                    if e.fund == fund
                    and e.member_id not in self.used
                    and early <= e.died <= late
                    and e.first <= world.month_of(date.fromordinal(e.died)) <= e.last
                ]
            )
            if chosen is None:
                continue
            died_in = world.month_of(date.fromordinal(chosen.died))
            chosen.paid_through = min(self.last - 1, died_in + self.rng.randint(2, 3))
            chosen.last = max(chosen.last, chosen.paid_through)
            self._count("paid_after_death")

    def duplicate_benefit(self) -> None:
        chosen = self._steady(TKGY.code, since=self.last - 6)
        if chosen is not None:
            self._again(chosen, NCDB.code, self.last - 4, self.last - 3)
            self._count("duplicate_benefit")

    def above_standard(self) -> None:
        for fund, amount in ABOVE_STANDARD.items():
            chosen = self._steady(fund, since=self.last - 12)
            if chosen is not None:
                month = self.rng.randint(self.last - 12, self.last - 1)
                self.plants.lines[(fund, chosen.member_id, month)] = LinePlant(amount=amount)
                self._count("above_standard")

    def farmland_excess(self) -> None:
        world = self.world
        aprils = [m for m in range(self.last) if world.month_start(m).month == 4]
        farm = self.registry.farm
        townships = [index for index, roll in enumerate(farm.rolls) if roll]
        for month, extra in zip(aprils[-len(EXTRA_LAND) :], EXTRA_LAND, strict=False):
            if not townships:
                return
            township = townships[int(self.rng.random() * len(townships))]
            # Households whose head is alive and receives the subsidy every year.
            rows = [
                row
                for row in farm.rows(township)
                if row[4] == 0 and row[3] not in self.used and row[0] not in self.excluded
            ]
            if not rows:
                continue
            head = rows[int(self.rng.random() * len(rows))][3]
            self.used.add(head)
            self.plants.lines[(GDBT.code, head, month)] = LinePlant(extra_land=extra)
            self._count("farmland_excess")

    def identity(self) -> None:
        registry = self.registry
        last = self.last
        for person in registry.invalid_ids:
            registry.enrol(NCDB.code, person, max(0, last - 8), last)
            self._count("invalid_id")
        for lender, borrower in registry.shared_ids:
            registry.enrol(NCDB.code, lender, max(0, last - 10), last)
            registry.enrol(NCDB.code, borrower, max(0, last - 6), last)
            self._count("shared_id")

    def late(self) -> None:
        for fund in (NCDB.code, GLJT.code, KNCJ.code, ZDCJ.code):
            chosen = self._steady(fund, since=self.last - 12)
            if chosen is not None:
                month = self.rng.randint(self.last - 12, self.last - 1)
                self.plants.lines[(fund, chosen.member_id, month)] = LinePlant(late=LATE_WORKING_DAYS)
                self._count("late_disbursement")
        relief = [
            e for e in self.natural if e.fund == ZRZH.code and e.died == 0 and e.member_id not in self.used
        ]
        for _ in range(min(2, len(relief))):
            chosen = self._choose([e for e in relief if e.member_id not in self.used])
            if chosen is not None:
                self.plants.lines[(ZRZH.code, chosen.member_id, chosen.first)] = LinePlant(
                    late=LATE_DISASTER_WORKING_DAYS
                )
                self._count("late_disaster_relief")
