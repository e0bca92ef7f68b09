"""Cases (办件): the state machine of the national platform's SPGL state codes, the working-day
clock, and what one event does to a case.

Everything here is pure: :func:`apply` takes a case as it stands, one event and the facts it
needs (the power's limits and fee, its process map, the calendar) and returns the case as it
stands after, or raises :class:`EventRefused` with a code and a Chinese message. The data layer
loads, calls, and stores; the demo generator uses the same function, so demo cases obey the
same rules as pushed ones.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any, Protocol, TypeVar

from domain.calendar import WorkingCalendar
from domain.codes import code_holds
from domain.errors import DomainError, NotFound
from domain.supervision import SUPERSEDES


class State(IntEnum):
    RECEIVED = 1  # 已接件
    WITHDRAWN = 2  # 已撤件
    ACCEPTED = 3  # 已受理
    NOT_ACCEPTED = 4  # 不受理
    REJECTED = 5  # 不予受理
    SUPPLEMENT_STARTED = 6  # 补正（开始）
    SUPPLEMENT_ENDED = 7  # 补正（结束）
    HANDLING = 8  # 部门开始办理
    SPECIAL_STARTED = 9  # 特别程序（开始）
    SPECIAL_ENDED = 10  # 特别程序（结束）
    APPROVED = 11  # 办结（通过）
    APPROVED_PENDING_DOCS = 12  # 办结（容缺通过）
    REFUSED = 13  # 办结（不通过）
    RECALLED = 14  # 撤回
    REVOKED = 15  # 撤销


STATE_LABELS = {
    State.RECEIVED: "已接件",
    State.WITHDRAWN: "已撤件",
    State.ACCEPTED: "已受理",
    State.NOT_ACCEPTED: "不受理",
    State.REJECTED: "不予受理",
    State.SUPPLEMENT_STARTED: "补正（开始）",
    State.SUPPLEMENT_ENDED: "补正（结束）",
    State.HANDLING: "部门办理中",
    State.SPECIAL_STARTED: "特别程序（开始）",
    State.SPECIAL_ENDED: "特别程序（结束）",
    State.APPROVED: "办结（通过）",
    State.APPROVED_PENDING_DOCS: "办结（容缺通过）",
    State.REFUSED: "办结（不通过）",
    State.RECALLED: "撤回",
    State.REVOKED: "撤销",
}

COMPLETED = frozenset({State.APPROVED, State.APPROVED_PENDING_DOCS, State.REFUSED})
# States after which the clock no longer runs: the case left the department's hands.
CLOSED = COMPLETED | {State.WITHDRAWN, State.NOT_ACCEPTED, State.REJECTED, State.RECALLED, State.REVOKED}
PAUSES = {State.SUPPLEMENT_STARTED: State.SUPPLEMENT_ENDED, State.SPECIAL_STARTED: State.SPECIAL_ENDED}

_HANDLING_NEXT = frozenset(
    {
        State.WITHDRAWN,
        State.SUPPLEMENT_STARTED,
        State.HANDLING,
        State.SPECIAL_STARTED,
        State.APPROVED,
        State.APPROVED_PENDING_DOCS,
        State.REFUSED,
        State.RECALLED,
    }
)
# Where a case may go from each state. From the end of a pause (7, 10) it goes where the state it
# interrupted could go (``resume_state``).
TRANSITIONS: Mapping[State, frozenset[State]] = {
    State.RECEIVED: frozenset(
        {
            State.WITHDRAWN,
            State.ACCEPTED,
            State.NOT_ACCEPTED,
            State.REJECTED,
            State.SUPPLEMENT_STARTED,
            State.RECALLED,
        }
    ),
    State.ACCEPTED: _HANDLING_NEXT,
    State.HANDLING: _HANDLING_NEXT,
    State.SUPPLEMENT_STARTED: frozenset({State.SUPPLEMENT_ENDED, State.WITHDRAWN, State.RECALLED}),
    State.SPECIAL_STARTED: frozenset({State.SPECIAL_ENDED, State.WITHDRAWN, State.RECALLED}),
    State.APPROVED: frozenset({State.REVOKED}),
    State.APPROVED_PENDING_DOCS: frozenset({State.APPROVED, State.REVOKED}),
}


class EventKind(StrEnum):
    RECEIVED = "RECEIVED"
    WITHDRAWN = "WITHDRAWN"
    ACCEPTED = "ACCEPTED"
    NOT_ACCEPTED = "NOT_ACCEPTED"
    REJECTED = "REJECTED"
    SUPPLEMENT_STARTED = "SUPPLEMENT_STARTED"
    SUPPLEMENT_ENDED = "SUPPLEMENT_ENDED"
    STEP_STARTED = "STEP_STARTED"
    STEP_FINISHED = "STEP_FINISHED"
    SPECIAL_STARTED = "SPECIAL_STARTED"
    SPECIAL_ENDED = "SPECIAL_ENDED"
    COMPLETED = "COMPLETED"
    RECALLED = "RECALLED"
    REVOKED = "REVOKED"
    FEE_CHARGED = "FEE_CHARGED"
    CERTIFICATE_PRINTED = "CERTIFICATE_PRINTED"


class CompletionResult(StrEnum):
    APPROVED = "APPROVED"
    APPROVED_PENDING_DOCS = "APPROVED_PENDING_DOCS"
    REFUSED = "REFUSED"


_TARGET: Mapping[EventKind, State] = {
    EventKind.RECEIVED: State.RECEIVED,
    EventKind.WITHDRAWN: State.WITHDRAWN,
    EventKind.ACCEPTED: State.ACCEPTED,
    EventKind.NOT_ACCEPTED: State.NOT_ACCEPTED,
    EventKind.REJECTED: State.REJECTED,
    EventKind.SUPPLEMENT_STARTED: State.SUPPLEMENT_STARTED,
    EventKind.SUPPLEMENT_ENDED: State.SUPPLEMENT_ENDED,
    EventKind.STEP_STARTED: State.HANDLING,
    EventKind.STEP_FINISHED: State.HANDLING,
    EventKind.SPECIAL_STARTED: State.SPECIAL_STARTED,
    EventKind.SPECIAL_ENDED: State.SPECIAL_ENDED,
    EventKind.RECALLED: State.RECALLED,
    EventKind.REVOKED: State.REVOKED,
}
_COMPLETION = {
    CompletionResult.APPROVED: State.APPROVED,
    CompletionResult.APPROVED_PENDING_DOCS: State.APPROVED_PENDING_DOCS,
    CompletionResult.REFUSED: State.REFUSED,
}
# Events that record a fact without moving the case.
_IN_PLACE = frozenset({EventKind.FEE_CHARGED, EventKind.CERTIFICATE_PRINTED})
_IN_PLACE_STATES = frozenset(
    {
        State.ACCEPTED,
        State.HANDLING,
        State.SUPPLEMENT_ENDED,
        State.SPECIAL_ENDED,
        State.APPROVED,
        State.APPROVED_PENDING_DOCS,
    }
)


class EventRefused(DomainError):
    code = "EVENT_REFUSED"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    occurred_at: datetime
    day: date  # the working-calendar day of ``occurred_at`` (Asia/Shanghai)
    step_key: str | None = None
    staff_no: str | None = None
    result: CompletionResult | None = None
    reason: str | None = None
    amount_yuan: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PowerTerms:
    """What the power fixes for every case of it."""

    promised_limit_days: int | None
    statutory_limit_days: int | None
    fee_yuan: Decimal | None


@dataclass(frozen=True, slots=True)
class MapStep:
    key: str
    limit_days: int
    department_id: int


@dataclass(frozen=True, slots=True)
class CaseMap:
    """The power's process map as the engine needs it: steps, their predecessors, and which
    forks are alternatives (their outgoing edges carry conditions) rather than parallel."""

    steps: Mapping[str, MapStep]
    start: str
    successors: Mapping[str, tuple[str, ...]]
    alternative_forks: frozenset[str] = frozenset()

    def predecessors(self, key: str) -> list[str]:
        return [source for source, targets in self.successors.items() if key in targets]


# Without slots, like Case: the engine copies one for each event (_evolve), which a __dict__ does
# in two steps and slots only field by field.
@dataclass(frozen=True)
class StepProgress:
    key: str
    started_on: date
    started_at: datetime
    staff_no: str | None
    finished_on: date | None = None
    finished_at: datetime | None = None
    opinion: str = ""
    # The case's paused working days when the step started: pauses during the step do not
    # count against the step's own limit.
    paused_before: int = 0
    finished_by: str | None = None  # ``staff_no`` started the step; this one finished it


@dataclass(frozen=True)
class Case:
    """A case as it stands."""

    state: State
    department_id: int
    received_at: datetime
    received_on: date
    promised_limit_days: int | None
    statutory_limit_days: int | None
    accepted_on: date | None = None
    resume_state: State | None = None
    paused_since: date | None = None
    paused_days: int = 0
    special_days: int = 0
    current_step_key: str | None = None
    fee_charged_yuan: Decimal | None = None
    completed_at: datetime | None = None
    completed_on: date | None = None
    refusal_reason: str | None = None
    handler_staff_no: str | None = None
    locked: bool = False
    steps: Mapping[str, StepProgress] = field(default_factory=dict)

    @property
    def clock_start(self) -> date:
        """The time limit runs from acceptance (受理), or from receipt until then."""
        return self.accepted_on or self.received_on

    def due_dates(self, calendar: WorkingCalendar) -> tuple[date | None, date | None]:
        """Promised and statutory due dates. A supplement moves both out by its working days; a
        special procedure (not counted toward the statutory limit either) does too."""
        extra = self.paused_days + self.special_days
        promised = (
            calendar.add_working_days(self.clock_start, self.promised_limit_days + extra)
            if self.promised_limit_days
            else None
        )
        statutory = (
            calendar.add_working_days(self.clock_start, self.statutory_limit_days + extra)
            if self.statutory_limit_days
            else None
        )
        return promised, statutory

    def used_days(self, calendar: WorkingCalendar, today: date) -> int:
        """Working days the clock has run up to ``today`` (or completion), pauses excluded."""
        end = self.completed_on or today
        used = calendar.working_days_between(self.clock_start, end) - self.paused_days - self.special_days
        if self.paused_since is not None and self.completed_on is None:
            used -= calendar.working_days_between(self.paused_since, end)
        return max(used, 0)


@dataclass(frozen=True, slots=True)
class CardCandidate:
    """A rule that fired: which rule, on what (a step key or '' for the whole case), the
    figures that prove it, and who is responsible."""

    rule: str
    subject: str
    evidence: Mapping[str, Any]
    staff_no: str | None


_Frozen = TypeVar("_Frozen", Case, StepProgress)
_FIELDS: dict[type[Any], frozenset[str]] = {
    cls: frozenset(f.name for f in fields(cls)) for cls in (Case, StepProgress)
}


def _evolve(current: _Frozen, **changes: Any) -> _Frozen:
    """``dataclasses.replace`` for a case or a step's progress, without going through their frozen
    ``__init__`` field by field again: the engine makes a new one for every event, and over the
    demo's million events ``replace`` was a fifth of the time."""
    cls = type(current)
    if not changes.keys() <= _FIELDS[cls]:
        raise TypeError(f"{cls.__name__} has no field {sorted(changes.keys() - _FIELDS[cls])}")
    new = object.__new__(cls)
    state = vars(new)
    state.update(vars(current))
    state.update(changes)
    return new


