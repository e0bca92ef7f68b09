"""Case events pushed by the departments' approval systems (电子监察系统与行政许可等系统无缝对接).

A batch is applied event by event, in order, each in its own transaction: an event is applied
whole or not at all, and the answer says for every event whether it was applied, was a
duplicate (its id was seen before with the same content: it counts once), or was refused and why.
An id seen before with other content is refused (``EVENT_ID_CONFLICT``): the sender reused an id,
and neither event may silently replace the other. Once an event of a case is refused, the later
events of that case in the same batch are refused too (``PRECEDING_EVENT_REFUSED``): they were
written assuming it.

What each kind takes and when an event may happen is the contract in domain/case_events.py; the
staff who acted must be on the sending department's staff list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import asyncpg

from db import cases as db_cases
from db import org
from db.executor import Connection
from domain.calendar import FIRST_YEAR, LAST_YEAR, WorkingCalendar, china_day
from domain.case_events import (
    canonical_moment,
    check_applicant,
    check_fields,
    check_not_future,
    check_order,
    fingerprint,
    parse_kind,
    parse_result,
)
from domain.cases import (
    Event,
    EventKind,
    EventRefused,
    PowerTerms,
    State,
    apply,
    query_code_hash,
    receive,
)
from domain.errors import DomainError
from services.supervision import RaisedCard, case_from, case_values, load_case_map, raise_cards, rules_for

MAX_BATCH = 500
_CASE_NO = re.compile(r"^[A-Za-z0-9-]{6,40}$")
# Six characters at least: the guessing bound (services/attempts.py) is worked out for 10⁶ codes.
_QUERY_CODE = re.compile(r"^[0-9A-Za-z]{6,12}$")
_EVENT_ID = re.compile(r"^[\x21-\x7e]{1,100}$")  # printable ASCII: ids are keys, not prose
CHANNELS = ("window", "online", "wechat", "proxy")
APPLICANT_KINDS = ("person", "organisation")


class Outcome(StrEnum):
    APPLIED = "APPLIED"
    DUPLICATE = "DUPLICATE"
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class Applicant:
    kind: str  # person | organisation
    name: str
    id_number: str
    phone: str = ""
    address: str = ""
    region_code: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """An event as sent: ``kind`` and ``result`` are the sender's words, checked per event, so
    one unknown word refuses that event and not its batch."""

    event_id: str
    case_no: str
    kind: str
    occurred_at: datetime
    step_key: str | None = None
    staff_no: str | None = None
    result: str | None = None
    reason: str | None = None
    amount_yuan: Decimal | None = None
    # RECEIVED only
    power_code: str | None = None
    query_code: str | None = None
    channel: str | None = None
    applicant: Applicant | None = None
    lead_case_no: str | None = None


# The optional fields by their contract names (domain/case_events.py FIELDS).
_CONTRACT_NAMES = {
    "step_key": "stepKey",
    "staff_no": "staffNo",
    "result": "result",
    "reason": "reason",
    "amount_yuan": "amountYuan",
    "power_code": "powerCode",
    "query_code": "queryCode",
    "channel": "channel",
    "applicant": "applicant",
    "lead_case_no": "leadCaseNo",
}


@dataclass(frozen=True, slots=True)
class EventResult:
    event_id: str
    case_no: str
    outcome: Outcome
    code: str | None = None
    message: str | None = None
    state: State | None = None
    cards: tuple[RaisedCard, ...] = field(default=())


def content(event: IncomingEvent) -> dict[str, Any]:
    """What the event says, besides its id, in one spelling per meaning (a moment in UTC, an
    amount without trailing zeros): the same event sent again has the same content."""
    values: dict[str, Any] = {
        "caseNo": event.case_no,
        "kind": event.kind,
        "occurredAt": canonical_moment(event.occurred_at),
    }
    for attr, name in _CONTRACT_NAMES.items():
        value = getattr(event, attr)
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f") if value.is_finite() else str(value)
        elif isinstance(value, Applicant):
            value = {
                "kind": value.kind,
                "name": value.name,
                "idNumber": value.id_number,
                "phone": value.phone,
                "address": value.address,
                "regionCode": value.region_code,
            }
        values[name] = value
    return values


def _present(event: IncomingEvent) -> set[str]:
    return {name for attr, name in _CONTRACT_NAMES.items() if getattr(event, attr) not in (None, "")}


def _check_keys(event: IncomingEvent) -> None:
    """The event's id and case number, checked before the database is asked about them."""
    if not _EVENT_ID.fullmatch(event.event_id):
        raise EventRefused("eventId 必填：1–100 个可打印的 ASCII 字符（不含空格）", code="INVALID_FIELD")
    if not _CASE_NO.fullmatch(event.case_no):
        raise EventRefused(
            f"办件编号格式不正确：{event.case_no[:40]}（6–40 位字母、数字或连字符）", code="INVALID_FIELD"
        )


