"""Historical cases from a file (CSV text; services/tabular.py reads GB18030 and Excel into it):
one event a row, the same checks as events pushed to the API.

Columns (header row required): event_id, case_no, kind, occurred_at (ISO 8601 with offset, or a
date and time in the usual Chinese forms, read as Beijing time), step_key, staff_no, result,
reason, amount_yuan, and for RECEIVED rows power_code, query_code, channel, applicant_kind,
applicant_name, applicant_id_number, applicant_phone, applicant_address, applicant_region_code,
lead_case_no.

Rows are applied in file order, each on its own; a refused row is reported with its line number
and the later rows of that case are refused too (they assume it). Nothing is dropped silently:
every row is either applied, a duplicate of one applied before, or in the report.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import asyncpg

from domain.calendar import WorkingCalendar, parse_moment
from domain.cases import CompletionResult, EventKind
from services.case_ingest import MAX_BATCH, Applicant, IncomingEvent, Outcome, ingest

REQUIRED = ("event_id", "case_no", "kind", "occurred_at")


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行：{self.message}（{self.code}）"


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int
    applied: int
    duplicates: int
    problems: list[RowProblem]


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: the event it holds, or why it holds none (and whose case it names)."""

    line: int
    case_no: str
    event: IncomingEvent | None = None
    problem: RowProblem | None = None


def _optional(row: dict[str, str], name: str) -> str | None:
    value = (row.get(name) or "").strip()
    return value or None


def parse(text: str) -> list[Row]:
    """Every data row in file order; a header without the required columns is one problem."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        return [Row(1, "", problem=RowProblem(1, "INVALID_HEADER", f"表头缺少列：{'、'.join(missing)}"))]
    rows = []
    try:
        for fields in reader:
            line = reader.line_num
            case_no = (fields.get("case_no") or "").strip()
            try:
                rows.append(Row(line, case_no, event=_event(fields)))
            except ValueError as exc:
                rows.append(Row(line, case_no, problem=RowProblem(line, "INVALID_FIELD", str(exc))))
    except csv.Error as exc:  # a field past the CSV reader's size limit, a stray quote …
        line = reader.line_num
        rows.append(
            Row(line, "", problem=RowProblem(line, "INVALID_ROW", f"无法读取此行，其后各行未读：{exc}"))
        )
    return rows


def _event(row: dict[str, str]) -> IncomingEvent:
    try:
        kind = EventKind((row.get("kind") or "").strip().upper())
    except ValueError:
        raise ValueError(f"未知的事件类型 {row.get('kind')!r}") from None
    try:
        occurred_at = parse_moment(row.get("occurred_at") or "")
    except ValueError as exc:
        raise ValueError(f"发生时间：{exc}") from None
    amount = None
    if raw := _optional(row, "amount_yuan"):
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"金额 {raw!r} 不是数字") from None
    result = None
    if raw := _optional(row, "result"):
        try:
            result = CompletionResult(raw.upper())
        except ValueError:
            raise ValueError(f"办结结果 {raw!r} 应为 APPROVED、APPROVED_PENDING_DOCS 或 REFUSED") from None
    applicant = None
    if name := _optional(row, "applicant_name"):
        applicant = Applicant(
            kind=_optional(row, "applicant_kind") or "person",
            name=name,
            id_number=_optional(row, "applicant_id_number") or "",
            phone=_optional(row, "applicant_phone") or "",
            address=_optional(row, "applicant_address") or "",
            region_code=_optional(row, "applicant_region_code"),
        )
    return IncomingEvent(
        event_id=(row.get("event_id") or "").strip(),
        case_no=(row.get("case_no") or "").strip(),
        kind=kind,
        occurred_at=occurred_at,
        step_key=_optional(row, "step_key"),
        staff_no=_optional(row, "staff_no"),
        result=result,
        reason=_optional(row, "reason"),
        amount_yuan=amount,
        power_code=_optional(row, "power_code"),
        query_code=_optional(row, "query_code"),
        channel=_optional(row, "channel"),
        applicant=applicant,
        lead_case_no=_optional(row, "lead_case_no"),
    )


async def import_csv(
    pool: asyncpg.Pool,
    *,
    text: str,
    source: str,
    department_id: int,
    calendar: WorkingCalendar,
) -> ImportReport:
    rows = parse(text)
    problems = [r.problem for r in rows if r.problem is not None]
    refused_cases: set[str] = set()
    applied = duplicates = 0
    pending: list[Row] = []

    async def flush() -> None:
        nonlocal applied, duplicates
        results = await ingest(
            pool,
            events=[r.event for r in pending if r.event is not None],
            source=source,
            department_id=department_id,
            calendar=calendar,
            refused_cases=refused_cases,
        )
        for row, result in zip(pending, results, strict=True):
            if result.outcome is Outcome.APPLIED:
                applied += 1
            elif result.outcome is Outcome.DUPLICATE:
                duplicates += 1
            else:
                problems.append(RowProblem(row.line, result.code or "REFUSED", result.message or ""))
        pending.clear()

    for row in rows:
        if row.problem is not None:
            # Rows before it went their way; the rows after it of the same case must not apply.
            await flush()
            refused_cases.add(row.case_no)
            continue
        pending.append(row)
        if len(pending) == MAX_BATCH:
            await flush()
    await flush()
    problems.sort(key=lambda p: p.line)
    return ImportReport(rows=len(rows), applied=applied, duplicates=duplicates, problems=problems)