def query_code_hash(case_no: str, query_code: str) -> bytes:
    """The receipt's query code is stored only as this hash."""
    return hashlib.sha256(f"{case_no}:{query_code}".encode()).digest()


class Receipted(Protocol):
    """A stored case as far as its receipt goes."""

    @property
    def query_code_hash(self) -> bytes: ...


_R = TypeVar("_R", bound=Receipted)


def check_receipt(case: _R | None, *, case_no: str, query_code: str) -> _R:
    """The case, for whoever holds its number and the query code on its receipt (``case`` is None
    for an unknown number). A wrong code and an unknown number get the same refusal, and the
    comparison runs, in constant time, for both, so neither answer nor timing tells them apart."""
    given = query_code_hash(case_no.strip(), query_code.strip())
    if not code_holds(case.query_code_hash if case is not None else None, given) or case is None:
        raise NotFound("未找到该办件，或查询码不正确", code="CASE_NOT_FOUND")
    return case


def on_time(*, completed_on: date | None, promised_due_on: date | None, today: date) -> bool | None:
    """A completed case by its completion day, an open one by today; None without a promised limit."""
    if promised_due_on is None:
        return None
    return (completed_on or today) <= promised_due_on


def effective_state(case: Case) -> State:
    if case.state in (State.SUPPLEMENT_ENDED, State.SPECIAL_ENDED) and case.resume_state is not None:
        return case.resume_state
    return case.state