def _check_contract(event: IncomingEvent, now: datetime) -> Event:
    """The event as the engine takes it, once it keeps the contract (domain/case_events.py)."""
    kind = parse_kind(event.kind)
    check_fields(kind, _present(event))
    result = parse_result(event.result)
    if event.occurred_at.tzinfo is None:
        raise EventRefused("occurredAt 须带时区", code="INVALID_FIELD")
    check_not_future(event.occurred_at, now=now)
    if not FIRST_YEAR <= event.occurred_at.year <= LAST_YEAR:
        raise EventRefused(f"occurredAt 的年度超出范围（{FIRST_YEAR}–{LAST_YEAR}）", code="INVALID_FIELD")
    if event.amount_yuan is not None and not event.amount_yuan.is_finite():
        raise EventRefused("amountYuan 须为有限的数字", code="INVALID_FIELD")
    if kind is EventKind.RECEIVED:
        if not _QUERY_CODE.fullmatch(event.query_code or ""):
            raise EventRefused("查询码须为 6–12 位字母或数字", code="INVALID_FIELD")
        if event.channel not in CHANNELS:
            raise EventRefused(f"channel 须为 {'、'.join(CHANNELS)} 之一", code="INVALID_FIELD")
        if event.applicant is not None:  # always, for RECEIVED: check_fields requires it
            _check_applicant(event.applicant, now)
    return Event(
        kind=kind,
        occurred_at=event.occurred_at,
        day=china_day(event.occurred_at),
        step_key=event.step_key,
        staff_no=event.staff_no,
        result=result,
        reason=event.reason,
        amount_yuan=event.amount_yuan,
    )


def _check_applicant(applicant: Applicant, now: datetime) -> None:
    if applicant.kind not in APPLICANT_KINDS:
        raise EventRefused("申请人类型须为 person 或 organisation", code="INVALID_FIELD")
    if not applicant.name.strip() or not applicant.id_number.strip():
        raise EventRefused("申请人姓名（名称）和证件号码必填", code="INVALID_FIELD")
    check_applicant(
        kind=applicant.kind, id_number=applicant.id_number, phone=applicant.phone, today=china_day(now)
    )


async def _check_staff(conn: Connection, staff_no: str | None, department_id: int) -> None:
    """Who acted is on the sending department's staff list (a former member too: history)."""
    if staff_no is None:
        return
    staff = await org.get_staff_by_no(conn, staff_no=staff_no)
    if staff is None:
        raise EventRefused(f"工号 {staff_no[:40]} 不在人员名册中", code="UNKNOWN_STAFF")
    if staff.department_id != department_id:
        raise EventRefused(f"工号 {staff_no[:40]} 不是本部门人员", code="STAFF_OF_OTHER_DEPARTMENT")


async def ingest(
    pool: asyncpg.Pool,
    *,
    events: Sequence[IncomingEvent],
    source: str,
    department_id: int,
    calendar: WorkingCalendar,
    now: datetime,
    history: bool = False,
    refused_cases: set[str] | None = None,
) -> list[EventResult]:
    """Apply ``events`` in order as ``department_id`` reports them, at the server's moment ``now``.

    ``history`` is an import of past events: the cards they prove are recorded but lock nothing
    and notify no one (the import's report lists them), so the rest of a case's history applies.
    ``refused_cases`` carries the cases refused so far across the batches of one import.
    """
    if len(events) > MAX_BATCH:
        raise DomainError(f"一批最多 {MAX_BATCH} 个事件", code="BATCH_TOO_LARGE")
    results: list[EventResult] = []
    refused_cases = set() if refused_cases is None else refused_cases
    async with pool.acquire() as conn:
        for event in events:
            try:
                _check_keys(event)
                result = await _one(
                    conn,
                    event,
                    source=source,
                    department_id=department_id,
                    calendar=calendar,
                    now=now,
                    history=history,
                    after_refusal=event.case_no in refused_cases,
                )
            except asyncpg.UniqueViolationError:
                # The same event id, sent at once by another request: stored once, by the other
                # request. DUPLICATE only when that is so and the content is the same.
                result = await _seen(conn, event, source) or _refused(
                    event, "CONFLICT", "该事件与同时提交的另一事件冲突，未处理；请稍后重新提交"
                )
            except DomainError as exc:
                result = _refused(event, exc.code, exc.message)
            if result.outcome is Outcome.REFUSED:
                refused_cases.add(event.case_no)
            results.append(result)
    return results


