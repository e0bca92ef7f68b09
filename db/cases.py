"""Cases (办件), their steps and events, and the public progress of a case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import orjson

from db.executor import Connection, Executor
from db.org import DepartmentRow
from db.powers import PowerRow
from db.queries import Statement, load, part

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
    finished_by: str | None = None


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


async def list_power_terms(
    db: Executor, *, ids: Sequence[int] = (), codes: Sequence[str] = ()
) -> list[PowerTermsRow]:
    return [PowerTermsRow(**r) for r in await db.fetch(Q.list_power_terms, list(ids), list(codes))]


async def get_event_fingerprint(db: Executor, *, source: str, event_id: str) -> bytes | None:
    """The stored event's content fingerprint; ``b""`` for one stored without it, None if unseen."""
    found: bytes | None = await db.fetchval(Q.get_event_fingerprint, source, event_id)
    return found


async def get_accepted_at(db: Executor, *, case_id: int) -> datetime | None:
    """The moment of the case's ACCEPTED event (None before acceptance)."""
    found: datetime | None = await db.fetchval(Q.get_accepted_at, case_id)
    return found


async def lock_case_by_no(conn: Connection, *, case_no: str) -> CaseRow | None:
    row = await conn.fetchrow(Q.lock_case_by_no, case_no)
    return _case(row) if row else None


async def get_case_by_no(db: Executor, *, case_no: str) -> CaseRow | None:
    row = await db.fetchrow(Q.get_case_by_no, case_no)
    return _case(row) if row else None


@dataclass(frozen=True, slots=True)
class CaseBundle:
    case: CaseRow
    power: PowerRow
    department: DepartmentRow


async def get_case_bundle_by_no(db: Executor, *, case_no: str) -> CaseBundle | None:
    """A case with its power and department, in one statement."""
    sql, args = case_bundle_statement(case_no=case_no)
    row = await db.fetchrow(sql, *args)
    if row is None:
        return None
    return CaseBundle(_case(row), part(row, PowerRow, "p_"), part(row, DepartmentRow, "d_"))


def case_bundle_statement(*, case_no: str) -> Statement:
    """:func:`get_case_bundle_by_no`'s statement (the case's columns, then its power's and its
    department's, prefixed), for a reader that builds on it."""
    return Q.get_case_bundle_by_no, [case_no]


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


async def get_case_progress_by_no(db: Executor, *, case_no: str) -> ProgressRow | None:
    """One statement for the whole public progress answer (case, power, department, steps, branches)."""
    row = await db.fetchrow(Q.get_case_progress_by_no, case_no)
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


async def list_cases_by_id(db: Executor, *, ids: Sequence[int]) -> list[CaseRow]:
    return [_case(r) for r in await db.fetch(Q.list_cases_by_id, list(ids))]


async def list_steps_by_case(db: Executor, *, case_ids: Sequence[int]) -> list[StepRow]:
    return [StepRow(**r) for r in await db.fetch(Q.list_steps_by_case, list(case_ids))]


async def count_open_sub_cases(db: Executor, *, lead_id: int) -> int:
    total: int = await db.fetchval(Q.count_open_sub_cases, lead_id)
    return total


async def list_events_by_case(db: Executor, *, case_ids: Sequence[int]) -> list[EventRow]:
    return [
        EventRow(**{**r, "payload": orjson.loads(r["payload"])})
        for r in await db.fetch(Q.list_events_by_case, list(case_ids))
    ]


async def list_sub_cases_by_lead(db: Executor, *, lead_ids: Sequence[int]) -> list[CaseRow]:
    return [_case(r) for r in await db.fetch(Q.list_sub_cases_by_lead, list(lead_ids))]


async def list_cases(db: Executor, statement: Statement) -> list[CaseRow]:
    """The cases of :func:`list_cases_statement`."""
    sql, args = statement
    return [_case(r) for r in await db.fetch(sql, *args)]


def list_cases_statement(
    *,
    department_id: int | None,
    state: int | None,
    power_id: int | None,
    overdue_before: date | None,
    open_card_color: str | None,
    before_id: int | None,
    limit: int,
) -> Statement:
    """A page of cases, newest first, keyset on id (rows of ``cases``: :func:`list_cases` reads
    them, and a reader may build on the statement)."""
    return Q.list_cases, [department_id, state, power_id, overdue_before, open_card_color, before_id, limit]


async def list_overdue_cases(db: Executor, statement: Statement) -> list[CaseRow]:
    """The cases of :func:`list_overdue_cases_statement`."""
    sql, args = statement
    return [_case(r) for r in await db.fetch(sql, *args)]


def list_overdue_cases_statement(
    *,
    department_id: int | None,
    township_code: str | None,
    today: date,
    after: tuple[date, int] | None,
    limit: int,
) -> Statement:
    """Open cases past their promised due date (of one department and township, or all), most
    overdue first, keyset on (due date, id) (rows of ``cases``: :func:`list_overdue_cases` reads
    them, and a reader may build on the statement)."""
    due, last = after if after else (None, None)
    return Q.list_overdue_cases, [department_id, today, due, last, limit, township_code]


async def count_overdue_cases(
    db: Executor, *, department_id: int | None, township_code: str | None, today: date
) -> int:
    total: int = await db.fetchval(Q.count_overdue_cases, department_id, today, township_code)
    return total


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
        step.finished_by,
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
    fingerprint: bytes,
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
        fingerprint,
    )


async def lock_open_cases(conn: Connection, *, after_id: int, limit: int) -> list[CaseRow]:
    """Open cases after ``after_id``, locked for this transaction; rows another sweeper holds are
    skipped, so sweepers in several processes share the work instead of repeating it."""
    return [_case(r) for r in await conn.fetch(Q.lock_open_cases, after_id, limit)]


async def lock_case_number(conn: Connection, *, case_no: str) -> None:
    """Hold the case number until the transaction ends (the case row may not exist yet)."""
    await conn.execute(Q.lock_case_number, case_no)
