"""Cases, their events and steps, cards, locks and the notification outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import orjson

from db.executor import Connection, Executor
from db.queries import load

Q = load("cases")


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    case_no: str
    query_code_hash: bytes
    power_id: int
    department_id: int
    lead_case_id: int | None
    applicant_kind: str
    applicant_name: str
    applicant_id_number: str
    applicant_phone: str
    applicant_address: str
    region_code: str | None
    channel: str
    received_at: datetime
    accepted_on: date | None
    state: int
    resume_state: int | None
    paused_since: date | None
    paused_days: int
    special_days: int
    promised_limit_days: int | None
    statutory_limit_days: int | None
    promised_due_on: date | None
    statutory_due_on: date | None
    current_step_key: str | None
    fee_charged_yuan: Decimal | None
    completed_at: datetime | None
    completed_on: date | None
    refusal_reason: str | None
    handler_staff_no: str | None
    locked: bool
    last_event_at: datetime
    updated_at: datetime


_CASE_FIELDS = [f.name for f in fields(CaseRow)]


def _case(record: asyncpg.Record) -> CaseRow:
    return CaseRow(**{name: record[name] for name in _CASE_FIELDS})


@dataclass(frozen=True, slots=True)
class StepRow:
    case_id: int
    step_key: str
    started_on: date
    started_at: datetime
    finished_on: date | None
    finished_at: datetime | None
    staff_no: str | None
    opinion: str
    paused_before: int = 0


@dataclass(frozen=True, slots=True)
class PowerTermsRow:
    id: int
    code: str
    name: str
    department_id: int
    status: str
    promised_limit_days: int | None
    statutory_limit_days: int | None
    fee_yuan: Decimal | None


@dataclass(frozen=True, slots=True)
class RuleRow:
    code: str
    color: str
    enabled: bool
    params: dict[str, Any]
    description: str = ""


@dataclass(frozen=True, slots=True)
class CardRow:
    id: int
    case_id: int | None
    case_no: str | None
    payment_year: int | None
    payment_id: int | None
    member_id: int | None
    rule_code: str
    color: str
    subject: str
    department_id: int
    staff_no: str | None
    evidence: dict[str, Any]
    raised_at: datetime
    raised_on: date
    status: str
    explanation: str | None
    explained_by: str | None
    explained_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    closing_note: str | None


_CARD_FIELDS = [f.name for f in fields(CardRow)]


def _card(record: asyncpg.Record) -> CardRow:
    values = {name: record[name] for name in _CARD_FIELDS}
    values["evidence"] = orjson.loads(values["evidence"])
    return CardRow(**values)


@dataclass(frozen=True, slots=True)
class LockEventRow:
    id: int
    case_id: int
    card_id: int | None
    action: str
    actor: str
    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    source: str
    event_id: str
    case_id: int
    kind: str
    state_after: int
    step_key: str | None
    staff_no: str | None
    occurred_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    card_id: int
    recipient: str
    recipient_role: str
    department_id: int
    message: str
    attempts: int
    rule_code: str
    color: str
    case_no: str | None


# -- reads -------------------------------------------------------------------------------------


async def power_terms(
    db: Executor, *, ids: Sequence[int] = (), codes: Sequence[str] = ()
) -> list[PowerTermsRow]:
    return [PowerTermsRow(**r) for r in await db.fetch(Q.power_terms, list(ids), list(codes))]


async def event_seen(db: Executor, *, source: str, event_id: str) -> bool:
    return await db.fetchval(Q.event_seen, source, event_id) is not None


async def get_for_update(conn: Connection, *, case_no: str) -> CaseRow | None:
    row = await conn.fetchrow(Q.case_for_update, case_no)
    return _case(row) if row else None


async def get_by_no(db: Executor, *, case_no: str) -> CaseRow | None:
    row = await db.fetchrow(Q.case_by_no, case_no)
    return _case(row) if row else None


@dataclass(frozen=True, slots=True)
class ProgressStepRow:
    step_key: str
    step_name: str
    started_on: date
    finished_on: date | None


@dataclass(frozen=True, slots=True)
class ProgressSubCaseRow:
    case_no: str
    state: int
    department_name: str


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """A case with everything the public progress query shows of it."""

    case: CaseRow
    power_code: str
    power_name: str
    power_promised_limit_days: int | None
    department_name: str
    department_phone: str | None
    current_step_name: str | None
    timeline: list[ProgressStepRow]
    sub_cases: list[ProgressSubCaseRow]

    @property
    def query_code_hash(self) -> bytes:
        return self.case.query_code_hash


async def progress(db: Executor, *, case_no: str) -> ProgressRow | None:
    """One statement for the whole public progress answer (case, power, department, steps, branches)."""
    row = await db.fetchrow(Q.case_progress, case_no)
    if row is None:
        return None
    return ProgressRow(
        case=_case(row),
        power_code=row["power_code"],
        power_name=row["power_name"],
        power_promised_limit_days=row["power_promised_limit_days"],
        department_name=row["department_name"],
        department_phone=row["department_phone"],
        current_step_name=row["current_step_name"],
        timeline=[
            ProgressStepRow(
                step_key=s["step_key"],
                step_name=s["step_name"],
                started_on=date.fromisoformat(s["started_on"]),
                finished_on=date.fromisoformat(s["finished_on"]) if s["finished_on"] else None,
            )
            for s in orjson.loads(row["timeline"] or "[]")
        ],
        sub_cases=[ProgressSubCaseRow(**s) for s in orjson.loads(row["sub_cases"] or "[]")],
    )


async def by_id(db: Executor, *, ids: Sequence[int]) -> list[CaseRow]:
    return [_case(r) for r in await db.fetch(Q.cases_by_id, list(ids))]


async def steps_of(db: Executor, *, case_ids: Sequence[int]) -> list[StepRow]:
    return [StepRow(**r) for r in await db.fetch(Q.steps_of_cases, list(case_ids))]


async def open_sub_cases(db: Executor, *, lead_id: int) -> int:
    total: int = await db.fetchval(Q.open_sub_cases, lead_id)
    return total


async def all_rules(db: Executor) -> list[RuleRow]:
    return [
        RuleRow(
            code=r["code"],
            color=r["color"],
            enabled=r["enabled"],
            params=orjson.loads(r["params"]),
            description=r["description"],
        )
        for r in await db.fetch(Q.all_rules)
    ]


async def rule_overrides(db: Executor, *, power_ids: Sequence[int]) -> dict[int, list[RuleRow]]:
    found: dict[int, list[RuleRow]] = {}
    for r in await db.fetch(Q.rule_overrides, list(power_ids)):
        found.setdefault(r["power_id"], []).append(
            RuleRow(code=r["rule_code"], color="", enabled=r["enabled"], params=orjson.loads(r["params"]))
        )
    return found


async def approver_of(db: Executor, *, department_id: int) -> str | None:
    staff_no: str | None = await db.fetchval(Q.approver_of_department, department_id)
    return staff_no


async def cards_of(db: Executor, *, case_ids: Sequence[int]) -> list[CardRow]:
    return [_card(r) for r in await db.fetch(Q.cards_of_cases, list(case_ids))]


async def lock_events_of(db: Executor, *, case_ids: Sequence[int]) -> list[LockEventRow]:
    return [LockEventRow(**r) for r in await db.fetch(Q.lock_events_of_cases, list(case_ids))]


async def events_of(db: Executor, *, case_ids: Sequence[int]) -> list[EventRow]:
    return [
        EventRow(**{**r, "payload": orjson.loads(r["payload"])})
        for r in await db.fetch(Q.events_of_cases, list(case_ids))
    ]


async def sub_cases_of(db: Executor, *, lead_ids: Sequence[int]) -> list[CaseRow]:
    return [_case(r) for r in await db.fetch(Q.sub_cases_of, list(lead_ids))]


async def search(
    db: Executor,
    *,
    department_id: int | None,
    state: int | None,
    power_id: int | None,
    overdue_before: date | None,
    open_card_color: str | None,
    before_id: int | None,
    limit: int,
) -> list[CaseRow]:
    """Newest first, keyset on id."""
    rows = await db.fetch(
        Q.list_cases, department_id, state, power_id, overdue_before, open_card_color, before_id, limit
    )
    return [_case(r) for r in rows]


async def overdue(
    db: Executor, *, department_id: int, today: date, after: tuple[date, int] | None, limit: int
) -> list[CaseRow]:
    """Open cases past their promised due date, most overdue first, keyset on (due date, id)."""
    due, last = after if after else (None, None)
    rows = await db.fetch(Q.list_overdue_cases, department_id, today, due, last, limit)
    return [_case(r) for r in rows]


async def list_cards(
    db: Executor,
    *,
    department_id: int | None,
    status: str | None,
    color: str | None,
    kind: str | None,
    before_id: int | None,
    limit: int,
) -> list[CardRow]:
    """``kind``: 'case' for supervision cards, 'payment' for subsidy red flags, None for both."""
    rows = await db.fetch(Q.list_cards, department_id, status, color, before_id, limit, kind)
    return [_card(r) for r in rows]


async def card_for_update(conn: Connection, *, card_id: int) -> CardRow | None:
    row = await conn.fetchrow(Q.card_for_update, card_id)
    return _card(row) if row else None


async def open_red_cards(db: Executor, *, case_id: int) -> list[tuple[int, str]]:
    return [(r["id"], r["status"]) for r in await db.fetch(Q.open_red_cards_of_case, case_id)]


# -- writes ------------------------------------------------------------------------------------


async def insert_case(conn: Connection, **values: Any) -> int:
    case_id: int = await conn.fetchval(
        Q.insert_case,
        values["case_no"],
        values["query_code_hash"],
        values["power_id"],
        values["department_id"],
        values["lead_case_id"],
        values["applicant_kind"],
        values["applicant_name"],
        values["applicant_id_number"],
        values["applicant_phone"],
        values["applicant_address"],
        values["region_code"],
        values["channel"],
        values["received_at"],
        values["state"],
        values["promised_limit_days"],
        values["statutory_limit_days"],
        values["promised_due_on"],
        values["statutory_due_on"],
        values["handler_staff_no"],
    )
    return case_id


async def update_case(conn: Connection, *, case_id: int, event_at: datetime, **v: Any) -> None:
    await conn.execute(
        Q.update_case,
        case_id,
        v["state"],
        v["accepted_on"],
        v["resume_state"],
        v["paused_since"],
        v["paused_days"],
        v["special_days"],
        v["promised_due_on"],
        v["statutory_due_on"],
        v["current_step_key"],
        v["fee_charged_yuan"],
        v["completed_at"],
        v["completed_on"],
        v["refusal_reason"],
        v["handler_staff_no"],
        event_at,
    )


async def upsert_step(conn: Connection, *, case_id: int, step: StepRow) -> None:
    await conn.execute(
        Q.upsert_step,
        case_id,
        step.step_key,
        step.started_on,
        step.started_at,
        step.finished_on,
        step.finished_at,
        step.staff_no,
        step.opinion,
        step.paused_before,
    )


async def insert_event(
    conn: Connection,
    *,
    source: str,
    event_id: str,
    case_id: int,
    kind: str,
    state_after: int,
    step_key: str | None,
    staff_no: str | None,
    occurred_at: datetime,
    payload: dict[str, Any],
) -> None:
    await conn.execute(
        Q.insert_event,
        source,
        event_id,
        case_id,
        kind,
        state_after,
        step_key,
        staff_no,
        occurred_at,
        orjson.dumps(payload).decode(),
    )


async def insert_card(
    conn: Connection,
    *,
    case_id: int,
    rule_code: str,
    color: str,
    subject: str,
    department_id: int,
    staff_no: str | None,
    evidence: dict[str, Any],
    raised_at: datetime,
    raised_on: date,
) -> int | None:
    """The new card's id, or None when this rule already carded this case and subject."""
    card_id: int | None = await conn.fetchval(
        Q.insert_card,
        case_id,
        rule_code,
        color,
        subject,
        department_id,
        staff_no,
        orjson.dumps(evidence).decode(),
        raised_at,
        raised_on,
    )
    return card_id