def target_state(event: Event) -> State | None:
    if event.kind is EventKind.COMPLETED:
        if event.result is None:
            raise EventRefused(
                "办结事件必须给出 result（APPROVED、APPROVED_PENDING_DOCS 或 REFUSED）",
                code="INVALID_FIELD",
            )
        return _COMPLETION[event.result]
    return _TARGET.get(event.kind)


def required_steps(case_map: CaseMap, started: set[str]) -> set[str]:
    """The steps this case must pass, given the alternatives it took: from the start, every
    branch of a parallel fork; of an alternative fork, the branches it entered (or all, while it
    has entered none, so that skipping all of them is seen)."""
    required: set[str] = set()
    frontier = [case_map.start]
    while frontier:
        key = frontier.pop()
        if key in required:
            continue
        required.add(key)
        targets = case_map.successors.get(key, ())
        if key in case_map.alternative_forks:
            taken = [t for t in targets if t in started]
            targets = tuple(taken) or targets
        frontier.extend(targets)
    return required


def apply(
    case: Case | None,
    event: Event,
    *,
    terms: PowerTerms,
    case_map: CaseMap,
    calendar: WorkingCalendar,
    sender_department_id: int | None,
) -> tuple[Case, list[CardCandidate]]:
    """The case after ``event``, and the cards the event itself proves.

    Refuses (:class:`EventRefused`) an event the case cannot take: a locked case, an illegal
    transition, an unknown step or one of another department, missing fields.
    """
    if case is None:
        if event.kind is not EventKind.RECEIVED:
            raise EventRefused("办件不存在：第一个事件必须是 RECEIVED（接件）", code="UNKNOWN_CASE")
        raise EventRefused("接件事件由 receive() 处理", code="INVALID_FIELD")
    if case.locked:
        raise EventRefused("办件因红牌已被锁定：部门提交说明、纪委监委解锁后才能继续办理", code="CASE_LOCKED")
    if event.kind is EventKind.RECEIVED:
        raise EventRefused("办件已接件，不能重复接件", code="ILLEGAL_TRANSITION")
    cards: list[CardCandidate] = []
    current = effective_state(case)
    if event.kind in _IN_PLACE:
        if current not in _IN_PLACE_STATES:
            raise EventRefused(
                f"办件处于“{STATE_LABELS[case.state]}”状态，不能记录{_kind_label(event.kind)}",
                code="ILLEGAL_TRANSITION",
            )
        return _in_place(case, event, terms, cards)
    target = target_state(event)
    if target is None:
        raise EventRefused(f"未知的事件类型 {event.kind}", code="INVALID_FIELD")
    allowed = TRANSITIONS.get(current, frozenset())
    if case.state in (State.SUPPLEMENT_ENDED, State.SPECIAL_ENDED):
        allowed = allowed | {State.SUPPLEMENT_STARTED, State.SPECIAL_STARTED}
    if target not in allowed:
        raise EventRefused(
            f"办件处于“{STATE_LABELS[case.state]}”状态，不能转为“{STATE_LABELS[target]}”",
            code="ILLEGAL_TRANSITION",
        )
    if event.kind in (EventKind.STEP_STARTED, EventKind.STEP_FINISHED):
        return _step(case, event, case_map, calendar, sender_department_id)
    # Every change the event makes, then one new case (each step reads the case as it was).
    changes: dict[str, Any] = {"state": target, "handler_staff_no": event.staff_no or case.handler_staff_no}
    if target is State.ACCEPTED:
        # The clock starts here: a supplement before acceptance does not move it out again.
        changes.update(accepted_on=event.day, paused_days=0, special_days=0)
    if target not in PAUSES and target not in (State.SUPPLEMENT_ENDED, State.SPECIAL_ENDED):
        changes["resume_state"] = None
    if target in PAUSES:
        changes.update(resume_state=current, paused_since=event.day)
    if target in (State.SUPPLEMENT_ENDED, State.SPECIAL_ENDED):
        paused = calendar.working_days_between(case.paused_since or event.day, event.day)
        if target is State.SUPPLEMENT_ENDED:
            changes.update(paused_days=case.paused_days + paused, paused_since=None)
        else:
            changes.update(special_days=case.special_days + paused, paused_since=None)
    # Completed once is completed: the documents that follow an approval (12 -> 11) do not move
    # the completion date, and revocation (15) keeps it too.
    closing = target in CLOSED and target is not State.REVOKED and case.completed_on is None
    if closing:
        changes.update(completed_at=event.occurred_at, completed_on=event.day, refusal_reason=event.reason)
    updated = _evolve(case, **changes)
    if closing and target in COMPLETED | {State.NOT_ACCEPTED, State.REJECTED}:
        cards += _completion_cards(updated, event, target, case_map, calendar)
    return updated, cards


