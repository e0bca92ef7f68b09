"""Complaints and suggestions (投诉建议).

Anyone may file one about a case, a department, a fund, an official or anything else. It is stored
before anything else happens, with a tracking number and a code (shown once) to follow it; the
client's idempotency key makes a retried submission return the same complaint. Complaints about
officials go to discipline; the rest to the department concerned (or the one named). It must be
accepted or refused (with a reason) within 5 working days, or the sweep raises a yellow card; then
replied; then rated by the complainant in 1 to 6 stars, as Yubei's platform does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

import orjson

from db import cases as db_cases
from db import complaints as db_complaints
from db import org
from db import subsidies as db_subsidies
from db.executor import Connection, Executor
from domain.calendar import WorkingCalendar, china_day
from domain.codes import code_holds
from domain.complaints import ABOUT, ACCEPT_WITHIN_DAYS, code_hash
from domain.errors import DomainError, NotFound


@dataclass(frozen=True, slots=True)
class Submitted:
    complaint: db_complaints.ComplaintRow
    tracking_code: str | None  # shown once: None when the key repeats an earlier submission


async def _route(
    conn: Connection, about: str, ref: str, department_code: str | None
) -> tuple[int | None, bool]:
    """(department, to discipline) for a new complaint."""
    if about == "official":
        return None, True
    if about == "case" and ref:
        case = await db_cases.get_case_by_no(conn, case_no=ref)
        if case is None:
            raise NotFound(f"未找到办件 {ref}", code="CASE_NOT_FOUND")
        return case.department_id, False
    if about == "fund" and ref:
        fund = await db_subsidies.get_fund_by_code(conn, code=ref)
        if fund is None:
            raise NotFound(f"未找到资金 {ref}", code="FUND_NOT_FOUND")
        return fund.department_id, False
    code = department_code or (ref if about == "department" else None)
    if not code:
        raise DomainError("请指明投诉的部门（departmentCode）", code="INVALID_FIELD")
    found = await org.list_departments_by_code(conn, codes=[code])
    if not found:
        raise NotFound(f"未找到部门 {code}", code="DEPARTMENT_NOT_FOUND")
    return found[0].id, False


async def submit(
    conn: Connection,
    *,
    idempotency_key: str,
    kind: str,
    about: str,
    about_ref: str,
    content: str,
    contact_name: str,
    contact_phone: str,
    department_code: str | None,
    at: datetime,
    calendar: WorkingCalendar,
) -> Submitted:
    if not 8 <= len(idempotency_key) <= 100:
        raise DomainError(
            "idempotencyKey 须为 8 到 100 个字符（同一次提交重试时保持不变）", code="INVALID_FIELD"
        )
    earlier = await db_complaints.get_complaint_by_key(conn, key=idempotency_key)
    if earlier is not None:
        return Submitted(earlier, None)
    if kind not in ("complaint", "suggestion"):
        raise DomainError("kind 须为 complaint（投诉）或 suggestion（建议）", code="INVALID_FIELD")
    if about not in ABOUT:
        raise DomainError(f"about 须为 {'、'.join(ABOUT)} 之一", code="INVALID_FIELD")
    content = content.strip()
    if not 5 <= len(content) <= 2000:
        raise DomainError("内容须为 5 到 2000 个字", code="CONTENT_LENGTH")
    if len(contact_name) > 50 or len(contact_phone) > 20 or len(about_ref) > 60:
        raise DomainError("联系人、电话或对象编号过长", code="INVALID_FIELD")
    department_id, to_discipline = await _route(conn, about, about_ref.strip(), department_code)
    day = china_day(at)
    tracking_no = f"TS{day:%Y%m%d}{secrets.randbelow(10**8):08d}"
    code = f"{secrets.randbelow(10**6):06d}"
    async with conn.transaction():
        complaint_id = await db_complaints.insert_complaint(
            conn,
            values=(
                tracking_no,
                code_hash(tracking_no, code),
                idempotency_key,
                kind,
                about,
                about_ref.strip(),
                content,
                contact_name.strip(),
                contact_phone.strip(),
                department_id,
                to_discipline,
                at,
                calendar.add_working_days(day, ACCEPT_WITHIN_DAYS),
            ),
        )
    if complaint_id is None:  # the same key arrived concurrently: that one is the complaint
        same = await db_complaints.get_complaint_by_key(conn, key=idempotency_key)
        if same is None:
            raise DomainError("提交冲突，请重试", code="CONFLICT")
        return Submitted(same, None)
    stored = await db_complaints.get_complaint_by_tracking_no(conn, tracking_no=tracking_no)
    if stored is None:
        raise DomainError("提交后未能读回，请用同一 idempotencyKey 重试", code="CONFLICT")
    return Submitted(stored, code)


async def track(db: Executor, *, tracking_no: str, code: str) -> db_complaints.ComplaintRow:
    row = await db_complaints.get_complaint_by_tracking_no(db, tracking_no=tracking_no.strip()[:40])
    given = code_hash(tracking_no.strip(), code.strip())
    if not code_holds(row.tracking_code_hash if row else None, given) or row is None:
        raise NotFound("未找到该投诉建议，或查询码不正确", code="COMPLAINT_NOT_FOUND")
    return row


def _handled_by(row: db_complaints.ComplaintRow, department_id: int | None, discipline: bool) -> bool:
    return discipline or (department_id is not None and row.department_id == department_id)


async def _locked(
    conn: Connection, complaint_id: int, department_id: int | None, discipline: bool
) -> db_complaints.ComplaintRow:
    row = await db_complaints.lock_complaint(conn, complaint_id=complaint_id)
    if row is None or not _handled_by(row, department_id, discipline):
        raise NotFound(f"未找到由你处理的投诉建议 {complaint_id}", code="COMPLAINT_NOT_FOUND")
    return row


async def decide(
    conn: Connection,
    *,
    complaint_id: int,
    accept: bool,
    reason: str | None,
    by: str,
    department_id: int | None,
    discipline: bool,
    at: datetime,
) -> db_complaints.ComplaintRow:
    async with conn.transaction():
        row = await _locked(conn, complaint_id, department_id, discipline)
        if row.status != "submitted":
            raise DomainError("该投诉建议已受理或已不予受理", code="ALREADY_DECIDED")
        if not accept and not (reason and len(reason.strip()) >= 5):
            raise DomainError("不予受理须说明理由（至少 5 个字）", code="REASON_REQUIRED")
        await db_complaints.update_complaint_decided(
            conn,
            complaint_id=complaint_id,
            status="accepted" if accept else "refused",
            at=at,
            by=by,
            reason=None if accept else (reason or "").strip(),
        )
    return await _locked(conn, complaint_id, department_id, discipline)


async def answer(
    conn: Connection,
    *,
    complaint_id: int,
    text: str,
    by: str,
    department_id: int | None,
    discipline: bool,
    at: datetime,
) -> db_complaints.ComplaintRow:
    async with conn.transaction():
        row = await _locked(conn, complaint_id, department_id, discipline)
        if row.status != "accepted":
            raise DomainError("受理后才能答复", code="NOT_ACCEPTED")
        if not 5 <= len(text.strip()) <= 4000:
            raise DomainError("答复须为 5 到 4000 个字", code="INVALID_FIELD")
        await db_complaints.update_complaint_replied(
            conn, complaint_id=complaint_id, text=text.strip(), at=at, by=by
        )
    return await _locked(conn, complaint_id, department_id, discipline)


async def rate(
    conn: Connection, *, tracking_no: str, code: str, stars: int, at: datetime
) -> db_complaints.ComplaintRow:
    row = await track(conn, tracking_no=tracking_no, code=code)
    if not 1 <= stars <= 6:
        raise DomainError("评价为 1 到 6 颗星", code="INVALID_FIELD")
    if row.status not in ("replied", "refused"):
        raise DomainError("答复（或不予受理）后才能评价", code="NOT_REPLIED")
    if row.stars is not None:
        raise DomainError("已经评价过", code="ALREADY_RATED")
    await db_complaints.update_complaint_rated(conn, complaint_id=row.id, stars=stars, at=at)
    return await track(conn, tracking_no=tracking_no, code=code)


async def card_undecided(conn: Connection, *, today: date, now: datetime, color: str) -> list[int]:
    """Yellow cards on complaints not accepted or refused within 5 working days."""
    raised = []
    for late in await db_complaints.list_overdue_undecided_complaints(conn, today=today):
        evidence = orjson.dumps(
            {"tracking_no": late.tracking_no, "due_on": late.accept_due_on.isoformat()}
        ).decode()
        card_id = await db_complaints.insert_complaint_card(
            conn, complaint=late, color=color, evidence=evidence, at=now, day=china_day(now)
        )
        if card_id is not None:
            raised.append(card_id)
    return raised
