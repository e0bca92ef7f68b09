"""The files departments really have, through the real command line: CSV saved by Excel on
Chinese Windows (GB18030), Excel workbooks, dates in the usual Chinese forms, the officials'
registry — and for a bad file a sentence in Chinese and exit code 1, never a traceback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import asyncpg
from openpyxl import Workbook

from domain.identity import check_char
from tests.conftest import ROOT


def person(birth: str, serial: int) -> str:
    first17 = f"510799{birth}{serial:03d}"
    return first17 + check_char(first17)


def sunshine(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        check=False,
    )


async def a_village(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        village: str = await conn.fetchval("SELECT code FROM regions WHERE level = 3 ORDER BY code LIMIT 1")
        return village
    finally:
        await conn.close()


async def test_a_gb18030_csv_with_chinese_dates_loads_and_bad_rows_are_named(
    fresh_db: str, tmp_path: Path
) -> None:
    village = await a_village(fresh_db)
    text = (
        "household_no,village_code,address,land_mu,name,id_number,relation,deceased_on\n"
        f"GB-1,{village},桐溪县城关镇一村,0,欧阳建国,{person('19600101', 201)},户主,2026/11/22\n"
        f"GB-2,{village},桐溪县城关镇一村,0,司马秀英,{person('19610101', 202)},户主,2026年1月2日\n"
        f"GB-3,{village},桐溪县城关镇一村,0,诸葛明,{person('19620101', 203)},户主,2026-13-01\n"
    )
    path = tmp_path / "户籍.csv"
    path.write_bytes(text.encode("gb18030"))
    result = await asyncio.to_thread(sunshine, fresh_db, "load-subsidy", "households", str(path))
    assert result.returncode == 1  # one row has a problem
    assert "已导入 2" in result.stdout
    assert "第4行" in result.stdout and "2026-13-01" in result.stdout
    assert "Traceback" not in result.stderr
    conn = await asyncpg.connect(fresh_db)
    try:
        got = await conn.fetch(
            "SELECT name, deceased_on FROM household_members WHERE name IN ('欧阳建国', '司马秀英')"
        )
    finally:
        await conn.close()
    assert {(r["name"], r["deceased_on"].isoformat()) for r in got} == {
        ("欧阳建国", "2026-11-22"),
        ("司马秀英", "2026-01-02"),
    }


async def test_an_excel_workbook_loads_the_officials_registry_and_its_relatives(
    fresh_db: str, tmp_path: Path
) -> None:
    village = await a_village(fresh_db)
    official, cadre, relative = person("19700101", 301), person("19710101", 302), person("19950101", 303)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "id_number", "kind", "department_code", "village_code", "position", "since"])
    sheet.append(["上官清", official, "公职人员", "SCJG", None, "科员", datetime(2020, 5, 1)])
    sheet.append(["令狐平", cadre, "村干部", None, village, "村主任", datetime(2021, 1, 4)])
    sheet.append(["无名", "123", "公职人员", "SCJG", None, "科员", None])
    officials = tmp_path / "公职人员名册.xlsx"
    book.save(officials)
    loaded = await asyncio.to_thread(sunshine, fresh_db, "load-subsidy", "officials", str(officials))
    assert "已导入 2" in loaded.stdout, loaded.stdout + loaded.stderr
    assert "第4行" in loaded.stdout and "INVALID_ID_NUMBER" in loaded.stdout
    relatives = tmp_path / "亲属.csv"
    relatives.write_text(
        f"official_id_number,name,id_number,relation\n{official},上官小清,{relative},子女\n", encoding="utf-8"
    )
    added = await asyncio.to_thread(sunshine, fresh_db, "load-subsidy", "relatives", str(relatives))
    assert added.returncode == 0 and "已导入 1" in added.stdout, added.stdout + added.stderr
    again = await asyncio.to_thread(sunshine, fresh_db, "load-subsidy", "relatives", str(relatives))
    assert "重复 1" in again.stdout


async def test_bad_files_get_a_chinese_sentence_and_exit_1(fresh_db: str, tmp_path: Path) -> None:
    garbage = tmp_path / "乱码.csv"
    garbage.write_bytes(bytes(range(128, 256)) * 4)
    fake_book = tmp_path / "不是表格.xlsx"
    fake_book.write_text("not a workbook", encoding="utf-8")
    for path, words in (
        (tmp_path / "不存在.csv", "文件不存在"),
        (garbage, "既不是 UTF-8 也不是 GB18030"),
        (fake_book, "不是可读取的 Excel"),
    ):
        for command in (["load-subsidy", "households"], ["import-cases", "--department", "SCJG"]):
            result = await asyncio.to_thread(sunshine, fresh_db, *command, str(path))
            assert result.returncode == 1, (path, result.stderr)
            assert words in result.stderr
            assert "Traceback" not in result.stderr
