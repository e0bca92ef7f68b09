"""Electronic supervision (电子监察): raising cards, locking, the sweep over open cases, and the
card lifecycle (explained by the department, closed and unlocked by discipline).

Cards are raised through :func:`raise_cards` only, whether an event proved them on ingest or the
sweep proved them with the passage of time, so every card gets the same rule check, the same
notifications and the same lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from db import cards as db_cards
from db import cases as db_cases
from db import notifications as db_notifications
from db import powers as db_powers
from db import ratings as db_ratings
from db.executor import Connection
from domain.calendar import WorkingCalendar, china_day
from domain.cases import CardCandidate, Case, CaseMap, MapStep, State, StepProgress, time_cards
from domain.errors import DomainError, NotFound
from domain.supervision import SUPERSEDES, superseded_note

# -- from rows to the engine's terms ------------------------------------------------------------


def case_map_from(steps: Sequence[db_powers.StepRow], edges: Sequence[db_powers.EdgeRow]) -> CaseMap:
    successors: defaultdict[str, list[str]] = defaultdict(list)
    alternatives = set()
    targets = set()
    for e in edges:
        successors[e.source].append(e.target)
        targets.add(e.target)
        if e.condition:
            alternatives.add(e.source)
    start = next(s.key for s in steps if s.key not in targets)
    return CaseMap(
        steps={s.key: MapStep(s.key, s.limit_days, s.department_id) for s in steps},
        start=start,
        successors={k: tuple(v) for k, v in successors.items()},
        alternative_forks=frozenset(alternatives),
    )


def case_from(row: db_cases.CaseRow, steps: Iterable[db_cases.StepRow]) -> Case:
    return Case(
        state=State(row.state),
        department_id=row.department_id,
        received_at=row.received_at,
        received_on=china_day(row.received_at),
        promised_limit_days=row.promised_limit_days,
        statutory_limit_days=row.statutory_limit_days,
        accepted_on=row.accepted_on,
        resume_state=State(row.resume_state) if row.resume_state else None,
        paused_since=row.paused_since,
        paused_days=row.paused_days,
        special_days=row.special_days,
        current_step_key=row.current_step_key,
        fee_charged_yuan=row.fee_charged_yuan,
        completed_at=row.completed_at,
        completed_on=row.completed_on,
        refusal_reason=row.refusal_reason,
        handler_staff_no=row.handler_staff_no,
        locked=row.locked,
        steps={
            s.step_key: StepProgress(
                key=s.step_key,
                started_on=s.started_on,
                started_at=s.started_at,
                staff_no=s.staff_no,
                finished_on=s.finished_on,
                finished_at=s.finished_at,
                opinion=s.opinion,
                paused_before=s.paused_before,
                finished_by=s.finished_by,
            )
            for s in steps
        },
    )


def case_values(case: Case, calendar: WorkingCalendar) -> dict[str, Any]:
    promised, statutory = case.due_dates(calendar)
    return {
        "state": int(case.state),
        "accepted_on": case.accepted_on,
        "resume_state": int(case.resume_state) if case.resume_state else None,
        "paused_since": case.paused_since,
        "paused_days": case.paused_days,
        "special_days": case.special_days,
        "promised_due_on": promised,
        "statutory_due_on": statutory,
        "current_step_key": case.current_step_key,
        "fee_charged_yuan": case.fee_charged_yuan,
        "completed_at": case.completed_at,
        "completed_on": case.completed_on,
        "refusal_reason": case.refusal_reason,
        "handler_staff_no": case.handler_staff_no,
    }


async def load_case_map(db: Connection, *, power_id: int) -> CaseMap:
    rows = (await db_powers.list_maps_by_power(db, power_ids=[power_id])).get(power_id)
    return case_map_from(rows.steps, rows.edges) if rows else case_map_from([], [])


# -- raising cards ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RaisedCard:
    id: int
    rule: str
    color: str
    superseded: tuple[int, ...] = ()  # the yellow cards this red card closed


Rules = Mapping[str, tuple[str, Mapping[str, Any]]]  # enabled rule code -> (color, parameters)


async def rules_for(conn: Connection, *, power_id: int) -> Rules:
    """The enabled rules for one power: the global rules with that power's overrides."""
    overrides = await db_cards.list_rule_overrides_by_power(conn, power_ids=[power_id])
    return with_overrides(await db_cards.list_rules(conn), overrides.get(power_id, []))