async def lock_case(conn: Connection, *, case_id: int) -> bool:
    return await conn.execute(Q.lock_case, case_id) == "UPDATE 1"


async def unlock_case(conn: Connection, *, case_id: int) -> None:
    await conn.execute(Q.unlock_case, case_id)


async def insert_lock_event(
    conn: Connection, *, case_id: int, card_id: int | None, action: str, actor: str, note: str = ""
) -> None:
    await conn.execute(Q.insert_lock_event, case_id, card_id, action, actor, note)


async def insert_notification(
    conn: Connection, *, card_id: int, recipient: str, role: str, department_id: int, message: str
) -> None:
    await conn.execute(Q.insert_notification, card_id, recipient, role, department_id, message)


async def explain_card(conn: Connection, *, card_id: int, explanation: str, by: str) -> None:
    await conn.execute(Q.explain_card, card_id, explanation, by)


async def close_card(conn: Connection, *, card_id: int, by: str, note: str) -> None:
    await conn.execute(Q.close_card, card_id, by, note)


async def open_cases_batch(conn: Connection, *, after_id: int, limit: int) -> list[CaseRow]:
    """Open cases after ``after_id``, locked for this transaction; rows another sweeper holds are
    skipped, so sweepers in several processes share the work instead of repeating it."""
    return [_case(r) for r in await conn.fetch(Q.open_cases_batch, after_id, limit)]