def _refused(event: IncomingEvent, code: str, message: str) -> EventResult:
    return EventResult(event.event_id, event.case_no, Outcome.REFUSED, code, message)


async def _seen(conn: Connection, event: IncomingEvent, source: str) -> EventResult | None:
    """The answer to an event id stored before: DUPLICATE for the same content (or an event stored
    before contents were kept), ``EVENT_ID_CONFLICT`` for other content; None when unseen."""
    stored = await db_cases.get_event_fingerprint(conn, source=source, event_id=event.event_id)
    if stored is None:
        return None
    if stored and stored != fingerprint(content(event)):
        return _refused(
            event,
            "EVENT_ID_CONFLICT",
            f"事件编号 {event.event_id} 已用于内容不同的另一事件：已处理的事件不能改写，新事件须用新编号",
        )
    return EventResult(
        event.event_id, event.case_no, Outcome.DUPLICATE, message="该事件此前已处理，不重复计入"
    )


async def _one(
    conn: Connection,
    event: IncomingEvent,
    *,
    source: str,
    department_id: int,
    calendar: WorkingCalendar,
    now: datetime,
    history: bool,
    after_refusal: bool,
) -> EventResult:
    async with conn.transaction():
        # One event of a case at a time, and the seen-check after the wait: a batch sent twice at
        # once finds the other request's events stored (DUPLICATE), never a state they made. An
        # event seen before is answered by its content before any check that may have changed.
        await db_cases.lock_case_number(conn, case_no=event.case_no)
        if (seen := await _seen(conn, event, source)) is not None:
            return seen
        if after_refusal:
            return _refused(event, "PRECEDING_EVENT_REFUSED", "同一批中该办件之前的事件被拒绝，本事件未处理")
        engine_event = _check_contract(event, now)
        if engine_event.kind is EventKind.RECEIVED:
            case_id, state, cards = await _receive(conn, event, engine_event, department_id, calendar)
        else:
            case_id, state, cards = await _advance(
                conn, event, engine_event, department_id, calendar, history=history
            )
        await db_cases.insert_event(
            conn,
            source=source,
            event_id=event.event_id,
            case_id=case_id,
            kind=engine_event.kind.value,
            state_after=int(state),
            step_key=event.step_key,
            staff_no=event.staff_no,
            occurred_at=event.occurred_at,
            payload={
                k: str(v)
                for k, v in (
                    ("result", engine_event.result),
                    ("reason", event.reason),
                    ("amount_yuan", event.amount_yuan),
                )
                if v is not None
            },
            fingerprint=fingerprint(content(event)),
        )
    return EventResult(event.event_id, event.case_no, Outcome.APPLIED, state=state, cards=tuple(cards))


