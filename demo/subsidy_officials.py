"""The registry of officials and village cadres and the relatives they declared
(领导干部及村干部亲属备案).

Every staff member of the county becomes an official of their department, born and numbered like
anyone else; some of the parents they declare live in the county's households (the same person,
the same ID number).  Each village has about two cadres, who are heads of households in that
village, and who declare the spouse, children and parents living with them (and sometimes a
sibling who does not).  That overlap is what the red flag "beneficiary is an official or a
declared relative" looks for, so the households of officials and declared relatives are kept out
of every fund unless a planted case puts them in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from demo.subsidy_people import DAYS_PER_YEAR, Person, Registry, given_name, surname
from demo.subsidy_rows import OfficialCopy, RelativeCopy
from demo.subsidy_world import Staff, SubsidyWorld

# The first cadre of most villages holds both posts (书记、主任“一肩挑”).
P_BOTH_POSTS = 0.75
P_THIRD_CADRE = 0.15
OTHER_CADRE_POSTS = ("村务监督委员会主任", "村会计", "村文书", "村妇联主席", "村团支部书记")
OTHER_CADRE_WEIGHTS = (0.3, 0.3, 0.2, 0.12, 0.08)
RELATIVE_COUNTS = (0, 1, 2, 3)
RELATIVE_COUNT_WEIGHTS = (0.2, 0.3, 0.3, 0.2)
# Of the parents an official declares, the share found among the county's households.
P_PARENT_IN_REGISTRY = 0.35
P_SIBLING = 0.3
# How cadres' household members are declared: their relation to the cadre, who heads the household.
DECLARED_RELATIONS = {"配偶": "配偶", "子女": "子女", "父母": "父母"}


@dataclass(slots=True)
class Declared:
    """An official as the planted cases need them: the registry person they are (cadres) and the
    declared relatives who live in the registry, with their declared relation."""

    official: OfficialCopy
    person: Person | None
    relatives: list[tuple[str, Person]] = field(default_factory=list)
    # A cadre's whole household (the cadre first).
    household: list[Person] = field(default_factory=list)


@dataclass(slots=True)
class Officials:
    officials: list[OfficialCopy] = field(default_factory=list)
    relatives: list[RelativeCopy] = field(default_factory=list)
    cadres: list[Declared] = field(default_factory=list)
    # Staff officials who declared a parent living in the registry.
    with_registry_parent: list[Declared] = field(default_factory=list)
    # Households an official or a declared relative belongs to.
    linked_households: set[int] = field(default_factory=set)


def build_officials(world: SubsidyWorld, registry: Registry, rng: random.Random) -> Officials:
    out = Officials()
    for staff in world.staff:
        _staff_official(out, registry, rng, staff)
    for place in world.places:
        if place.rural:
            _village_cadres(out, registry, rng, place.index, place.code)
    return out


def _official(
    out: Officials,
    name: str,
    id_number: str,
    kind: str,
    *,
    position: str,
    department_id: int | None = None,
    village_code: str | None = None,
) -> OfficialCopy:
    row = OfficialCopy(len(out.officials) + 1, name, id_number, kind, department_id, village_code, position)
    out.officials.append(row)
    return row


def _relative(out: Officials, official: OfficialCopy, name: str, id_number: str, relation: str) -> None:
    out.relatives.append(RelativeCopy(len(out.relatives) + 1, official.id, name, id_number, relation))


def _staff_official(out: Officials, registry: Registry, rng: random.Random, staff: Staff) -> None:
    today = registry.today
    age = rng.triangular(23, 59, 40)
    male = rng.random() < 0.6
    own_surname = staff.name[0]
    official = _official(
        out,
        staff.name,
        registry.ids.issue(today - int(age * DAYS_PER_YEAR), male),
        "official",
        position=staff.post or "工作人员",
        department_id=staff.department_id,
    )
    declared = Declared(official, None)
    relations = []
    if age >= 25 and rng.random() < 0.85:
        relations.append("配偶")
    if age >= 30:
        relations.append("子女")
    relations += ["父母", "兄弟姐妹"]
    for relation in relations[: rng.choices(RELATIVE_COUNTS, RELATIVE_COUNT_WEIGHTS)[0]]:
        if relation == "父母" and rng.random() < P_PARENT_IN_REGISTRY:
            parent = _registry_parent(registry, rng, own_surname, age)
            if parent is not None:
                _relative(out, official, parent.name, parent.id_number, relation)
                declared.relatives.append((relation, parent))
                out.linked_households.add(parent.household_id)
                continue
        if relation == "配偶":
            years, relative_male, relative_surname = age + rng.uniform(-4, 4), not male, surname(rng)
        elif relation == "子女":
            years = max(1.0, age - rng.uniform(23, 32))
            relative_male = rng.random() < 0.52
            relative_surname = own_surname if male else surname(rng)
        elif relation == "父母":
            years, relative_male = age + rng.uniform(23, 33), rng.random() < 0.5
            relative_surname = own_surname if relative_male else surname(rng)
        else:
            years, relative_male, relative_surname = age + rng.uniform(-8, 8), rng.random() < 0.5, own_surname
        _relative(
            out,
            official,
            relative_surname + given_name(rng, relative_male),
            registry.ids.issue(today - int(years * DAYS_PER_YEAR), relative_male),
            relation,
        )
    if declared.relatives:
        out.with_registry_parent.append(declared)


def _registry_parent(registry: Registry, rng: random.Random, family: str, age: float) -> Person | None:
    """Someone in the registry of ``family`` old enough to be the parent of a person of ``age``,
    not already declared by anyone."""
    pool = registry.parent_pool.get(family, [])
    fits = [index for index, person in enumerate(pool) if 20 <= person.age_on(registry.today) - age <= 40]
    if not fits:
        return None
    return pool.pop(fits[int(rng.random() * len(fits))])


def _village_cadres(out: Officials, registry: Registry, rng: random.Random, place: int, code: str) -> None:
    if rng.random() < P_BOTH_POSTS:
        posts = ["村党支部书记、村委会主任", rng.choices(OTHER_CADRE_POSTS, OTHER_CADRE_WEIGHTS)[0]]
    else:
        posts = ["村党支部书记", "村委会主任"]
    if rng.random() < P_THIRD_CADRE:
        extra = rng.choices(OTHER_CADRE_POSTS, OTHER_CADRE_WEIGHTS)[0]
        if extra not in posts:
            posts.append(extra)
    candidates = list(registry.cadre_candidates.get(place, []))
    rng.shuffle(candidates)
    for post, household in zip(posts, candidates, strict=False):
        head = household[0]
        official = _official(
            out, head.name, head.id_number, "village_cadre", village_code=code, position=post
        )
        declared = Declared(official, head, household=household)
        out.linked_households.add(head.household_id)
        for member in household[1:]:
            relation = DECLARED_RELATIONS.get(member.relation)
            if relation is None or len(declared.relatives) == 3 or rng.random() < 0.1:
                continue
            _relative(out, official, member.name, member.id_number, relation)
            declared.relatives.append((relation, member))
        if len(declared.relatives) < 3 and rng.random() < P_SIBLING:
            male = rng.random() < 0.5
            years = head.age_on(registry.today) + rng.uniform(-8, 8)
            _relative(
                out,
                official,
                head.surname + given_name(rng, male),
                registry.ids.issue(registry.today - int(years * DAYS_PER_YEAR), male),
                "兄弟姐妹",
            )
        out.cadres.append(declared)