async def due_notifications(conn: Connection, *, limit: int) -> list[NotificationRow]:
    rows = await conn.fetch(Q.due_notifications, limit)
    return [NotificationRow(**{f: r[f] for f in NotificationRow.__dataclass_fields__}) for r in rows]


async def record_attempt(
    conn: Connection, *, notification_id: int, sender: str, ok: bool, detail: str
) -> None:
    await conn.execute(Q.record_attempt, notification_id, sender, ok, detail)


async def delivered(conn: Connection, *, notification_id: int) -> None:
    await conn.execute(Q.notification_delivered, notification_id)


async def retry_later(conn: Connection, *, notification_id: int, delay_s: float, max_attempts: int) -> None:
    await conn.execute(Q.notification_retry, notification_id, delay_s, max_attempts)


# -- performance facts -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompletedFact:
    department_id: int
    received_at: datetime
    accepted_on: date | None
    completed_on: date
    promised_due_on: date | None
    promised_limit_days: int | None
    paused_days: int
    special_days: int


async def performance_rules(db: Executor) -> dict[str, Decimal]:
    return {r["code"]: r["points"] for r in await db.fetch(Q.performance_rules)}


async def completed_in(db: Executor, *, start: date, end: date) -> list[CompletedFact]:
    return [CompletedFact(**r) for r in await db.fetch(Q.completed_in_period, start, end)]


