"""``sunshine calendar load`` (issue 12): a year's calendar from CSV or the State Council's notice,
the open cases' due dates counted again when it arrives, and a year without one flagged in
``/readyz`` and on the cases it affects."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from api.app import create_app
from api.settings import Settings
from domain.calendar import parse_calendar_csv
from domain.calendar_notice import read_calendar
from tests.casework import applied, event, received
from tests.conftest import ROOT, running

# The State Council's notice for 2026 (国办发明电〔2025〕7号), as published: it must read as the
# same days as data/calendar/2026.csv.
NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。
"""

# NOT the State Council's 2027 arrangements (not published when this was written): a made-up year
# in the notice's form, for the test only. Spring Festival 2027 falls on Saturday, February 6.
TEST_NOTICE_2027 = """关于2027年部分节假日安排的通知（测试用，非国务院公布）
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月6日（周六）至14日（周日）放假调休，共9天。2月20日（周六）上班。
"""
TEST_CSV_2027 = """date,is_working,name
2027-01-01,false,元旦
2027-01-02,false,元旦
2027-01-03,false,元旦
2027-02-06,false,春节
2027-02-07,false,春节
2027-02-08,false,春节
2027-02-09,false,春节
2027-02-10,false,春节
2027-02-11,false,春节
2027-02-12,false,春节
2027-02-13,false,春节
2027-02-14,false,春节
2027-02-20,true,春节调休上班
"""

LONG_POWER = "510799-XK-90060"  # 30 working days promised, 60 statutory
CASE_QUERY = """
query($no: String!) { case(caseNo: $no) { caseNo promisedDueOn statutoryDueOn dueDateProvisional } }
"""


def test_the_state_councils_notice_reads_as_the_years_csv() -> None:
    notice = read_calendar(NOTICE_2026)
    assert (notice.year, notice.form) == (2026, "notice")
    csv_days = parse_calendar_csv((ROOT / "data/calendar/2026.csv").read_text(encoding="utf-8"), year=2026)
    assert sorted((d.day, d.is_working, d.name) for d in notice.exceptions) == sorted(
        (d.day, d.is_working, d.name) for d in csv_days
    )
    assert {(d.day, d.is_working) for d in read_calendar(TEST_NOTICE_2027).exceptions} == {
        (d.day, d.is_working) for d in read_calendar(TEST_CSV_2027).exceptions
    }


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SUNSHINE_TODAY"}
    env.update(DATABASE_URL=url, LOG_LEVEL="WARNING")
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


PUSH = """
mutation Push($events: [CaseEventInput!]!) { recordCaseEvents(events: $events) { results { outcome code } } }
"""


async def december_case(url: str, settings: Settings, token: Callable[..., str], dept: str) -> None:
    """CASE-Y-0001 of a power with long limits, accepted Thu Dec 3 2026 and pushed that day."""
    conn = await asyncpg.connect(url)
    try:
        department_id = await conn.fetchval("SELECT id FROM departments WHERE code = $1", dept)
        power_id = await conn.fetchval(
            "INSERT INTO powers (code, name, category, department_id, status, promised_limit_days,"
            " statutory_limit_days, published_on) VALUES ($1, '长时限测试事项', 'licensing', $2,"
            " 'published', 30, 60, '2026-01-01') RETURNING id",
            LONG_POWER,
            department_id,
        )
        await conn.execute(
            "INSERT INTO process_steps (power_id, key, name, post_name, department_id, limit_days, position)"
            " VALUES ($1, 'S1', '审查决定', '审核岗', $2, 60, 1)",
            power_id,
            department_id,
        )
    finally:
        await conn.close()
    events = [
        received("CASE-Y-0001", "2026-12-03", power=LONG_POWER),
        event("CASE-Y-0001", "ACCEPTED", "2026-12-03"),
    ]
    async with running(create_app(settings, database_url=url)) as client:
        response = await client.post(
            "/graphql",
            json={"query": PUSH, "variables": {"events": events}},
            headers={"Authorization": f"Bearer {token('department', dept, 'W-01')}"},
        )
    assert applied(response.json()["data"]["recordCaseEvents"]["results"]), response.json()