async def raise_cards(
    conn: Connection,
    *,
    case_id: int,
    department_id: int,
    handler: str | None,
    candidates: Sequence[CardCandidate],
    rules: Rules,
    at: datetime,
    history: bool = False,  # from a historical import: recorded, never locking nor notifying
) -> list[RaisedCard]:
    """Store each candidate whose rule is enabled, once per case and subject; lock the case on a
    new red card and close the yellow warnings it supersedes; notify the handler and the approver
    of every new card."""
    raised: list[RaisedCard] = []
    for candidate in candidates:
        if candidate.rule not in rules:
            continue
        color = rules[candidate.rule][0]
        card_id = await db_cards.insert_card(
            conn,
            case_id=case_id,
            rule_code=candidate.rule,
            color=color,
            subject=candidate.subject,
            department_id=department_id,
            staff_no=candidate.staff_no or handler,
            evidence=dict(candidate.evidence),
            raised_at=at,
            raised_on=china_day(at),
        )
        if card_id is None:
            continue  # raised before: a repeated evaluation raises nothing new
        superseded: list[int] = []
        if color == "red" and candidate.rule in SUPERSEDES:
            superseded = await db_cards.update_cards_superseded(
                conn,
                case_id=case_id,
                rules=SUPERSEDES[candidate.rule],
                by_card_id=card_id,
                at=at,
                note=superseded_note(candidate.rule, card_id),
            )
        raised.append(RaisedCard(card_id, candidate.rule, color, tuple(superseded)))
        if color == "red" and not history and await db_cards.update_case_locked(conn, case_id=case_id):
            await db_cards.insert_lock_event(
                conn,
                case_id=case_id,
                card_id=card_id,
                action="locked",
                actor="电子监察系统",
                note=candidate.rule,
            )
    if raised and not history:
        await db_notifications.insert_card_notifications(conn, card_ids=[r.id for r in raised])
    return raised


# -- the sweep ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SweepResult:
    cases_checked: int
    cards_raised: int
    cards_superseded: int = 0  # yellow cards closed by the red cards raised


async def sweep(
    pool: asyncpg.Pool,
    *,
    calendar: WorkingCalendar,
    today: date,
    now: datetime | None = None,
    batch: int = 500,
) -> SweepResult:
    """Evaluate the time rules on every open case as of ``today``.

    Safe in several processes at once: each batch locks its cases with SKIP LOCKED, and a card is
    unique per case, rule and subject, so a repeated or concurrent sweep raises nothing twice.
    """
    async with pool.acquire() as conn:
        return await sweep_on(conn, calendar=calendar, today=today, now=now, batch=batch)