def paused_total(case: Case, calendar: WorkingCalendar, today: date) -> int:
    """Every paused working day of the case so far, an open pause included."""
    open_pause = calendar.working_days_between(case.paused_since, today) if case.paused_since else 0
    return case.paused_days + case.special_days + open_pause


def step_days(case: Case, progress: StepProgress, calendar: WorkingCalendar, until: date) -> int:
    """Working days a step has taken up to ``until``, the case's pauses meanwhile left out."""
    elapsed = calendar.working_days_between(progress.started_on, until)
    return max(elapsed - (paused_total(case, calendar, until) - progress.paused_before), 0)


def _kind_label(kind: EventKind) -> str:
    return {EventKind.FEE_CHARGED: "收费", EventKind.CERTIFICATE_PRINTED: "制证"}.get(kind, kind.value)


def _in_place(
    case: Case, event: Event, terms: PowerTerms, cards: list[CardCandidate]
) -> tuple[Case, list[CardCandidate]]:
    if event.kind is EventKind.FEE_CHARGED:
        if event.amount_yuan is None or not event.amount_yuan.is_finite() or event.amount_yuan < 0:
            raise EventRefused("收费事件必须给出不小于 0 的金额 amountYuan", code="INVALID_FIELD")
        charged = (case.fee_charged_yuan or Decimal(0)) + event.amount_yuan
        standard = terms.fee_yuan or Decimal(0)
        if charged != standard:
            cards.append(
                CardCandidate(
                    rule="FEE_MISMATCH",
                    subject="",
                    evidence={"charged_yuan": str(charged), "standard_yuan": str(standard)},
                    staff_no=event.staff_no,
                )
            )
        return _evolve(case, fee_charged_yuan=charged), cards
    return case, cards


