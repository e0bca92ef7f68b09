"""Historical cases from CSV through the CLI: the API's checks, a row-numbered report."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg

from tests.casework import POWER
from tests.conftest import ROOT

HEADER = (
    "event_id,case_no,kind,occurred_at,step_key,staff_no,result,reason,amount_yuan,power_code,query_code,"
    "channel,applicant_kind,applicant_name,applicant_id_number,applicant_phone,applicant_address\n"
)
APPLICANT = "person,赵六,510799198001011112,13700001111,桐溪县城关镇一号"


def row(event_id: str, case_no: str, kind: str, day: str, rest: str = "") -> str:
    return f"{event_id},{case_no},{kind},{day}T09:00:00+08:00,{rest}\n"


async def test_import_reports_bad_rows_by_line_and_keeps_the_good_ones(
    world: dict[str, Any], tmp_path: Path
) -> None:
    received = f",W-01,,,,{POWER},111111,window,{APPLICANT}"
    text = HEADER + "".join(
        [
            row("h1", "HIST-0001", "RECEIVED", "2026-09-01", received),  # line 2: fine
            row("h2", "HIST-0001", "ACCEPTED", "2026-09-01", ",W-01"),  # 3: fine
            row("h3", "HIST-0002", "RECEIVED", "not-a-date", received),  # 4: malformed date
            row("h4", "HIST-0002", "ACCEPTED", "2026-09-02", ",W-01"),  # 5: its case's row 4 failed
            row("h5", "HIST-0003", "ACCEPTED", "2026-09-02", ",W-01"),  # 6: no such case
            row("h6", "HIST-0001", "FEE_CHARGED", "2026-09-02", ",W-01,,,abc"),  # 7: amount not a number
            row("h1", "HIST-0001", "RECEIVED", "2026-09-01", received),  # 8: the same event again
        ]
    )
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": world["url"], "LOG_LEVEL": "WARNING"}
    done = subprocess.run(  # noqa: ASYNC221  # the CLI is what is under test
        [sys.executable, "-m", "api.cli", "import-cases", str(path), "--department", world["dept"]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "共 7 行：已导入 2，重复 1，有问题 4"
    assert lines[1].startswith("第4行：发生时间") and lines[1].endswith("（INVALID_FIELD）")
    assert lines[2].startswith("第5行：") and "PRECEDING_EVENT_REFUSED" in lines[2]
    assert lines[3].startswith("第6行：") and "UNKNOWN_CASE" in lines[3]
    assert lines[4].startswith("第7行：金额") and "INVALID_FIELD" in lines[4]
    conn = await asyncpg.connect(world["url"])
    try:
        assert await conn.fetchval("SELECT state FROM cases WHERE case_no = 'HIST-0001'") == 3
        assert await conn.fetchval("SELECT count(*) FROM cases WHERE case_no = 'HIST-0002'") == 0
    finally:
        await conn.close()


def import_file(world: dict[str, Any], path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": world["url"], "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "import-cases", str(path), "--department", world["dept"]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


async def test_a_file_with_an_unknown_column_is_refused_before_any_row(
    world: dict[str, Any], tmp_path: Path
) -> None:
    received = f",W-01,,,,{POWER},111111,window,{APPLICANT}"
    path = tmp_path / "misspelt.csv"
    path.write_text(
        HEADER.replace("staff_no", "staf_no").rstrip("\n")
        + ",remark\n"
        + row("u1", "HIST-0201", "RECEIVED", "2026-09-01", received).rstrip("\n")
        + ",备注\n",
        encoding="utf-8",
    )
    done = await asyncio.to_thread(import_file, world, path)
    assert done.returncode == 1, done.stderr
    first, problem = done.stdout.splitlines()[:2]
    assert first == "共 0 行：已导入 0，重复 0，有问题 1"
    assert (
        problem.startswith("第1行：表头含有未知的列：'staf_no'、'remark'") and "（UNKNOWN_COLUMN）" in problem
    )
    conn = await asyncpg.connect(world["url"])
    try:
        assert await conn.fetchval("SELECT count(*) FROM cases WHERE case_no = 'HIST-0201'") == 0
    finally:
        await conn.close()


async def test_history_that_proves_a_red_card_records_and_reports_it_without_locking(
    world: dict[str, Any], tmp_path: Path
) -> None:
    received = f",W-01,,,,{POWER},111111,window,{APPLICANT}"
    text = HEADER + "".join(
        [
            row("k1", "HIST-0301", "RECEIVED", "2026-09-01", received),  # line 2
            row("k2", "HIST-0301", "ACCEPTED", "2026-09-01", ",W-01"),
            row("k3", "HIST-0301", "STEP_STARTED", "2026-09-01", "S1,W-01"),
            row("k4", "HIST-0301", "STEP_FINISHED", "2026-09-03", "S1,W-01"),  # 5: S1's limit is 1 day
            row("k5", "HIST-0301", "STEP_STARTED", "2026-09-03", "S2,W-01"),
            row("k6", "HIST-0301", "STEP_FINISHED", "2026-09-03", "S2,W-01"),
            row("k7", "HIST-0301", "STEP_STARTED", "2026-09-03", "S3,W-01"),
            row("k8", "HIST-0301", "STEP_FINISHED", "2026-09-04", "S3,W-01"),
            row("k9", "HIST-0301", "COMPLETED", "2026-09-04", ",W-01,approved"),  # within its 5 days
        ]
    )
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    done = await asyncio.to_thread(import_file, world, path)
    assert done.returncode == 0, (done.stdout, done.stderr)
    lines = done.stdout.splitlines()
    assert lines[0] == "共 9 行：已导入 9，重复 0，有问题 0"
    assert lines[1] == "历史事件引发监察卡 1 张（已记录，未锁定办件）："
    assert lines[2] == "第5行：办件 HIST-0301 红牌 STEP_OVERDUE"
    conn = await asyncpg.connect(world["url"])
    try:
        case = await conn.fetchrow("SELECT id, state, locked FROM cases WHERE case_no = 'HIST-0301'")
        assert case is not None
        assert (case["state"], case["locked"]) == (11, False)
        card = await conn.fetchrow(
            "SELECT id, color, status, evidence FROM cards WHERE case_id = $1", case["id"]
        )
        assert card is not None
        assert (card["color"], card["status"]) == ("red", "open")
        assert '"history_import": true' in card["evidence"]
        assert (
            await conn.fetchval("SELECT count(*) FROM case_lock_events WHERE case_id = $1", case["id"]) == 0
        )
        assert await conn.fetchval("SELECT count(*) FROM notifications WHERE card_id = $1", card["id"]) == 0
    finally:
        await conn.close()