async def ask(url: str, settings: Settings, token: Callable[..., str], query: str, **variables: Any) -> Any:
    async with running(create_app(settings, database_url=url)) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token('discipline', staff='JW-01')}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def ready(url: str, settings: Settings) -> dict[str, Any]:
    async with running(create_app(settings, database_url=url)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["status"] == "ready"
    return body


async def test_loading_2027_moves_a_december_cases_due_dates_past_new_year_and_the_spring_festival(
    world: dict[str, Any], token: Callable[..., str], settings: Settings, tmp_path: Path
) -> None:
    december = replace(settings, today=date(2026, 12, 3))
    await december_case(world["url"], december, token, world["dept"])
    before = (await ask(world["url"], december, token, CASE_QUERY, no="CASE-Y-0001"))["case"]
    # 2027 not loaded: Monday to Friday count, New Year's Day and the Spring Festival included.
    assert before == {
        "caseNo": "CASE-Y-0001",
        "promisedDueOn": "2027-01-14",
        "statutoryDueOn": "2027-02-25",
        "dueDateProvisional": True,
    }
    notice = tmp_path / "通知.txt"
    notice.write_text(TEST_NOTICE_2027, encoding="gb18030")  # as saved on Chinese Windows
    loaded = await asyncio.to_thread(cli, world["url"], "calendar", "load", str(notice))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("已载入 2027 年工作日历（国务院办公厅通知）：节假日与调休上班日 13 天；")
    assert "办结日期变动" in loaded.stdout
    after = (await ask(world["url"], december, token, CASE_QUERY, no="CASE-Y-0001"))["case"]
    # The promised date moves one working day for Jan 1. The statutory date moves five: Jan 1 and
    # Feb 8–12 are holidays, Sat Feb 20 is worked (Feb 25 -> Mar 4).
    assert after == {
        "caseNo": "CASE-Y-0001",
        "promisedDueOn": "2027-01-15",
        "statutoryDueOn": "2027-03-04",
        "dueDateProvisional": False,
    }
    # The same year again from CSV: replaced, and nothing moves.
    csv = tmp_path / "2027.csv"
    csv.write_text(TEST_CSV_2027, encoding="utf-8")
    again = await asyncio.to_thread(cli, world["url"], "calendar", "load", str(csv))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("已替换 2027 年工作日历（CSV）：节假日与调休上班日 13 天；")
    assert again.stdout.rstrip().endswith("办结日期变动 0 件")


async def test_readyz_flags_the_years_in_use_without_a_calendar_and_stays_ready(
    world: dict[str, Any], token: Callable[..., str], settings: Settings, tmp_path: Path
) -> None:
    # Today in 2026 with no case due in 2027: nothing is missing.
    assert (await ready(world["url"], replace(settings, today=date(2026, 10, 31))))[
        "calendar_missing_years"
    ] == []
    # A case whose limits run into 2027 puts 2027 in use.
    december = replace(settings, today=date(2026, 12, 3))
    await december_case(world["url"], december, token, world["dept"])
    body = await ready(world["url"], december)
    assert body["calendar_missing_years"] == [2027]
    assert body["warnings"] == [
        "未载入2027年的工作日历：该年的时限暂按周一至周五计算，国务院公布放假安排后请执行 "
        "sunshine calendar load（载入后自动重算在办件的办结日期）"
    ]
    # So does today itself, in a year not loaded.
    assert (await ready(world["url"], replace(settings, today=date(2027, 1, 4))))[
        "calendar_missing_years"
    ] == [2027]
    csv = tmp_path / "2027.csv"
    csv.write_text(TEST_CSV_2027, encoding="utf-8")
    assert (await asyncio.to_thread(cli, world["url"], "calendar", "load", str(csv))).returncode == 0
    body = await ready(world["url"], december)
    assert (body["calendar_missing_years"], body["warnings"]) == ([], [])


async def test_calendar_load_refuses_a_bad_file_by_its_line_and_loads_nothing(
    world: dict[str, Any], tmp_path: Path
) -> None:
    bad_csv = tmp_path / "2027.csv"
    bad_csv.write_text(
        "date,is_working,name\n2027-01-01,false,元旦\n2027-01-04,true,元旦调休上班\n", encoding="utf-8"
    )
    bad_notice = tmp_path / "notice.txt"
    # The 2026 notice's New Year line loaded as 2027: the weekdays it prints are 2026's.
    bad_notice.write_text(
        "关于2027年部分节假日安排的通知\n一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。\n",
        encoding="utf-8",
    )
    short = tmp_path / "short.txt"
    short.write_text("2027年\n一、元旦：1月1日（周五）至3日（周日）放假，共4天。\n", encoding="utf-8")
    gap = tmp_path / "2029.csv"
    gap.write_text("date,is_working,name\n2029-01-01,false,元旦\n", encoding="utf-8")
    runs = [
        await asyncio.to_thread(cli, world["url"], "calendar", "load", str(path), *extra)
        for path, extra in ((bad_csv, ()), (bad_notice, ()), (short, ("--year", "2027")), (gap, ()))
    ]
    assert [r.returncode for r in runs] == [1, 1, 1, 1]
    assert (
        runs[0].stderr.strip()
        == "错误：2027年工作日历第3行：调休上班日 2027-01-04 是星期一，应为星期六或星期日"
    )
    assert runs[1].stderr.strip() == (
        "错误：2027年放假安排第2行：1月1日 注明星期四，但2027年的这一天是星期五（是否载入了另一年的通知？）"
    )
    assert runs[2].stderr.strip() == "错误：2027年放假安排第2行：写明共4天，但 1月1日 至 1月3日 是3天"
    assert "须先载入2027、2028年" in runs[3].stderr
    conn = await asyncpg.connect(world["url"])
    try:
        assert await conn.fetchval("SELECT count(*) FROM calendar_years WHERE year > 2026") == 0
    finally:
        await conn.close()