def _step(
    case: Case, event: Event, case_map: CaseMap, calendar: WorkingCalendar, sender: int | None
) -> tuple[Case, list[CardCandidate]]:
    key = event.step_key
    if not key:
        raise EventRefused("环节事件必须给出 stepKey", code="INVALID_FIELD")
    step = case_map.steps.get(key)
    if step is None:
        raise EventRefused(f"该事项的流程图中没有环节 {key}", code="UNKNOWN_STEP")
    if sender is not None and step.department_id != sender:
        raise EventRefused(f"环节 {key} 由其他部门办理，本部门不能报送", code="STEP_OF_OTHER_DEPARTMENT")
    if not event.staff_no:
        raise EventRefused("环节事件必须给出办理人工号 staffNo", code="INVALID_FIELD")
    steps = dict(case.steps)
    cards: list[CardCandidate] = []
    if event.kind is EventKind.STEP_STARTED:
        if key in steps:
            raise EventRefused(f"环节 {key} 已经开始，不能重复开始", code="ILLEGAL_TRANSITION")
        required = required_steps(case_map, set(steps) | {key})
        missing = [p for p in case_map.predecessors(key) if p in required and steps.get(p) is None]
        unfinished = [p for p in case_map.predecessors(key) if p in steps and steps[p].finished_on is None]
        if missing or unfinished:
            cards.append(
                CardCandidate(
                    rule="STEP_OUT_OF_ORDER",
                    subject=key,
                    evidence={"step": key, "not_done_before_it": sorted(missing + unfinished)},
                    staff_no=event.staff_no,
                )
            )
        steps[key] = StepProgress(
            key=key,
            started_on=event.day,
            started_at=event.occurred_at,
            staff_no=event.staff_no,
            paused_before=paused_total(case, calendar, event.day),
        )
        return _evolve(
            case, state=State.HANDLING, current_step_key=key, steps=steps, handler_staff_no=event.staff_no
        ), cards
    progress = steps.get(key)
    if progress is None:
        raise EventRefused(f"环节 {key} 尚未开始，不能结束", code="ILLEGAL_TRANSITION")
    if progress.finished_on is not None:
        raise EventRefused(f"环节 {key} 已经结束", code="ILLEGAL_TRANSITION")
    steps[key] = _evolve(
        progress,
        finished_on=event.day,
        finished_at=event.occurred_at,
        opinion=event.reason or "",
        finished_by=event.staff_no,
    )
    used = step_days(case, progress, calendar, event.day)
    if used > step.limit_days:
        cards.append(
            CardCandidate(
                rule="STEP_OVERDUE",
                subject=key,
                evidence={"step": key, "limit_days": step.limit_days, "used_days": used},
                staff_no=progress.staff_no,
            )
        )
    return _evolve(case, state=State.HANDLING, steps=steps, handler_staff_no=event.staff_no), cards


