"""Case events pushed by the departments' approval systems (电子监察系统与行政许可等系统无缝对接).

A batch is applied event by event, in order, each in its own transaction: an event is applied
whole or not at all, and the answer says for every event whether it was applied, was a
duplicate (its id was seen before: it counts once), or was refused and why. Once an event of a
case is refused, the later events of that case in the same batch are refused too
(``PRECEDING_EVENT_REFUSED``): they were written assuming it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import asyncpg

from db import cases as db_cases
from db import org
from db.executor import Connection
from domain.calendar import FIRST_YEAR, LAST_YEAR, WorkingCalendar, china_day
from domain.cases import (
    CompletionResult,
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
    event_id: str
    case_no: str
    kind: EventKind
    occurred_at: datetime
    step_key: str | None = None
    staff_no: str | None = None
    result: CompletionResult | None = None
    reason: str | None = None
    amount_yuan: Decimal | None = None
    # RECEIVED only
    power_code: str | None = None
    query_code: str | None = None
    channel: str | None = None
    applicant: Applicant | None = None
    lead_case_no: str | None = None


@dataclass(frozen=True, slots=True)
class EventResult:
    event_id: str
    case_no: str
    outcome: Outcome
    code: str | None = None
    message: str | None = None
    state: State | None = None
    cards: tuple[RaisedCard, ...] = field(default=())


def _check_fields(event: IncomingEvent) -> None:
    if not event.event_id or len(event.event_id) > 100:
        raise EventRefused("eventId 必填，且不超过 100 个字符", code="INVALID_FIELD")
    if not _CASE_NO.fullmatch(event.case_no):
        raise EventRefused(
            f"办件编号格式不正确：{event.case_no}（6–40 位字母、数字或连字符）", code="INVALID_FIELD"
        )
    if event.occurred_at.tzinfo is None:
        raise EventRefused("occurredAt 须带时区", code="INVALID_FIELD")
    if not FIRST_YEAR <= event.occurred_at.year <= LAST_YEAR:
        raise EventRefused(f"occurredAt 的年度超出范围（{FIRST_YEAR}–{LAST_YEAR}）", code="INVALID_FIELD")
    if event.amount_yuan is not None and not event.amount_yuan.is_finite():
        raise EventRefused("amountYuan 须为有限的数字", code="INVALID_FIELD")
    if event.kind is EventKind.RECEIVED:
        missing = [
            name
            for name, value in (
                ("powerCode", event.power_code),
                ("queryCode", event.query_code),
                ("channel", event.channel),
                ("applicant", event.applicant),
            )
            if not value
        ]
        if missing:
            raise EventRefused(f"接件事件缺少字段：{'、'.join(missing)}", code="INVALID_FIELD")
        if not _QUERY_CODE.fullmatch(event.query_code or ""):
            raise EventRefused("查询码须为 6–12 位字母或数字", code="INVALID_FIELD")
        applicant = event.applicant
        if applicant is not None and (not applicant.name.strip() or not applicant.id_number.strip()):
            raise EventRefused("申请人姓名（名称）和证件号码必填", code="INVALID_FIELD")


async def ingest(
    pool: asyncpg.Pool,
    *,
    events: Sequence[IncomingEvent],
    source: str,
    department_id: int,
    calendar: WorkingCalendar,
    refused_cases: set[str] | None = None,
) -> list[EventResult]:
    """``refused_cases`` carries the cases refused so far across the batches of one import."""
    if len(events) > MAX_BATCH:
        raise DomainError(f"一批最多 {MAX_BATCH} 个事件", code="BATCH_TOO_LARGE")
    results: list[EventResult] = []
    refused_cases = set() if refused_cases is None else refused_cases
    async with pool.acquire() as conn:
        for event in events:
            if event.case_no in refused_cases and not await db_cases.has_event(
                conn, source=source, event_id=event.event_id
            ):
                results.append(
                    EventResult(
                        event.event_id,
                        event.case_no,
                        Outcome.REFUSED,
                        "PRECEDING_EVENT_REFUSED",
                        "同一批中该办件之前的事件被拒绝，本事件未处理",
                    )
                )
                continue
            try:
                results.append(await _one(conn, event, source, department_id, calendar))
            except asyncpg.UniqueViolationError:
                # The same event id, sent at once for another case number: stored once, by the
                # other request. DUPLICATE only when that is so.
                if await db_cases.has_event(conn, source=source, event_id=event.event_id):
                    results.append(
                        EventResult(
                            event.event_id,
                            event.case_no,
                            Outcome.DUPLICATE,
                            message="该事件此前已处理，不重复计入",
                        )
                    )
                else:
                    refused_cases.add(event.case_no)
                    results.append(
                        EventResult(
                            event.event_id,
                            event.case_no,
                            Outcome.REFUSED,
                            "CONFLICT",
                            "该事件与同时提交的另一事件冲突，未处理；请稍后重新提交",
                        )
                    )
            except DomainError as exc:
                refused_cases.add(event.case_no)
                results.append(
                    EventResult(event.event_id, event.case_no, Outcome.REFUSED, exc.code, exc.message)
                )
    return results


async def _one(
    conn: Connection, event: IncomingEvent, source: str, department_id: int, calendar: WorkingCalendar
) -> EventResult:
    _check_fields(event)
    async with conn.transaction():
        # One event of a case at a time, and the seen-check after the wait: a batch sent twice at
        # once finds the other request's events stored (DUPLICATE), never a state they made.
        await db_cases.lock_case_number(conn, case_no=event.case_no)
        if await db_cases.has_event(conn, source=source, event_id=event.event_id):
            return EventResult(
                event.event_id, event.case_no, Outcome.DUPLICATE, message="该事件此前已处理，不重复计入"
            )
        engine_event = Event(
            kind=event.kind,
            occurred_at=event.occurred_at,
            day=china_day(event.occurred_at),
            step_key=event.step_key,
            staff_no=event.staff_no,
            result=event.result,
            reason=event.reason,
            amount_yuan=event.amount_yuan,
        )
        if event.kind is EventKind.RECEIVED:
            case_id, state, cards = await _receive(conn, event, engine_event, department_id, calendar)
        else:
            case_id, state, cards = await _advance(conn, event, engine_event, department_id, calendar)
        await db_cases.insert_event(
            conn,
            source=source,
            event_id=event.event_id,
            case_id=case_id,
            kind=event.kind.value,
            state_after=int(state),
            step_key=event.step_key,
            staff_no=event.staff_no,
            occurred_at=event.occurred_at,
            payload={
                k: str(v)
                for k, v in (
                    ("result", event.result),
                    ("reason", event.reason),
                    ("amount_yuan", event.amount_yuan),
                )
                if v is not None
            },
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
    if event.channel not in {"window", "online", "wechat", "proxy"}:
        raise EventRefused("channel 须为 window、online、wechat 或 proxy", code="INVALID_FIELD")
    if event.applicant.kind not in {"person", "organisation"}:
        raise EventRefused("申请人类型须为 person 或 organisation", code="INVALID_FIELD")
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
        applicant_id_number=event.applicant.id_number.strip(),
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
) -> tuple[int, State, list[RaisedCard]]:
    row = await db_cases.lock_case_by_no(conn, case_no=event.case_no)
    if row is None:
        raise EventRefused(
            f"办件 {event.case_no} 不存在：第一个事件必须是 RECEIVED（接件）", code="UNKNOWN_CASE"
        )
    if row.department_id != department_id:
        raise EventRefused(f"办件 {event.case_no} 不属于本部门", code="CASE_OF_OTHER_DEPARTMENT")
    [terms] = await db_cases.list_power_terms(conn, ids=[row.power_id])
    case_map = await load_case_map(conn, power_id=row.power_id)
    steps = await db_cases.list_steps_by_case(conn, case_ids=[row.id])
    before = case_from(row, steps)
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
                ),
            )
    raised: list[RaisedCard] = []
    if candidates:
        rules = await rules_for(conn, power_id=row.power_id)
        raised = await raise_cards(
            conn,
            case_id=row.id,
            department_id=row.department_id,
            handler=after.handler_staff_no,
            candidates=candidates,
            rules=rules,
            at=event.occurred_at,
        )
    return row.id, after.state, raised
