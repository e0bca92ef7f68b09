"""Historical cases from CSV through the CLI: the API's checks, a row-numbered report."""

from __future__ import annotations

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
APPLICANT = "person,赵六,510799198001011111,13700001111,桐溪县城关镇一号"


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