def _completion_cards(
    case: Case, event: Event, target: State, case_map: CaseMap, calendar: WorkingCalendar
) -> list[CardCandidate]:
    cards: list[CardCandidate] = []
    refusal = target in (State.REFUSED, State.NOT_ACCEPTED, State.REJECTED)
    if refusal and not (event.reason and event.reason.strip()):
        cards.append(
            CardCandidate(
                rule="REFUSAL_WITHOUT_REASON",
                subject="",
                evidence={"state": STATE_LABELS[target]},
                staff_no=event.staff_no,
            )
        )
    if target in COMPLETED:
        started = set(case.steps)
        skipped = sorted(
            k
            for k in required_steps(case_map, started)
            if k not in started or case.steps[k].finished_on is None
        )
        # A case refused at a step need not pass the steps after it; only approval needs the full way.
        if skipped and target is not State.REFUSED:
            cards.append(
                CardCandidate(
                    rule="STEP_SKIPPED",
                    subject="",
                    evidence={"steps_not_done": skipped},
                    staff_no=event.staff_no,
                )
            )
        promised, _ = case.due_dates(calendar)
        if promised is not None and event.day > promised:
            cards.append(
                CardCandidate(
                    rule="OVERDUE",
                    subject="",
                    evidence={
                        "due_on": promised.isoformat(),
                        "completed_on": event.day.isoformat(),
                        "late_working_days": calendar.working_days_between(promised, event.day),
                    },
                    staff_no=event.staff_no,
                )
            )
    return cards