async def late_in(db: Executor, *, start: date, end: date, today: date) -> dict[int, int]:
    return {r["department_id"]: r["late"] for r in await db.fetch(Q.late_in_period, start, end, today)}


async def cards_in(db: Executor, *, start: date, end: date) -> dict[tuple[int, str], int]:
    return {
        (r["department_id"], r["color"]): r["total"] for r in await db.fetch(Q.cards_in_period, start, end)
    }


# -- ratings (好差评) ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RatingRow:
    case_id: int
    level: int
    comment: str
    rated_at: datetime
    rated_on: date
    rectify_due_on: date | None
    rectified_on: date | None
    rectified_by: str | None
    rectification: str | None


async def ratings_of(db: Executor, *, case_ids: Sequence[int]) -> list[RatingRow]:
    return [RatingRow(**r) for r in await db.fetch(Q.rating_of, list(case_ids))]


async def insert_rating(
    conn: Connection,
    *,
    case_id: int,
    level: int,
    comment: str,
    at: datetime,
    day: date,
    department_id: int,
    rectify_due_on: date | None,
) -> bool:
    """False when the case was rated before (a case is rated once)."""
    return (
        await conn.fetchval(Q.insert_rating, case_id, level, comment, at, day, department_id, rectify_due_on)
        is not None
    )


async def rectify_rating(conn: Connection, *, case_id: int, day: date, by: str, note: str) -> bool:
    return await conn.execute(Q.rectify_rating, case_id, day, by, note) == "UPDATE 1"


@dataclass(frozen=True, slots=True)
class OverdueRectification:
    case_id: int
    case_no: str
    department_id: int
    handler_staff_no: str | None
    level: int
    rated_on: date
    rectify_due_on: date


async def overdue_rectifications(db: Executor, *, today: date) -> list[OverdueRectification]:
    return [OverdueRectification(**r) for r in await db.fetch(Q.overdue_rectifications, today)]


async def bad_ratings_in(db: Executor, *, start: date, end: date) -> dict[int, int]:
    return {r["department_id"]: r["total"] for r in await db.fetch(Q.bad_ratings_in_period, start, end)}
