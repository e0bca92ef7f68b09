"""Households of the demo county (户籍) and who among them receives which fund.

Every household lives in a village or a community of the loaded county.  Its members are a head
(户主) with, as size allows, a spouse, the head's parents, children and grandchildren, with ages
that fit their relation; names follow the head's (or the father's) surname.  Every member has a
valid resident ID number (GB 11643): a 5107xx region code, the birth date, a sequence number whose
parity is the sex, and the check character of :func:`domain.identity.check_char`, never the same
number twice.  About 0.8 % of members died in recent years (older people more often).

While households are built, eligibility is decided on the spot — minimum living allowance for
some rural households, extreme-poverty support for some elderly people living alone, elderly
allowance from the month after the 80th birthday, disability allowances, farmland subsidy for
rural households with contracted land, a few housing renovations and the disaster relief of the
affected villages — and kept as compact :class:`Enrolment` records, so the members themselves can
be copied and forgotten chunk by chunk.
"""

from __future__ import annotations

import bisect
import itertools
import random
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from demo.arithmetic import apportion
from demo.case_people import BIRTH_REGIONS
from demo.subsidy_funds import GLJT, HOUSING_MONTHS, KNCJ, NCDB, TKGY, WFGZ, ZDCJ, ZRZH
from demo.subsidy_rows import HouseholdCopy, MemberCopy, RegistryChunk
from demo.subsidy_world import Place, SubsidyWorld
from demo.vocabulary import COUNTY_NAME, SURNAMES
from domain.identity import check_char

HOUSEHOLDS_AT_FULL_SCALE = 150_000
CHUNK_HOUSEHOLDS = 25_000
DAYS_PER_YEAR = 365.2425

# Given-name characters by sex (an ID number's sequence carries the sex, so names follow it).
FEMALE_GIVEN: tuple[str, ...] = tuple(
    "芳娜敏静丽艳娟秀霞桂英玲红燕婷雪琳欣怡丹兰梅云蓉慧倩翠莉萍蕾瑶诗雨琴凤珍淑"
)
MALE_GIVEN: tuple[str, ...] = tuple(
    "伟强磊军洋勇杰涛明超平刚华建国文辉鹏浩宇俊峰波斌飞志海林春鑫凯亮新成荣东德永彬福贵"
)

# Household sizes (members) and their shares, in villages and in communities.
RURAL_SIZES = (0.12, 0.24, 0.22, 0.2, 0.14, 0.08)
URBAN_SIZES = (0.16, 0.30, 0.30, 0.16, 0.06, 0.02)

P_SPOUSE = 0.9
P_PARENTS = 0.4
P_RURAL_LAND = 0.9
# Minimum living allowance (rural households only): the base chance, raised for elderly heads and
# households with a disabled member; most cover the whole household.
P_DIBAO = 0.074
P_DIBAO_WHOLE = 0.65
# Extreme-poverty support: people living alone, 60 or older or disabled, without other support.
P_TEKUN = 0.1
P_ELDERLY_TAKE_UP = 0.97
P_SEVERE = 0.45
P_CARE_TAKE_UP = 0.92
# Disabled people outside minimum-allowance households who still count as 困难 (low income).
P_POOR_DISABLED = 0.35
P_HOUSING = 0.002
P_CASH = 0.05
DISASTER_HOUSEHOLDS_AT_FULL_SCALE = 300
# Minimum-allowance shares of the standard: classes A, B and C (分档施保).
DIBAO_SHARES = (Decimal("1"), Decimal("0.85"), Decimal("0.7"))
DIBAO_SHARE_WEIGHTS = (0.3, 0.4, 0.3)
FULL = Decimal("1")
HALF = Decimal("0.5")


@dataclass(slots=True)
class Person:
    """A member as the generator remembers it (cadres, parents of officials, planted cases)."""

    id: int
    household_id: int
    place: int
    name: str
    surname: str
    id_number: str
    relation: str
    male: bool
    born: int  # ordinal
    died: int  # ordinal, 0 when alive
    disabled: int = 0  # 0 no, 1 yes, 2 severely

    def age_on(self, day: int) -> float:
        return (day - self.born) / DAYS_PER_YEAR