async def _receive(
    conn: Connection,
    event: IncomingEvent,
    engine_event: Event,
    department_id: int,
    calendar: WorkingCalendar,
) -> tuple[int, State, list[RaisedCard]]:
    if event.applicant is None or not (event.power_code and event.query_code and event.channel):
        raise EventRefused("接件事件缺少必填字段", code="INVALID_FIELD")
    terms = await db_cases.list_power_terms(conn, codes=[event.power_code])
    if not terms or terms[0].status != "published":
        raise EventRefused(f"未找到已公布的权力事项 {event.power_code}", code="UNKNOWN_POWER")
    power = terms[0]
    if power.department_id != department_id:
        raise EventRefused(f"事项 {power.code} 不属于本部门", code="POWER_OF_OTHER_DEPARTMENT")
    await _check_staff(conn, event.staff_no, department_id)
    if await db_cases.get_case_by_no(conn, case_no=event.case_no) is not None:
        raise EventRefused(f"办件编号 {event.case_no} 已存在", code="DUPLICATE_CASE_NO")
    lead_id = None
    if event.lead_case_no:
        lead = await db_cases.get_case_by_no(conn, case_no=event.lead_case_no)
        if lead is None:
            raise EventRefused(f"主办件 {event.lead_case_no} 不存在", code="UNKNOWN_CASE")
        lead_id = lead.id
    if event.applicant.region_code and not await org.list_regions_by_code(
        conn, codes=[event.applicant.region_code]
    ):
        raise EventRefused(f"未知的行政区划代码 {event.applicant.region_code}", code="INVALID_FIELD")
    case = receive(
        engine_event,
        department_id=department_id,
        terms=PowerTerms(power.promised_limit_days, power.statutory_limit_days, power.fee_yuan),
    )
    values = case_values(case, calendar)
    case_id = await db_cases.insert_case(
        conn,
        case_no=event.case_no,
        query_code_hash=query_code_hash(event.case_no, event.query_code),
        power_id=power.id,
        department_id=department_id,
        lead_case_id=lead_id,
        applicant_kind=event.applicant.kind,
        applicant_name=event.applicant.name.strip(),
        applicant_id_number=event.applicant.id_number.strip().upper(),
        applicant_phone=event.applicant.phone.strip(),
        applicant_address=event.applicant.address.strip(),
        region_code=event.applicant.region_code,
        channel=event.channel,
        received_at=event.occurred_at,
        state=int(case.state),
        promised_limit_days=case.promised_limit_days,
        statutory_limit_days=case.statutory_limit_days,
        promised_due_on=values["promised_due_on"],
        statutory_due_on=values["statutory_due_on"],
        handler_staff_no=event.staff_no,
    )
    return case_id, case.state, []


async def _advance(
    conn: Connection,
    event: IncomingEvent,
    engine_event: Event,
    department_id: int,
    calendar: WorkingCalendar,
    *,
    history: bool,
) -> tuple[int, State, list[RaisedCard]]:
    row = await db_cases.lock_case_by_no(conn, case_no=event.case_no)
    if row is None:
        raise EventRefused(
            f"办件 {event.case_no} 不存在：第一个事件必须是 RECEIVED（接件）", code="UNKNOWN_CASE"
        )
    if row.department_id != department_id:
        raise EventRefused(f"办件 {event.case_no} 不属于本部门", code="CASE_OF_OTHER_DEPARTMENT")
    await _check_staff(conn, event.staff_no, department_id)
    [terms] = await db_cases.list_power_terms(conn, ids=[row.power_id])
    case_map = await load_case_map(conn, power_id=row.power_id)
    steps = await db_cases.list_steps_by_case(conn, case_ids=[row.id])
    before = case_from(row, steps)
    check_order(before, engine_event, accepted_at=await db_cases.get_accepted_at(conn, case_id=row.id))
    after, candidates = apply(
        before,
        engine_event,
        terms=PowerTerms(terms.promised_limit_days, terms.statutory_limit_days, terms.fee_yuan),
        case_map=case_map,
        calendar=calendar,
        sender_department_id=department_id,
    )
    if (
        after.state in (State.APPROVED, State.APPROVED_PENDING_DOCS, State.REFUSED)
        and before.completed_on is None
    ):
        open_subs = await db_cases.count_open_sub_cases(conn, lead_id=row.id)
        if open_subs:
            raise EventRefused(
                f"并联审批尚有 {open_subs} 个分办件未办结，主办件不能办结", code="SUB_CASES_OPEN"
            )
    await db_cases.update_case(
        conn, case_id=row.id, event_at=event.occurred_at, **case_values(after, calendar)
    )
    for key, progress in after.steps.items():
        if before.steps.get(key) != progress:
            await db_cases.upsert_step(
                conn,
                case_id=row.id,
                step=db_cases.StepRow(
                    case_id=row.id,
                    step_key=key,
                    started_on=progress.started_on,
                    started_at=progress.started_at,
                    finished_on=progress.finished_on,
                    finished_at=progress.finished_at,
                    staff_no=progress.staff_no,
                    opinion=progress.opinion,
                    paused_before=progress.paused_before,
                    finished_by=progress.finished_by,
                ),
            )
    raised: list[RaisedCard] = []
    if candidates:
        if history:
            # Marked in its evidence, so that an open red card on an unlocked case reads as what it is.
            candidates = [replace(c, evidence={**c.evidence, "history_import": True}) for c in candidates]
        rules = await rules_for(conn, power_id=row.power_id)
        raised = await raise_cards(
            conn,
            case_id=row.id,
            department_id=row.department_id,
            handler=after.handler_staff_no,
            candidates=candidates,
            rules=rules,
            at=event.occurred_at,
            history=history,
        )
    return row.id, after.state, raised