async def sweep_on(
    conn: Connection,
    *,
    calendar: WorkingCalendar,
    today: date,
    now: datetime | None = None,
    batch: int = 500,
) -> SweepResult:
    """:func:`sweep` on one connection: a transaction per batch, or savepoints when the caller
    holds a transaction (a dry run rolls it all back)."""
    now = now or datetime.now(UTC)
    checked = 0
    raised: list[RaisedCard] = []
    after = 0
    all_rules = await db_cards.list_rules(conn)
    map_cache: dict[int, CaseMap] = {}
    while True:
        async with conn.transaction():
            rows = await db_cases.lock_open_cases(conn, after_id=after, limit=batch)
            if not rows:
                break
            after = rows[-1].id
            steps: defaultdict[int, list[db_cases.StepRow]] = defaultdict(list)
            for s in await db_cases.list_steps_by_case(conn, case_ids=[r.id for r in rows]):
                steps[s.case_id].append(s)
            overrides = await db_cards.list_rule_overrides_by_power(
                conn, power_ids=sorted({r.power_id for r in rows})
            )
            for row in rows:
                if row.power_id not in map_cache:
                    map_cache[row.power_id] = await load_case_map(conn, power_id=row.power_id)
                rules = with_overrides(all_rules, overrides.get(row.power_id, []))
                case = case_from(row, steps[row.id])
                candidates = time_cards(
                    case,
                    case_map=map_cache[row.power_id],
                    calendar=calendar,
                    today=today,
                    rules={code: params for code, (_, params) in rules.items()},
                )
                checked += 1
                if candidates:
                    raised += await raise_cards(
                        conn,
                        case_id=row.id,
                        department_id=row.department_id,
                        handler=row.handler_staff_no,
                        candidates=candidates,
                        rules=rules,
                        at=now,
                    )
    raised += await _overdue_rectifications(conn, today=today, now=now, rules=with_overrides(all_rules, []))
    return SweepResult(checked, len(raised), sum(len(r.superseded) for r in raised))


async def _overdue_rectifications(
    conn: Connection, *, today: date, now: datetime, rules: Rules
) -> list[RaisedCard]:
    """Bad ratings not rectified within their working days: a red card on the case."""
    raised: list[RaisedCard] = []
    for late in await db_ratings.list_overdue_rectifications(conn, today=today):
        candidate = CardCandidate(
            "RECTIFICATION_OVERDUE",
            "rating",
            {
                "rated_on": late.rated_on.isoformat(),
                "due_on": late.rectify_due_on.isoformat(),
                "level": late.level,
            },
            late.handler_staff_no,
        )
        async with conn.transaction():
            raised += await raise_cards(
                conn,
                case_id=late.case_id,
                department_id=late.department_id,
                handler=late.handler_staff_no,
                candidates=[candidate],
                rules=rules,
                at=now,
            )
    return raised


def with_overrides(rules: Sequence[db_cards.RuleRow], overrides: Sequence[db_cards.RuleRow]) -> Rules:
    by_code = {o.code: o for o in overrides}
    merged: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for r in rules:
        o = by_code.get(r.code)
        enabled = o.enabled if o else r.enabled
        if enabled:
            merged[r.code] = (r.color, {**r.params, **(o.params if o else {})})
    return merged


# -- the card lifecycle ---------------------------------------------------------------------------


class CardActionRefused(DomainError):
    code = "CARD_ACTION_REFUSED"


async def explain(
    conn: Connection, *, card_id: int, department_id: int, staff: str, explanation: str
) -> db_cards.CardRow:
    """The department's explanation (说明) of a card raised against it."""
    text = explanation.strip()
    if not 5 <= len(text) <= 2000:
        raise CardActionRefused("说明须为 5 到 2000 个字", code="INVALID_FIELD")
    async with conn.transaction():
        card = await db_cards.lock_card(conn, card_id=card_id)
        if card is None or card.department_id != department_id:
            raise NotFound(f"未找到本部门的监察卡 {card_id}", code="CARD_NOT_FOUND")
        if card.status != "open":
            raise CardActionRefused("该监察卡已说明或已关闭")
        await db_cards.update_card_explained(conn, card_id=card_id, explanation=text, by=staff)
        if card.case_id is not None:  # a subsidy red flag has no case and no lock
            await db_cards.insert_lock_event(
                conn, case_id=card.case_id, card_id=card_id, action="explained", actor=staff, note=text
            )
    return await _reload(conn, card_id)


async def _reload(conn: Connection, card_id: int) -> db_cards.CardRow:
    card = await db_cards.lock_card(conn, card_id=card_id)
    if card is None:
        raise NotFound(f"未找到监察卡 {card_id}", code="CARD_NOT_FOUND")
    return card


