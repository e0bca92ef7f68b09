"""Historical cases from a file (CSV text; services/tabular.py reads GB18030 and Excel into it):
one event a row, the same contract as events pushed to the API (domain/case_events.py).

The header names the columns (``COLUMNS``, in any order; the optional ones may be left out). A
header with a column this importer does not know is refused before any row is applied: a
misspelt ``staf_no`` would otherwise drop every handler in silence.

Rows are applied in file order, each on its own; a refused row is reported with its line number
and the later rows of that case are refused too (they assume it). Nothing is dropped silently:
every row is either applied, a duplicate of one applied before, or in the report. History is
reported, not locked: a card a past event proves is recorded (marked ``history_import`` in its
evidence) and listed in the report, but locks nothing, so the rest of the case's history applies.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import asyncpg

from domain.calendar import WorkingCalendar, parse_moment
from services.case_ingest import MAX_BATCH, Applicant, IncomingEvent, Outcome, ingest

# Every column the importer reads, with what it holds (the CLI's help and the README list these).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "必填：报送方的事件编号，同一编号只计一次"),
    ("case_no", "必填：办件编号（6–40 位字母、数字或连字符）"),
    ("kind", "必填：事件类型，如 RECEIVED、ACCEPTED、STEP_STARTED（各类型的字段见 README）"),
    ("occurred_at", "必填：发生时间，ISO 8601 带时区，或 2026-11-22 09:30 等常用写法（按北京时间）"),
    ("step_key", "环节编号（STEP_STARTED、STEP_FINISHED）"),
    ("staff_no", "办理人工号（须为本部门人员；环节事件必填）"),
    ("result", "办结结果：APPROVED、APPROVED_PENDING_DOCS 或 REFUSED（COMPLETED）"),
    ("reason", "理由或办理意见"),
    ("amount_yuan", "收费金额（元，FEE_CHARGED）"),
    ("power_code", "事项编码（RECEIVED）"),
    ("query_code", "回执上的查询码，6–12 位字母或数字（RECEIVED）"),
    ("channel", "window、online、wechat 或 proxy（RECEIVED）"),
    ("applicant_kind", "person 或 organisation，缺省 person（RECEIVED）"),
    ("applicant_name", "申请人姓名或单位名称（RECEIVED）"),
    ("applicant_id_number", "18 位身份证号码或统一社会信用代码（RECEIVED）"),
    ("applicant_phone", "手机号或带区号的固定电话（RECEIVED，可空）"),
    ("applicant_address", "地址（RECEIVED，可空）"),
    ("applicant_region_code", "行政区划代码（RECEIVED，可空）"),
    ("lead_case_no", "并联审批主办件编号（RECEIVED，可空）"),
)
KNOWN = frozenset(name for name, _ in COLUMNS)
REQUIRED = ("event_id", "case_no", "kind", "occurred_at")


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行：{self.message}（{self.code}）"


@dataclass(frozen=True, slots=True)
class RaisedOnRow:
    """A card a historical row proved: recorded, reported, locking nothing."""

    line: int
    case_no: str
    rule: str
    color: str

    def __str__(self) -> str:
        label = {"red": "红牌", "yellow": "黄牌"}.get(self.color, self.color)
        return f"第{self.line}行：办件 {self.case_no} {label} {self.rule}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int
    applied: int
    duplicates: int
    problems: list[RowProblem]
    cards: list[RaisedOnRow] = field(default_factory=list)


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


def header_problem(names: list[str]) -> RowProblem | None:
    """What is wrong with the header row: a required column missing, a column named twice, or a
    column the importer does not know (``UNKNOWN_COLUMN``, listing them and the known ones)."""
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        return RowProblem(1, "INVALID_HEADER", f"表头缺少列：{'、'.join(missing)}")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return RowProblem(1, "INVALID_HEADER", f"表头中的列重复：{'、'.join(twice)}")
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        return RowProblem(
            1,
            "UNKNOWN_COLUMN",
            f"表头含有未知的列：{'、'.join(repr(n) for n in unknown)}；未导入任何行。"
            f"可用的列：{'、'.join(name for name, _ in COLUMNS)}",
        )
    return None


def parse(text: str) -> tuple[RowProblem | None, list[Row]]:
    """The header's problem, else every data row in file order."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        names = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        return RowProblem(1, "INVALID_ROW", f"无法读取表头：{exc}"), []
    if problem := header_problem(names):
        return problem, []
    rows = []
    try:
        for cells in reader:
            if not cells:
                continue  # a blank line, as csv.DictReader skips it
            line = reader.line_num
            fields = dict(zip(names, cells, strict=False))
            case_no = (fields.get("case_no") or "").strip()
            if len(cells) > len(names):
                # Most often an unquoted comma in an address: every cell after it is misplaced.
                message = f"此行有 {len(cells)} 列，多于表头的 {len(names)} 列（含逗号的内容须加引号）"
                rows.append(Row(line, case_no, problem=RowProblem(line, "INVALID_ROW", message)))
                continue
            try:
                rows.append(Row(line, case_no, event=_event(fields)))
            except ValueError as exc:
                rows.append(Row(line, case_no, problem=RowProblem(line, "INVALID_FIELD", str(exc))))
    except csv.Error as exc:  # a field past the CSV reader's size limit, a stray quote …
        line = reader.line_num
        rows.append(
            Row(line, "", problem=RowProblem(line, "INVALID_ROW", f"无法读取此行，其后各行未读：{exc}"))
        )
    return None, rows


def _event(row: dict[str, str]) -> IncomingEvent:
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
    result = _optional(row, "result")
    return IncomingEvent(
        event_id=(row.get("event_id") or "").strip(),
        case_no=(row.get("case_no") or "").strip(),
        # Spreadsheets are typed by hand: the words are read in any case; the contract checks them.
        kind=(row.get("kind") or "").strip().upper(),
        occurred_at=occurred_at,
        step_key=_optional(row, "step_key"),
        staff_no=_optional(row, "staff_no"),
        result=result.upper() if result else None,
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
    now: datetime,
) -> ImportReport:
    """Apply the file's rows as history (cards recorded and reported, no lock) at the server's
    moment ``now``; a bad header applies nothing."""
    header, rows = parse(text)
    if header is not None:
        return ImportReport(rows=0, applied=0, duplicates=0, problems=[header])
    problems = [r.problem for r in rows if r.problem is not None]
    cards: list[RaisedOnRow] = []
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
            now=now,
            history=True,
            refused_cases=refused_cases,
        )
        for row, result in zip(pending, results, strict=True):
            if result.outcome is Outcome.APPLIED:
                applied += 1
                cards.extend(RaisedOnRow(row.line, row.case_no, c.rule, c.color) for c in result.cards)
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
    return ImportReport(
        rows=len(rows), applied=applied, duplicates=duplicates, problems=problems, cards=cards
    )