def time_cards(
    case: Case,
    *,
    case_map: CaseMap,
    calendar: WorkingCalendar,
    today: date,
    rules: Mapping[str, Mapping[str, Any]],
) -> list[CardCandidate]:
    """Cards the passage of time proves on an open case as of ``today`` (the supervision sweep).

    ``rules`` maps each enabled rule code to its parameters. One card per escalation: a red card
    proved here leaves out the yellow warnings it supersedes (an overdue case is not also near its
    deadline).
    """
    if case.completed_on is not None or case.state in CLOSED:
        return []
    cards: list[CardCandidate] = []
    promised, _ = case.due_dates(calendar)
    limit = case.promised_limit_days
    if promised is not None and limit:
        used = case.used_days(calendar, today)
        if "OVERDUE" in rules and today > promised and case.paused_since is None:
            cards.append(
                CardCandidate(
                    "OVERDUE",
                    "",
                    {
                        "due_on": promised.isoformat(),
                        "as_of": today.isoformat(),
                        "used_days": used,
                        "limit_days": limit,
                    },
                    case.handler_staff_no,
                )
            )
        near = rules.get("NEAR_DEADLINE")
        if near is not None and used >= math.ceil(float(near.get("ratio", 0.9)) * limit):
            cards.append(
                CardCandidate(
                    "NEAR_DEADLINE",
                    "",
                    {
                        "due_on": promised.isoformat(),
                        "used_days": used,
                        "limit_days": limit,
                        "ratio": near.get("ratio", 0.9),
                    },
                    case.handler_staff_no,
                )
            )
        before = rules.get("DAY_BEFORE_DEADLINE")
        if before is not None and limit - used <= int(before.get("days", 1)) and today <= promised:
            cards.append(
                CardCandidate(
                    "DAY_BEFORE_DEADLINE",
                    "",
                    {"due_on": promised.isoformat(), "remaining_days": limit - used},
                    case.handler_staff_no,
                )
            )
    if "STEP_OVERDUE" in rules and case.paused_since is None:
        for progress in case.steps.values():
            step = case_map.steps.get(progress.key)
            if step is None or progress.finished_on is not None:
                continue
            used = step_days(case, progress, calendar, today)
            if used > step.limit_days:
                cards.append(
                    CardCandidate(
                        "STEP_OVERDUE",
                        progress.key,
                        {
                            "step": progress.key,
                            "limit_days": step.limit_days,
                            "used_days": used,
                            "as_of": today.isoformat(),
                        },
                        progress.staff_no,
                    )
                )
    superseded = {code for c in cards for code in SUPERSEDES.get(c.rule, ())}
    return [c for c in cards if c.rule not in superseded]


def receive(
    event: Event,
    *,
    department_id: int,
    terms: PowerTerms,
) -> Case:
    """A new case from its RECEIVED event."""
    if event.kind is not EventKind.RECEIVED:
        raise EventRefused("办件不存在：第一个事件必须是 RECEIVED（接件）", code="UNKNOWN_CASE")
    return Case(
        state=State.RECEIVED,
        department_id=department_id,
        received_at=event.occurred_at,
        received_on=event.day,
        promised_limit_days=terms.promised_limit_days,
        statutory_limit_days=terms.statutory_limit_days,
        handler_staff_no=event.staff_no,
    )