async def close(
    conn: Connection, *, card_id: int, inspector: str, note: str, outcome: str = "upheld"
) -> db_cards.CardRow:
    """Discipline closes a card with what it found (``outcome``: upheld, unfounded — the card
    then counts nothing in performance — or serious). A red card must be explained first; when the
    last open red card of a case closes, the case is unlocked."""
    async with conn.transaction():
        card = await db_cards.lock_card(conn, card_id=card_id)
        if card is None:
            raise NotFound(f"未找到监察卡 {card_id}", code="CARD_NOT_FOUND")
        if card.status == "closed":
            raise CardActionRefused("该监察卡已关闭")
        if card.color == "red" and card.status != "explained":
            raise CardActionRefused("红牌须由部门提交说明后才能关闭、解锁", code="EXPLANATION_REQUIRED")
        await db_cards.update_card_closed(
            conn, card_id=card_id, by=inspector, note=note.strip(), outcome=outcome
        )
        if card.case_id is None:  # a subsidy red flag: closing it is all
            return await _reload(conn, card_id)
        remaining = [
            c
            for c, _ in await db_cards.list_open_red_cards_by_case(conn, case_id=card.case_id)
            if c != card_id
        ]
        if card.color == "red" and not remaining:
            await db_cards.update_case_unlocked(conn, case_id=card.case_id)
            await db_cards.insert_lock_event(
                conn,
                case_id=card.case_id,
                card_id=card_id,
                action="released",
                actor=inspector,
                note=note.strip(),
            )
    return await _reload(conn, card_id)


def _review_note(note: str) -> str:
    text = note.strip()
    if not 5 <= len(text) <= 500:
        raise CardActionRefused("审核意见须为 5 到 500 个字", code="INVALID_FIELD")
    return text


def _review_deadline(due_on: date, today: date) -> date:
    if due_on <= today:
        raise CardActionRefused(f"期限 {due_on} 须晚于今天（{today}）", code="INVALID_DEADLINE")
    if due_on > today + timedelta(days=90):
        raise CardActionRefused("期限不得超过 90 天", code="INVALID_DEADLINE")
    return due_on


async def return_card(
    conn: Connection, *, card_id: int, inspector: str, note: str, due_on: date, today: date
) -> db_cards.CardRow:
    """Discipline returns an explanation that does not suffice (退回): the card is open again for a
    fuller explanation by ``due_on``; a red card's case stays locked."""
    text, deadline = _review_note(note), _review_deadline(due_on, today)
    async with conn.transaction():
        card = await db_cards.lock_card(conn, card_id=card_id)
        if card is None:
            raise NotFound(f"未找到监察卡 {card_id}", code="CARD_NOT_FOUND")
        if card.status != "explained":
            raise CardActionRefused("只能退回部门已说明、尚未关闭的监察卡", code="CARD_NOT_EXPLAINED")
        await db_cards.update_card_returned(conn, card_id=card_id, due_on=deadline)
        if card.case_id is not None:
            await db_cards.insert_lock_event(
                conn, case_id=card.case_id, card_id=card_id, action="returned", actor=inspector, note=text
            )
    return await _reload(conn, card_id)


async def escalate(
    conn: Connection, *, card_id: int, inspector: str, note: str, due_on: date, today: date
) -> db_cards.CardRow:
    """Discipline escalates a card (督办): it stays open under its name, with a deadline for the
    department's rectification and explanation; escalated once."""
    text, deadline = _review_note(note), _review_deadline(due_on, today)
    async with conn.transaction():
        card = await db_cards.lock_card(conn, card_id=card_id)
        if card is None:
            raise NotFound(f"未找到监察卡 {card_id}", code="CARD_NOT_FOUND")
        if card.status == "closed":
            raise CardActionRefused("该监察卡已关闭")
        if card.escalated_at is not None:
            raise CardActionRefused("该监察卡已在督办中", code="ALREADY_ESCALATED")
        await db_cards.update_card_escalated(conn, card_id=card_id, by=inspector, note=text, due_on=deadline)
        if card.case_id is not None:
            await db_cards.insert_lock_event(
                conn, case_id=card.case_id, card_id=card_id, action="escalated", actor=inspector, note=text
            )
    return await _reload(conn, card_id)
