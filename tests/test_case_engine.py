"""The case engine on its own: the SPGL state machine, the step order and the time rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.calendar import WorkingCalendar
from domain.cases import (
    TRANSITIONS,
    Case,
    CaseMap,
    CompletionResult,
    Event,
    EventKind,
    EventRefused,
    MapStep,
    PowerTerms,
    State,
    apply,
    receive,
    required_steps,
    time_cards,
)

CALENDAR = WorkingCalendar.from_csv(
    {
        year: (Path(__file__).resolve().parent.parent / "data" / "calendar" / f"{year}.csv").read_text()
        for year in (2025, 2026)
    }
)
TERMS = PowerTerms(promised_limit_days=5, statutory_limit_days=20, fee_yuan=None)
# S1 -> S2 (alternatives: S2a "需现场核查" or S2b) -> S3 -> S4a and S4b in parallel -> S5
MAP = CaseMap(
    steps={k: MapStep(k, 1, 1) for k in ("S1", "S2a", "S2b", "S3", "S4a", "S4b", "S5")},
    start="S1",
    successors={
        "S1": ("S2a", "S2b"),
        "S2a": ("S3",),
        "S2b": ("S3",),
        "S3": ("S4a", "S4b"),
        "S4a": ("S5",),
        "S4b": ("S5",),
    },
    alternative_forks=frozenset({"S1"}),
)


def ev(
    kind: EventKind,
    day: str = "2026-03-02",
    *,
    step_key: str | None = None,
    result: CompletionResult | None = None,
    amount_yuan: Decimal | None = None,
) -> Event:
    d = date.fromisoformat(day)
    moment = datetime(d.year, d.month, d.day, 1, tzinfo=UTC)
    return Event(kind, moment, d, step_key=step_key, staff_no="W", result=result, amount_yuan=amount_yuan)


def run(*events: Event) -> tuple[Case, list[str]]:
    case = receive(ev(EventKind.RECEIVED), department_id=1, terms=TERMS)
    rules: list[str] = []
    for event in events:
        case, cards = apply(case, event, terms=TERMS, case_map=MAP, calendar=CALENDAR, sender_department_id=1)
        rules += [c.rule for c in cards]
    return case, rules


def test_every_state_names_where_it_may_go() -> None:
    closed = {
        State.WITHDRAWN,
        State.NOT_ACCEPTED,
        State.REJECTED,
        State.REFUSED,
        State.RECALLED,
        State.REVOKED,
    }
    ends_of_pauses = {State.SUPPLEMENT_ENDED, State.SPECIAL_ENDED}  # they resume the interrupted state
    assert set(State) == set(TRANSITIONS) | closed | ends_of_pauses
    assert all(not (TRANSITIONS.get(s, frozenset())) for s in closed)


@pytest.mark.parametrize(
    ("events", "code"),
    [
        ((EventKind.COMPLETED,), "ILLEGAL_TRANSITION"),  # received, never accepted
        ((EventKind.ACCEPTED, EventKind.SUPPLEMENT_ENDED), "ILLEGAL_TRANSITION"),
        ((EventKind.WITHDRAWN, EventKind.ACCEPTED), "ILLEGAL_TRANSITION"),
        ((EventKind.ACCEPTED, EventKind.RECEIVED), "ILLEGAL_TRANSITION"),
        ((EventKind.REVOKED,), "ILLEGAL_TRANSITION"),
        ((EventKind.FEE_CHARGED,), "ILLEGAL_TRANSITION"),
    ],
)
def test_illegal_transitions_are_refused(events: tuple[EventKind, ...], code: str) -> None:
    with pytest.raises(EventRefused) as refused:
        run(*(ev(k, result=CompletionResult.APPROVED if k is EventKind.COMPLETED else None) for k in events))
    assert refused.value.code == code
    assert "状态" in refused.value.message or "接件" in refused.value.message


def test_after_a_supplement_the_case_resumes_where_it_was() -> None:
    case, _ = run(ev(EventKind.ACCEPTED), ev(EventKind.SUPPLEMENT_STARTED), ev(EventKind.SUPPLEMENT_ENDED))
    assert (case.state, case.resume_state) == (State.SUPPLEMENT_ENDED, State.ACCEPTED)
    case, _ = run(
        ev(EventKind.ACCEPTED),
        ev(EventKind.SUPPLEMENT_STARTED),
        ev(EventKind.SUPPLEMENT_ENDED),
        ev(EventKind.STEP_STARTED, step_key="S1"),
    )
    assert case.state is State.HANDLING


def test_taking_one_alternative_does_not_require_the_other() -> None:
    assert required_steps(MAP, {"S1", "S2b"}) == {"S1", "S2b", "S3", "S4a", "S4b", "S5"}
    # before choosing, every alternative is still possible
    assert required_steps(MAP, {"S1"}) == set(MAP.steps)


def test_join_before_both_parallel_branches_is_out_of_order() -> None:
    steps = [("S1", "2026-03-02"), ("S2a", "2026-03-02"), ("S3", "2026-03-03"), ("S4a", "2026-03-03")]
    events = [
        e
        for key, day in steps
        for e in (
            ev(EventKind.STEP_STARTED, day, step_key=key),
            ev(EventKind.STEP_FINISHED, day, step_key=key),
        )
    ]
    _, rules = run(ev(EventKind.ACCEPTED), *events, ev(EventKind.STEP_STARTED, "2026-03-04", step_key="S5"))
    assert rules == ["STEP_OUT_OF_ORDER"]


def test_a_fee_matching_the_standard_raises_nothing() -> None:
    _, rules = run(ev(EventKind.ACCEPTED), ev(EventKind.FEE_CHARGED, amount_yuan=Decimal("0")))
    assert rules == []


def test_paused_case_is_not_overdue_while_paused() -> None:
    case, _ = run(ev(EventKind.ACCEPTED, "2026-03-02"), ev(EventKind.SUPPLEMENT_STARTED, "2026-03-03"))
    rules = {"OVERDUE": {}, "NEAR_DEADLINE": {"ratio": 0.9}}
    # due Mon Mar 9 without the pause; on Mar 20 the supplement is still open
    assert [
        c.rule
        for c in time_cards(case, case_map=MAP, calendar=CALENDAR, today=date(2026, 3, 20), rules=rules)
    ] == []


def test_a_supplement_before_acceptance_does_not_move_the_due_date() -> None:
    case, _ = run(
        ev(EventKind.SUPPLEMENT_STARTED, "2026-03-02"),
        ev(EventKind.SUPPLEMENT_ENDED, "2026-03-09"),
        ev(EventKind.ACCEPTED, "2026-03-09"),
    )
    # accepted Mon Mar 9: five working days -> Mon Mar 16, whatever happened before
    assert case.due_dates(CALENDAR)[0] == date(2026, 3, 16)
    assert case.resume_state is None


def test_documents_that_follow_an_approval_do_not_move_its_completion() -> None:
    line = [
        e
        for key, alt in (
            ("S1", None),
            ("S2a", None),
            ("S3", None),
            ("S4a", None),
            ("S4b", None),
            ("S5", None),
        )
        for e in (
            ev(EventKind.STEP_STARTED, "2026-03-03", step_key=key),
            ev(EventKind.STEP_FINISHED, "2026-03-03", step_key=key),
        )
        if alt is None
    ]
    case, rules = run(
        ev(EventKind.ACCEPTED, "2026-03-02"),
        *line,
        ev(EventKind.COMPLETED, "2026-03-09", result=CompletionResult.APPROVED_PENDING_DOCS),
        ev(EventKind.COMPLETED, "2026-03-20", result=CompletionResult.APPROVED),
    )
    assert (case.state, case.completed_on) == (State.APPROVED, date(2026, 3, 9))
    assert rules == []  # on time on Mar 9; the later documents raise nothing


def test_a_pause_during_a_step_does_not_count_against_the_step() -> None:
    _, rules = run(
        ev(EventKind.ACCEPTED, "2026-03-02"),
        ev(EventKind.STEP_STARTED, "2026-03-02", step_key="S1"),
        ev(EventKind.SUPPLEMENT_STARTED, "2026-03-02"),
        ev(EventKind.SUPPLEMENT_ENDED, "2026-03-09"),
        ev(EventKind.STEP_FINISHED, "2026-03-10", step_key="S1"),  # one working day of work
    )
    assert "STEP_OVERDUE" not in rules