@dataclass(slots=True)
class Enrolment:
    """One member's right to one fund over monthly periods ``first``..``last`` (inclusive,
    indices from January of the first year); payments stop at ``died`` unless planted."""

    fund: str
    member_id: int
    household_id: int
    place: int
    first: int
    last: int
    share: Decimal
    died: int
    cash: bool
    # A planted anomaly: payments go on through this month after the death.
    paid_through: int = -1


class FarmRoll:
    """Households with contracted land, per township, packed as ints (a million households at
    scale 5 would not fit as objects): household id, place, land in hundredths of a mu, the head's
    id and death ordinal, the id and death ordinal of another adult who receives the money once
    the head has died (0 when none), and whether it is paid in cash."""

    STRIDE = 8

    def __init__(self, townships: int) -> None:
        self.rolls = [array("i") for _ in range(townships)]

    def add(self, township: int, *values: int) -> None:
        self.rolls[township].extend(values)

    def __len__(self) -> int:
        return sum(len(roll) for roll in self.rolls) // self.STRIDE

    def rows(self, township: int) -> Iterator[tuple[int, ...]]:
        roll = self.rolls[township]
        for start in range(0, len(roll), self.STRIDE):
            yield tuple(roll[start : start + self.STRIDE])


class IdNumbers:
    """Issues valid ID numbers, each once: per region, birth date and sex a counter picks the
    sequence number (odd for men, even for women), starting from an offset that varies by day."""

    EPOCH = date(1900, 1, 1).toordinal()
    MOST_PER_DAY = 299

    def __init__(self, rng: random.Random, *, today: date) -> None:
        self._rng = rng
        self._regions = [code for code, _ in BIRTH_REGIONS]
        self._cumulative = list(itertools.accumulate(weight for _, weight in BIRTH_REGIONS))
        self._span = today.toordinal() - self.EPOCH + 1
        self._counts = array("H", bytes(2 * 2 * len(self._regions) * self._span))

    def issue(self, born: int, male: bool) -> str:
        """A new ID number of someone born on ordinal ``born`` (clamped to 1900-01-01..today)."""
        born = min(max(born, self.EPOCH), self.EPOCH + self._span - 1)
        region = bisect.bisect_left(self._cumulative, self._rng.random() * self._cumulative[-1])
        region = min(region, len(self._regions) - 1)
        # A crowded day in one region (never at demo sizes) moves on to the next region.
        for attempt in range(len(self._regions)):
            index = (region + attempt) % len(self._regions)
            key = ((index * self._span) + born - self.EPOCH) * 2 + (0 if male else 1)
            count = self._counts[key]
            if count < self.MOST_PER_DAY:
                self._counts[key] = count + 1
                sequence = ((born * 37 + index * 11) % 200 + count) * 2 + (1 if male else 2)
                day = date.fromordinal(born)
                first17 = f"{self._regions[index]}{day.year:04d}{day.month:02d}{day.day:02d}{sequence:03d}"
                return first17 + check_char(first17)
        raise RuntimeError(f"no ID number left for {date.fromordinal(born)}")


def given_name(rng: random.Random, male: bool) -> str:
    characters = MALE_GIVEN if male else FEMALE_GIVEN
    if rng.random() < 0.7:
        return (
            characters[int(rng.random() * len(characters))] + characters[int(rng.random() * len(characters))]
        )
    return characters[int(rng.random() * len(characters))]


def surname(rng: random.Random) -> str:
    return SURNAMES[int(rng.random() * len(SURNAMES))]


