"""Loading what departments record about subsidy money: the fund catalogue, households with their
members, and the four monitoring points (plan, approval, allocation per batch; disbursement per
household). CSV files and the API go through the same functions.

What is kept when a row is bad, by file:
- funds: every good row is kept; a bad row is reported.
- households: a household is kept whole or not at all; one bad member row refuses its household
  (every row of that household number is reported).
- money records: rows are applied in order, each on its own; a bad row is reported and the
  batch's later rows that depend on it (a disbursement before its allocation) are refused as out
  of order.
Nothing is dropped silently: every row is applied, an exact repeat of one applied before, or in
the report with its line number.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from db import ledger, org, registry, subsidies
from db.executor import Connection
from domain.calendar import parse_day
from domain.disclosure import disclosure_of
from domain.identity import id_number_problem, normalize_id_number

STAGES = ("plan", "approval", "allocation")
UNITS = ("person_month", "household_month", "person_year", "household_year", "mu_year", "once")
FUND_TYPES = (
    "minimum_living",
    "extreme_poverty",
    "farmland",
    "elderly",
    "disability",
    "disaster_relief",
    "housing",
    "other",
)


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    message: str
    code: str = "INVALID_ROW"

    def __str__(self) -> str:
        return f"第{self.line}行：{self.message}（{self.code}）"


@dataclass(slots=True)
class LoadReport:
    rows: int = 0
    applied: int = 0
    repeated: int = 0
    problems: list[Problem] = field(default_factory=list)


def rows_of(text: str, required: Iterable[str]) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        return [], [Problem(1, f"表头缺少列：{'、'.join(missing)}", "INVALID_HEADER")]
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))
    except csv.Error as exc:  # a field past the CSV reader's size limit, a stray quote …
        return rows, [Problem(reader.line_num, f"无法读取此行：{exc}", "INVALID_ROW")]
    return rows, []


def _money(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{what}“{text}”不是数字") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{what}“{text}”应为不小于 0、最多两位小数（分）的金额")
    return value


def _day(text: str, what: str) -> date:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise ValueError(f"{what}：{exc}") from None


# -- funds ----------------------------------------------------------------------------------------

FUND_COLUMNS = ("code", "name", "fund_type", "purpose", "policy_basis", "standard_yuan", "standard_unit")


async def load_funds(conn: Connection, *, text: str, department_id: int) -> LoadReport:
    rows, problems = rows_of(text, FUND_COLUMNS)
    report = LoadReport(rows=len(rows), problems=problems)
    for line, r in rows:
        try:
            if r["fund_type"] not in FUND_TYPES:
                raise ValueError(f"资金类型“{r['fund_type']}”应为 {'、'.join(FUND_TYPES)} 之一")
            if r["standard_unit"] not in UNITS:
                raise ValueError(f"标准单位“{r['standard_unit']}”应为 {'、'.join(UNITS)} 之一")
            if not r["code"] or not r["name"] or not r["purpose"]:
                raise ValueError("资金编码、名称和用途必填")
            standard = _money(r["standard_yuan"], "补助标准")
            days = 2 if r["fund_type"] == "disaster_relief" else 5
        except ValueError as exc:
            report.problems.append(Problem(line, str(exc)))
            continue
        fund = ledger.NewFund(
            code=r["code"],
            name=r["name"],
            fund_type=r["fund_type"],
            purpose=r["purpose"],
            policy_basis=r["policy_basis"],
            standard_yuan=standard,
            standard_unit=r["standard_unit"],
            standard_note=r.get("standard_note", ""),
            department_id=department_id,
            disburse_within_days=days,
            disclosure=disclosure_of(r["fund_type"]),
        )
        if await ledger.insert_fund(conn, fund=fund):
            report.applied += 1
        else:
            report.repeated += 1
    return report


# -- households -----------------------------------------------------------------------------------

HOUSEHOLD_COLUMNS = ("household_no", "village_code", "address", "name", "id_number", "relation")


async def load_households(conn: Connection, *, text: str) -> LoadReport:
    rows, problems = rows_of(text, HOUSEHOLD_COLUMNS)
    report = LoadReport(rows=len(rows), problems=problems)
    villages = await ledger.list_village_codes(conn)
    by_household: defaultdict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for line, r in rows:
        by_household[r["household_no"]].append((line, r))
    for household_no, members in by_household.items():
        bad: list[Problem] = []
        for line, r in members:
            if not household_no:
                bad.append(Problem(line, "户编号必填"))
            if r["village_code"] not in villages:
                bad.append(Problem(line, f"未知的村（社区）代码 {r['village_code']}", "UNKNOWN_VILLAGE"))
            if problem := id_number_problem(r["id_number"]):
                bad.append(Problem(line, problem, "INVALID_ID_NUMBER"))
            try:
                if r.get("land_mu"):
                    _money(r["land_mu"], "承包面积")
                if r.get("deceased_on"):
                    _day(r["deceased_on"], "死亡日期")
            except ValueError as exc:
                bad.append(Problem(line, str(exc)))
        if bad:
            report.problems += bad
            report.problems += [
                Problem(line, f"同户（{household_no}）其他行有误，本户未导入", "HOUSEHOLD_REFUSED")
                for line, _ in members
                if all(p.line != line for p in bad)
            ]
            continue
        async with conn.transaction():
            first = members[0][1]
            household_id = await ledger.insert_household(
                conn,
                household_no=household_no,
                village_code=first["village_code"],
                address=first["address"],
                land_mu=Decimal(first.get("land_mu") or 0),
            )
            if household_id is None:
                report.repeated += len(members)
                continue
            await ledger.insert_members(
                conn,
                household_id=household_id,
                members=[
                    ledger.NewMember(
                        name=r["name"],
                        id_number=normalize_id_number(r["id_number"]),
                        relation=r["relation"],
                        is_head=r["relation"] == "户主",
                        deceased_on=_day(r["deceased_on"], "死亡日期") if r.get("deceased_on") else None,
                    )
                    for _, r in members
                ],
            )
            report.applied += len(members)
    report.problems.sort(key=lambda p: p.line)
    return report


# -- the registry of officials, village cadres and their declared relatives ------------------------

OFFICIAL_COLUMNS = ("name", "id_number", "kind", "position")
RELATIVE_COLUMNS = ("official_id_number", "name", "id_number", "relation")
OFFICIAL_KINDS = {
    "official": "official",
    "公职人员": "official",
    "village_cadre": "village_cadre",
    "村干部": "village_cadre",
}


async def load_officials(conn: Connection, *, text: str) -> LoadReport:
    """Officials (with ``department_code``) and village cadres (with ``village_code``), a row each;
    a person already registered by ID number is a repeat."""
    rows, problems = rows_of(text, OFFICIAL_COLUMNS)
    report = LoadReport(rows=len(rows), problems=problems)
    departments = {
        d.code: d.id for d in await org.list_departments(conn, region_code=None, service_level=None)
    }
    villages = await ledger.list_village_codes(conn)
    for line, r in rows:
        kind = OFFICIAL_KINDS.get(r["kind"])
        bad = []
        if kind is None:
            bad.append(Problem(line, f"类别“{r['kind']}”应为 公职人员（official）或 村干部（village_cadre）"))
        if not r["name"] or not r["position"]:
            bad.append(Problem(line, "姓名和职务必填"))
        if problem := id_number_problem(r["id_number"]):
            bad.append(Problem(line, problem, "INVALID_ID_NUMBER"))
        department_id = departments.get(r.get("department_code", ""))
        village = r.get("village_code") or None
        if kind == "official" and department_id is None:
            bad.append(
                Problem(
                    line, f"公职人员须填写存在的部门编码（department_code）：{r.get('department_code', '')}"
                )
            )
        if kind == "village_cadre" and village not in villages:
            bad.append(Problem(line, f"村干部须填写存在的村（社区）代码（village_code）：{village or ''}"))
        if bad:
            report.problems += bad
            continue
        id_number = normalize_id_number(r["id_number"])
        if await registry.get_official_id_by_id_number(conn, id_number=id_number) is not None:
            report.repeated += 1
            continue
        await registry.insert_official(
            conn,
            official=registry.NewOfficial(
                name=r["name"],
                id_number=id_number,
                kind=kind or "official",
                department_id=department_id if kind == "official" else None,
                village_code=village if kind == "village_cadre" else None,
                position=r["position"],
            ),
        )
        report.applied += 1
    return report


async def load_relatives(conn: Connection, *, text: str) -> LoadReport:
    """Relatives declared by a registered official (named by the official's ID number)."""
    rows, problems = rows_of(text, RELATIVE_COLUMNS)
    report = LoadReport(rows=len(rows), problems=problems)
    for line, r in rows:
        bad = [
            Problem(line, problem, "INVALID_ID_NUMBER")
            for problem in (id_number_problem(r["id_number"]),)
            if problem
        ]
        if not r["name"] or not r["relation"]:
            bad.append(Problem(line, "姓名和关系必填"))
        official_id = await registry.get_official_id_by_id_number(
            conn, id_number=normalize_id_number(r["official_id_number"])
        )
        if official_id is None:
            bad.append(
                Problem(
                    line, f"未登记身份证号为 {r['official_id_number']} 的公职人员或村干部", "UNKNOWN_OFFICIAL"
                )
            )
        if bad or official_id is None:
            report.problems += bad
            continue
        id_number = normalize_id_number(r["id_number"])
        if await registry.has_relative(conn, official_id=official_id, id_number=id_number):
            report.repeated += 1
            continue
        await registry.insert_relative(
            conn, official_id=official_id, name=r["name"], id_number=id_number, relation=r["relation"]
        )
        report.applied += 1
    return report


# -- money through the four monitoring points -----------------------------------------------------

MONEY_COLUMNS = ("batch_no", "fund_code", "township_code", "period", "stage", "stage_on", "amount_yuan")


class RowError(Exception):
    def __init__(self, message: str, code: str = "INVALID_ROW") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class Applied:
    line: int
    what: str  # plan, approval, allocation, disbursement, or repeat (an exact repeat, not applied again)
    id: int


async def record_money(
    conn: Connection, *, rows: list[tuple[int, dict[str, str]]], department_id: int
) -> tuple[list[Applied], list[Problem]]:
    """Apply plan / approval / allocation rows (per batch) and disbursement rows (per household)
    in order. A stage may only follow the one before it, on the same day or later."""
    funds = await ledger.list_fund_ids_by_department(conn, department_id=department_id)
    applied: list[Applied] = []
    problems: list[Problem] = []
    for line, r in rows:
        try:
            async with conn.transaction():
                applied.append(await _money_row(conn, line, r, funds))
        except RowError as exc:
            problems.append(Problem(line, exc.message, exc.code))
        except ValueError as exc:  # a malformed amount or date
            problems.append(Problem(line, str(exc)))
    return applied, problems


async def load_money(conn: Connection, *, text: str, department_id: int) -> tuple[LoadReport, date | None]:
    """Money records from a file, in order: the report, and the earliest period the file names
    (where the red flags should look from), None when nothing was applied."""
    rows, header = rows_of(text, MONEY_COLUMNS)
    applied, problems = await record_money(conn, rows=rows, department_id=department_id)
    report = LoadReport(
        rows=len(rows),
        applied=sum(a.what != "repeat" for a in applied),
        repeated=sum(a.what == "repeat" for a in applied),
        problems=sorted(header + problems, key=lambda p: p.line),
    )
    periods = []
    for _, r in rows:
        try:
            periods.append(parse_day(r.get("period", "")))
        except ValueError:
            continue  # reported with its row
    return report, min(periods) if report.applied and periods else None


def _out_of_order(message: str) -> RowError:
    return RowError(message, "STAGE_OUT_OF_ORDER")


async def _money_row(conn: Connection, line: int, r: Mapping[str, str], funds: Mapping[str, int]) -> Applied:
    fund_id = funds.get(r["fund_code"])
    if fund_id is None:
        raise RowError(f"本部门没有资金 {r['fund_code']}", "UNKNOWN_FUND")
    period = _day(r["period"], "资金所属期")
    stage_on = _day(r["stage_on"], "环节日期")
    amount = _money(r["amount_yuan"], "金额")
    recorded_by = r.get("recorded_by") or "unknown"
    batch = await ledger.get_batch_by_no(conn, batch_no=r["batch_no"])
    stage = r["stage"]
    if stage in STAGES:
        if batch is None:
            if stage != "plan":
                raise _out_of_order(f"批次 {r['batch_no']} 尚无用款计划，不能先{_STAGE_LABELS[stage]}")
            if not await ledger.has_township(conn, code=r["township_code"]):
                raise RowError(f"未知的乡镇（街道）代码 {r['township_code']}", "UNKNOWN_TOWNSHIP")
            batch_id = await ledger.insert_batch(
                conn, batch_no=r["batch_no"], fund_id=fund_id, township_code=r["township_code"], period=period
            )
        else:
            batch_id = batch.id
            previous = STAGES[STAGES.index(stage) - 1] if stage != "plan" else None
            if previous:
                before = await ledger.get_last_stage_on(conn, batch_id=batch_id, stage=previous)
                if before is None:
                    raise _out_of_order(
                        f"批次 {r['batch_no']} 尚未{_STAGE_LABELS[previous]}，不能{_STAGE_LABELS[stage]}"
                    )
                if stage_on < before:
                    raise _out_of_order(
                        f"{_STAGE_LABELS[stage]}日期 {stage_on} 早于{_STAGE_LABELS[previous]}日期 {before}"
                    )
        latest = await ledger.get_latest_stage(conn, batch_id=batch_id, stage=stage)
        if latest is not None and (latest.stage_on, latest.amount_yuan) == (stage_on, amount):
            return Applied(line, "repeat", latest.id)
        stage_id = await ledger.insert_batch_stage(
            conn,
            batch_id=batch_id,
            stage=stage,
            stage_on=stage_on,
            amount_yuan=amount,
            recorded_by=recorded_by,
            corrects_id=latest.id if latest else None,  # a second record of a stage corrects the one before
        )
        return Applied(line, stage, stage_id)
    if stage != "disbursement":
        raise RowError(f"环节“{stage}”应为 plan、approval、allocation 或 disbursement")
    if batch is None:
        raise _out_of_order(f"批次 {r['batch_no']} 不存在，不能发放")
    allocated = await ledger.get_last_stage_on(conn, batch_id=batch.id, stage="allocation")
    if allocated is None:
        raise _out_of_order(f"批次 {r['batch_no']} 尚未拨付，不能发放到户")
    if stage_on < allocated:
        raise _out_of_order(f"发放日期 {stage_on} 早于拨付日期 {allocated}")
    if r.get("form") not in ("card", "cash"):
        raise RowError("发放形式应为 card（一卡通）或 cash（现金）")
    member = await ledger.get_member_in_household(
        conn,
        household_no=r.get("household_no", ""),
        id_number=normalize_id_number(r.get("id_number", "")),
    )
    if member is None:
        raise RowError(
            f"户 {r.get('household_no')} 中没有身份证号为 {r.get('id_number')} 的成员", "UNKNOWN_MEMBER"
        )
    payment_no = f"{r['batch_no']}-{member.id}"
    payment_id = await ledger.get_payment_id_by_no(conn, year=period.year, payment_no=payment_no)
    if payment_id is None:
        payment_id = await ledger.insert_payment(
            conn,
            payment=ledger.NewPayment(
                year=period.year,
                payment_no=payment_no,
                batch_id=batch.id,
                fund_id=fund_id,
                household_id=member.household_id,
                member_id=member.id,
                village_code=member.village_code,
                period=period,
                amount_yuan=amount,
                land_mu=_money(r["land_mu"], "面积") if r.get("land_mu") else None,
            ),
        )
        # The statistics count it in this row's transaction: they never disagree with the payments.
        await subsidies.update_aggregates(conn, payments=[(period.year, payment_id)])
    last = await ledger.get_last_disbursement(conn, year=period.year, payment_id=payment_id)
    if last is not None and (last.disbursed_on, last.amount_yuan, last.form) == (stage_on, amount, r["form"]):
        return Applied(line, "repeat", last.id)
    disbursement_id = await ledger.insert_disbursement(
        conn,
        year=period.year,
        payment_id=payment_id,
        disbursed_on=stage_on,
        amount_yuan=amount,
        form=r["form"],
        recorded_by=recorded_by,
        corrects_id=last.id if last else None,  # a second record for a payment corrects the one before
        note=r.get("note", ""),
    )
    return Applied(line, "disbursement", disbursement_id)


_STAGE_LABELS = {"plan": "申请用款计划", "approval": "审批", "allocation": "拨付", "disbursement": "发放"}
