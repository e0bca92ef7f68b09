"""A published ranking, frozen (排名公布后冻结): the figures as they stood when the ranking was first
published, kept as JSON, and the corrections that facts arriving later would make to them.

The published figures are never recomputed: a department, a newspaper and a transparency site
quoting a month's ranking all quote the same numbers. What changed since is shown beside them,
figure by figure (``published`` → ``now``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.performance import DepartmentFacts, Period, Score


@dataclass(frozen=True, slots=True)
class Ranking:
    """A period's ranking as published, with the corrections of today's facts."""

    period: Period
    published_at: datetime
    rule_version: str
    rules: Mapping[str, Decimal]
    rows: Sequence[Score]
    corrections: Sequence[Correction]


@dataclass(frozen=True, slots=True)
class Correction:
    """One figure of one department that today's facts would change."""

    department_id: int
    figure: str  # the GraphQL field's name: score, lateCases, rank, …
    published: str | None
    now: str | None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


# The figures a correction may name, in the order they are listed: (field, how to read it).
FIGURES: tuple[tuple[str, Callable[[Score], object]], ...] = (
    ("rank", lambda s: s.rank),
    ("grade", lambda s: s.grade),
    ("score", lambda s: s.score),
    ("bonus", lambda s: s.bonus),
    ("deductions", lambda s: s.deductions),
    ("completed", lambda s: s.facts.completed),
    ("onTime", lambda s: s.facts.on_time),
    ("lateCases", lambda s: s.facts.late),
    ("yellowCards", lambda s: s.facts.yellow_cards),
    ("redCards", lambda s: s.facts.red_cards),
    ("seriousErrors", lambda s: s.facts.serious_errors),
    ("unfoundedCards", lambda s: s.facts.unfounded_cards),
    ("badRatings", lambda s: s.facts.bad_ratings),
    ("complaints", lambda s: s.facts.complaints),
    ("subsidyScore", lambda s: s.subsidy_score),
    ("subsidyRedFlags", lambda s: s.facts.subsidy_red_flags),
    ("subsidyYellowFlags", lambda s: s.facts.subsidy_yellow_flags),
)


def corrections(published: Sequence[Score], current: Sequence[Score]) -> list[Correction]:
    """Every figure of a published row that today's facts give differently, department by
    department in the published order. Departments added since are not part of the period's
    ranking and are not listed."""
    now = {s.facts.department_id: s for s in current}
    found = []
    for before in published:
        after = now.get(before.facts.department_id)
        if after is None:
            continue
        for name, read in FIGURES:
            old, new = _text(read(before)), _text(read(after))
            if old != new:
                found.append(Correction(before.facts.department_id, name, old, new))
    return found


_DECIMALS = ("bonus", "deductions", "score", "subsidy_deductions", "subsidy_score")


def row_to_json(row: Score) -> dict[str, Any]:
    """A scored row as stored in the publication: the facts and the results, decimals as text."""
    return {
        "facts": asdict(row.facts),
        "rank": row.rank,
        "grade": row.grade,
        "note": row.note,
        **{name: _text(getattr(row, name)) for name in _DECIMALS},
    }


_FACT_NAMES = frozenset(f.name for f in fields(DepartmentFacts))


def row_from_json(stored: Mapping[str, Any]) -> Score:
    """A stored row back as it was published (facts a later release added read as their default)."""
    facts = DepartmentFacts(**{k: v for k, v in stored["facts"].items() if k in _FACT_NAMES})
    decimals = {name: None if stored.get(name) is None else Decimal(stored[name]) for name in _DECIMALS}
    return Score(
        facts=facts,
        bonus=decimals["bonus"] or Decimal(0),
        deductions=decimals["deductions"] or Decimal(0),
        score=decimals["score"] or Decimal(0),
        rank=stored.get("rank"),
        grade=stored.get("grade"),
        subsidy_deductions=decimals["subsidy_deductions"],
        subsidy_score=decimals["subsidy_score"],
        note=stored.get("note"),
    )