@dataclass(slots=True)
class Designations:
    """Households whose members the planted ID anomalies need, by their running index."""

    invalid: set[int] = field(default_factory=set)
    # Running index of the household whose head lends the ID number -> pair number, and of the
    # household of one person who uses it.
    lenders: dict[int, int] = field(default_factory=dict)
    borrowers: dict[int, int] = field(default_factory=dict)

    def __contains__(self, index: int) -> bool:
        return index in self.invalid or index in self.lenders or index in self.borrowers


@dataclass(slots=True)
class Disaster:
    """The flood of last July: its day and the running indices of the households it hit."""

    day: date
    households: set[int]


class Registry:
    """Builds households chunk by chunk (:meth:`chunks`); what later stages need is collected on
    the way: enrolments, the farm roll, candidate cadres and parents, the planted people."""

    def __init__(self, world: SubsidyWorld, rng: random.Random, *, scale: float) -> None:
        self.world = world
        self.rng = rng
        self.today = world.today.toordinal()
        self.months = world.months
        self.ids = IdNumbers(rng, today=world.today)
        self.total = max(len(world.places), round(HOUSEHOLDS_AT_FULL_SCALE * scale))
        weights = [rng.uniform(0.7, 1.3) if place.rural else rng.uniform(0.8, 1.4) for place in world.places]
        self.counts = apportion(self.total, weights)
        starts = [0, *itertools.accumulate(self.counts)]
        rural = [
            index
            for place in world.places
            if place.rural
            for index in range(starts[place.index], starts[place.index + 1])
        ]
        self.designations = self._designate(rural)
        self.disaster = self._disaster(starts, scale)
        self.enrolments: list[Enrolment] = []
        self.farm = FarmRoll(len(world.townships))
        # Up to a few households per village whose head could be a village cadre.
        self.cadre_candidates: dict[int, list[list[Person]]] = {}
        # Older people by surname, who may be declared as a parent by an official.
        self.parent_pool: dict[str, list[Person]] = {}
        self.p_parent_pool = min(1.0, 3000 / (self.total * 3.2))
        self.invalid_ids: list[Person] = []
        self.lenders: dict[int, Person] = {}
        self.shared_ids: list[tuple[Person, Person]] = []
        self.members = 0
        self._housing_months = [
            month for month in range(self.months) if world.month_start(month).month in HOUSING_MONTHS
        ]
        self._first_day = world.month_start(0).toordinal()

    def _designate(self, rural: Sequence[int]) -> Designations:
        picks = sorted(self.rng.sample(rural, 6)) if len(rural) >= 6 else []
        designations = Designations()
        if picks:
            designations.invalid = {picks[0], picks[3]}
            designations.lenders = {picks[1]: 0, picks[2]: 1}
            designations.borrowers = {picks[4]: 0, picks[5]: 1}
        return designations

    def _disaster(self, starts: Sequence[int], scale: float) -> Disaster | None:
        """Floods in two rural townships in July of last year: a few villages of each hit."""
        rng = self.rng
        world = self.world
        year = world.today.year - 1
        if year < world.first_year:
            return None
        rural_townships = [t.index for t in world.townships if t.code[-3] in "12"]
        if len(rural_townships) < 2:
            return None
        villages: list[int] = []
        for township in sorted(rng.sample(rural_townships, 2)):
            candidates = [p.index for p in world.places if p.rural and p.township.index == township]
            villages.extend(sorted(rng.sample(candidates, min(3, len(candidates)))))
        indices = [index for village in villages for index in range(starts[village], starts[village + 1])]
        wanted = min(len(indices), max(2, round(DISASTER_HOUSEHOLDS_AT_FULL_SCALE * scale)))
        households = set(rng.sample(indices, wanted))
        return Disaster(date(year, 7, rng.randint(8, 20)), households)

    # -----------------------------------------------------------------------------------------
    # Households
    # -----------------------------------------------------------------------------------------

    def chunks(self) -> Iterator[RegistryChunk]:
        chunk = RegistryChunk()
        index = 0
        for place in self.world.places:
            groups = 6 + place.index * 7 % 9
            for sequence in range(1, self.counts[place.index] + 1):
                self._household(chunk, place, index, sequence, groups)
                index += 1
                if len(chunk.households) >= CHUNK_HOUSEHOLDS:
                    yield chunk
                    chunk = RegistryChunk()
        if chunk.households:
            yield chunk

    def _household(self, chunk: RegistryChunk, place: Place, index: int, sequence: int, groups: int) -> None:
        rng = self.rng
        household_id = index + 1
        designated = index in self.designations
        sizes = RURAL_SIZES if place.rural else URBAN_SIZES
        size = 1 if index in self.designations.borrowers else rng.choices(range(1, 7), sizes)[0]
        members = self._members(household_id, place.index, size, alive=designated)
        if index in self.designations.borrowers:
            self._borrow(members[0], self.designations.borrowers[index])
        elif index in self.designations.invalid:
            head = members[0]
            wrong = "0123456789X".replace(head.id_number[17], "")
            head.id_number = head.id_number[:17] + wrong[int(rng.random() * len(wrong))]
            self.invalid_ids.append(head)
        elif index in self.designations.lenders:
            self.lenders[self.designations.lenders[index]] = members[0]
        land = 0
        if place.rural:
            group, number = rng.randint(1, groups), rng.randint(1, 160)
            address = f"{COUNTY_NAME}{place.township.name}{place.name}{group}组{number}号"
            if rng.random() < P_RURAL_LAND:
                land = round(rng.triangular(0.6, 12.0, 3.0) * 100)
        else:
            address = (
                f"{COUNTY_NAME}{place.township.name}{place.name}{rng.randint(1, 30)}栋"
                f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}号"
            )
        chunk.households.append(
            HouseholdCopy(
                household_id, f"{place.code}{sequence:05d}", place.code, address, Decimal(land) / 100
            )
        )
        for position, member in enumerate(members):
            chunk.members.append(
                MemberCopy(
                    member.id,
                    household_id,
                    member.name,
                    member.id_number,
                    member.relation,
                    position == 0,
                    date.fromordinal(member.died) if member.died else None,
                )
            )
        if designated:
            return
        self._remember(place, members)
        self._enrol(place, index, members, land)

    def _members(self, household_id: int, place: int, size: int, *, alive: bool) -> list[Person]:
        """The members of one household, head first, with ages that fit their relations."""
        rng = self.rng
        single = size == 1
        head_age = rng.triangular(24, 97, 74) if single else rng.triangular(24, 92, 52)
        head_male = rng.random() < (0.55 if single else 0.8)
        head_surname = surname(rng)
        plan: list[tuple[str, bool, float, str]] = [("户主", head_male, head_age, head_surname)]
        slots = size - 1
        spouse_age: float | None = None
        spouse_surname = surname(rng)
        if slots and rng.random() < (0.65 if head_age >= 75 else P_SPOUSE):
            gap = rng.triangular(-3, 8, 2)
            spouse_age = max(20.0, min(100.0, head_age - gap if head_male else head_age + gap))
            plan.append(("配偶", not head_male, spouse_age, spouse_surname))
            slots -= 1
        father_surname = head_surname if head_male or spouse_age is None else spouse_surname
        mother_surname = spouse_surname if head_male else head_surname
        if slots and head_age <= 62 and rng.random() < P_PARENTS:
            parents = 2 if slots >= 2 and rng.random() < 0.45 else 1
            father_age = head_age + rng.uniform(23, 34)
            mother_age = max(head_age + 20, father_age - rng.triangular(-2, 6, 2))
            both = [("父母", True, father_age, head_surname), ("父母", False, mother_age, surname(rng))]
            chosen = both if parents == 2 else [both[0] if rng.random() < 0.35 else both[1]]
            for relation, male, age, name_surname in chosen:
                if age <= 99:
                    plan.append((relation, male, age, name_surname))
                    slots -= 1
        grandchildren = min(2, slots // 2) if head_age >= 50 and slots >= 2 else 0
        youngest_parent = min(head_age, spouse_age) if spouse_age is not None else head_age
        age = youngest_parent - rng.uniform(21, 32)
        eldest_child: float | None = None
        for _ in range(slots - grandchildren):
            if age < 0:
                break
            eldest_child = age if eldest_child is None else eldest_child
            child_surname = father_surname if rng.random() < 0.93 else mother_surname
            plan.append(("子女", rng.random() < 0.52, age, child_surname))
            age -= rng.uniform(1.5, 5)
        if eldest_child is not None:
            age = eldest_child - rng.uniform(22, 32)
            for _ in range(grandchildren):
                if age < 0:
                    break
                plan.append(("孙子女", rng.random() < 0.52, age, father_surname))
                age -= rng.uniform(1.5, 4)
        members: list[Person] = []
        for relation, male, years, name_surname in plan:
            born = self.today - int(years * DAYS_PER_YEAR)
            self.members += 1
            person = Person(
                id=self.members,
                household_id=household_id,
                place=place,
                name=name_surname + given_name(rng, male),
                surname=name_surname,
                id_number=self.ids.issue(born, male),
                relation=relation,
                male=male,
                born=born,
                died=0 if alive else self._death(years),
                disabled=self._disability(years),
            )
            members.append(person)
        return members

    def _death(self, years: float) -> int:
        rng = self.rng
        chance = 0.06 if years >= 80 else 0.012 if years >= 60 else 0.0015
        if rng.random() >= chance:
            return 0
        first = date(self.world.today.year - 3, 1, 1).toordinal()
        return first + int(rng.random() * (self.today - first))

    def _disability(self, years: float) -> int:
        rng = self.rng
        chance = 0.06 if years >= 80 else 0.03 if years >= 60 else 0.012 if years >= 18 else 0.006
        if rng.random() >= chance:
            return 0
        return 2 if rng.random() < P_SEVERE else 1

    def _borrow(self, person: Person, pair: int) -> None:
        """Give the one member of this household the ID number of the lender of ``pair``: a second
        person, with another name, using the same number (冒用身份证)."""
        lender = self.lenders[pair]
        person.id_number = lender.id_number
        person.born = lender.born
        person.male = lender.male
        person.name = lender.name
        while person.name == lender.name:
            person.name = person.surname + given_name(self.rng, person.male)
        self.shared_ids.append((lender, person))

    def _remember(self, place: Place, members: list[Person]) -> None:
        rng = self.rng
        head = members[0]
        if (
            place.rural
            and len(members) >= 2
            and head.died == 0
            and 28 <= head.age_on(self.today) <= 62
            and rng.random() < min(1.0, 10 / self.counts[place.index])
        ):
            candidates = self.cadre_candidates.setdefault(place.index, [])
            if len(candidates) < 8:
                candidates.append(members)
        for member in members:
            if (
                member.died == 0
                and 50 <= member.age_on(self.today) <= 90
                and rng.random() < self.p_parent_pool
            ):
                self.parent_pool.setdefault(member.surname, []).append(member)

    # -----------------------------------------------------------------------------------------
    # Eligibility
    # -----------------------------------------------------------------------------------------

    def _enrol(self, place: Place, index: int, members: list[Person], land: int) -> None:
        rng = self.rng
        last = self.months - 1
        head = members[0]
        head_age = head.age_on(self.today)
        township = place.township.index
        tekun = False
        dibao: list[Person] = []
        if (
            len(members) == 1
            and head.died == 0
            and (head_age >= 60 or head.disabled)
            and rng.random() < P_TEKUN
        ):
            first = 0 if rng.random() < 0.8 else rng.randint(1, last)
            self._add(TKGY.code, head, first, last, FULL, cash=rng.random() < P_CASH)
            tekun = True
        if place.rural and not tekun:
            chance = (
                P_DIBAO
                * (1.8 if head_age >= 65 else 1.0)
                * (1.8 if any(m.disabled for m in members) else 1.0)
            )
            if rng.random() < chance:
                if len(members) == 1 or rng.random() < P_DIBAO_WHOLE:
                    dibao = list(members)
                else:
                    needy = sorted(
                        members,
                        key=lambda m: -(m.disabled * 100 + abs(m.age_on(self.today) - 40)),
                    )
                    dibao = needy[: rng.randint(1, 2)]
                first = 0 if rng.random() < 0.72 else rng.randint(1, last)
                end = last if rng.random() < 0.82 else rng.randint(min(first + 2, last), last)
                share = rng.choices(DIBAO_SHARES, DIBAO_SHARE_WEIGHTS)[0]
                cash = rng.random() < P_CASH
                for member in dibao:
                    self._add(NCDB.code, member, first, end, share, cash=cash)
        for member in members:
            if member.disabled:
                first = 0 if rng.random() < 0.75 else rng.randint(1, last)
                cash = rng.random() < P_CASH
                if member.disabled == 2 and rng.random() < P_CARE_TAKE_UP:
                    self._add(ZDCJ.code, member, first, last, FULL, cash=cash)
                if not tekun and (member in dibao or rng.random() < P_POOR_DISABLED):
                    self._add(KNCJ.code, member, first, last, FULL, cash=cash)
            self._elderly(member)
        payee, other = self._payees(members)
        if land:
            self.farm.add(
                township,
                head.household_id,
                place.index,
                land,
                payee.id,
                payee.died,
                other.id if other else 0,
                other.died if other else 0,
                int(rng.random() < P_CASH),
            )
        if place.rural and self._housing_months:
            chance = P_HOUSING * (2.5 if dibao or tekun else 0.8)
            if rng.random() < chance:
                month = self._housing_months[int(rng.random() * len(self._housing_months))]
                self._once(WFGZ.code, members, month, FULL if rng.random() < 0.4 else HALF)
        if self.disaster is not None and index in self.disaster.households:
            month = self.world.month_of(self.disaster.day)
            self._once(ZRZH.code, members, month, FULL if rng.random() < 0.65 else HALF)

    def _elderly(self, member: Person) -> None:
        born = date.fromordinal(member.born)
        try:
            eighty = born.replace(year=born.year + 80)
        except ValueError:  # born on 29 February: the birthday falls on 1 March
            eighty = date(born.year + 80, 3, 1)
        first = max(0, self.world.month_of(eighty) + 1)
        if first >= self.months or (member.died and member.died < self._first_day):
            return
        if self.rng.random() < P_ELDERLY_TAKE_UP:
            self._add(GLJT.code, member, first, self.months - 1, FULL, cash=self.rng.random() < P_CASH)

    def _payees(self, members: list[Person]) -> tuple[Person, Person | None]:
        """Who receives a household's money: the head, and the adult who takes over if the head
        has died (the one who lived longest, the living first)."""
        adults = [m for m in members[1:] if m.age_on(self.today) >= 18]
        adults.sort(key=lambda m: -(m.died or 10**9))
        return members[0], adults[0] if adults else None

    def _once(self, fund: str, members: list[Person], month: int, share: Decimal) -> None:
        """A one-off payment to the household in ``month``, to whoever is alive to take it."""
        paid_by = self.world.month_start(month).toordinal() + 45
        head, other = self._payees(members)
        for payee in (head, other):
            if payee is not None and (payee.died == 0 or payee.died > paid_by):
                self._add(fund, payee, month, month, share, cash=self.rng.random() < P_CASH)
                return

    def _add(self, fund: str, member: Person, first: int, last: int, share: Decimal, *, cash: bool) -> None:
        self.enrolments.append(
            Enrolment(
                fund, member.id, member.household_id, member.place, first, last, share, member.died, cash
            )
        )

    def enrol(self, fund: str, member: Person, first: int, last: int, share: Decimal = FULL) -> Enrolment:
        """Add an enrolment the natural rules did not make (a planted case); return it."""
        self._add(fund, member, first, last, share, cash=False)
        return self.enrolments[-1]
