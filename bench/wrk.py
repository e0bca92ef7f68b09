"""Sunshine side by side with PostGraphile v4, both driven by ``wrk`` (``python3 dev.py bench``).

On one demo database it starts Sunshine (``serve --no-seed --workers 1``) and PostGraphile 4.14.1
(one process, simple collections, no watch, no query log), each on a free port, and drives both with
``wrk`` (a Lua script posts bodies sampled from the demo county) over the same scenarios, with
selections written to be equivalent against each schema. Per scenario and server it reports req/s,
p50/p99 latency, and CPU seconds per 1,000 requests of the server's processes and of the
PostgreSQL backends connected to the database (from /proc/<pid>/stat).

PostGraphile is installed on demand under ``bench/.node/`` (``npm install --prefix``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.__main__ import PAGE_OF_POWERS, POWER_WITH_MAP, Inputs, doc, machine, sample_inputs, scenarios

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "bench" / ".node"
POSTGRAPHILE_VERSION = "4.14.1"
POSTGRAPHILE = NODE_DIR / "node_modules" / ".bin" / "postgraphile"
BODIES_PER_SCENARIO = 2000

LUA = """
local bodies = {}
local headers = {}
init = function(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  headers["Content-Type"] = "application/json"
  if args[2] ~= nil and args[2] ~= "" then headers["Authorization"] = "Bearer " .. args[2] end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end
request = function()
  return wrk.format("POST", nil, headers, bodies[math.random(#bodies)])
end
"""

# --- Sunshine's officials' documents (the page and the power are bench/__main__'s) ---------------

OFFICIAL_CASE = """
query OfficialCase($caseNo: String!) {
  case(caseNo: $caseNo) {
    caseNo state stateLabel receivedAt promisedDueOn completedOn
    power { code name }
    department { name }
    steps { stepKey staffNo startedAt finishedAt opinion }
  }
}
"""

OFFICIAL_CASES_PAGE = """
query CasesPage {
  cases(first: 20) {
    nodes {
      caseNo state receivedAt promisedDueOn completedOn
      power { code name }
      department { name }
      steps { stepKey staffNo startedAt finishedAt }
      cards { rule color status }
    }
  }
}
"""

# --- The equivalent selections against PostGraphile's generated schema ---------------------------

PG_CASES_PAGE = """
query CasesPage {
  allCasesList(first: 20, orderBy: ID_DESC) {
    caseNo state receivedAt promisedDueOn completedOn
    powerByPowerId { code name }
    departmentByDepartmentId { name }
    caseStepsByCaseIdList(orderBy: [STARTED_AT_ASC, STEP_KEY_ASC]) { stepKey staffNo startedAt finishedAt }
    cardsByCaseIdList(orderBy: ID_DESC) { ruleCode color status }
  }
}
"""

PG_CASE = """
query OfficialCase($caseNo: String!) {
  caseByCaseNo(caseNo: $caseNo) {
    caseNo state receivedAt promisedDueOn completedOn
    powerByPowerId { code name }
    departmentByDepartmentId { name }
    caseStepsByCaseIdList { stepKey staffNo startedAt finishedAt opinion }
  }
}
"""

PG_POWER_WITH_MAP = """
query PowerWithMap($code: String!) {
  powerByCode(code: $code) {
    code name category promisedLimitDays statutoryLimitDays legalBasis feeYuan
    departmentByDepartmentId { name }
    processStepsByPowerIdList(orderBy: POSITION_ASC) { id key name postName limitDays }
    processEdgesByPowerIdList { fromStepId toStepId }
  }
}
"""

PG_PAGE_OF_POWERS = """
query PageOfPowers($offset: Int) {
  allPowersList(first: 20, offset: $offset, orderBy: CODE_ASC, condition: {status: "published"}) {
    code name category
    departmentByDepartmentId { name shortName }
    processStepsByPowerIdList(orderBy: POSITION_ASC) { key name postName }
  }
}
"""

PG_CASE_STATUS = """
query CaseStatus($caseNo: String!) {
  caseByCaseNo(caseNo: $caseNo) {
    caseNo state channel receivedAt acceptedOn promisedDueOn completedOn currentStepKey applicantName
    powerByPowerId { code name promisedLimitDays }
    departmentByDepartmentId { name phone }
    caseStepsByCaseIdList { stepKey startedOn finishedOn }
    casesByLeadCaseIdList { caseNo state departmentByDepartmentId { name } }
  }
}
"""

PG_POWER_DETAIL = """
query PowerDetail($code: String!) {
  powerByCode(code: $code) {
    code name category status serviceLevel legalBasis conditions procedure feeYuan feeBasis
    statutoryLimitDays promisedLimitDays visitsNeeded parallelApproval consultationChannel
    complaintChannel publishedOn
    departmentByDepartmentId { code name shortName phone address hall }
    powerMaterialsByPowerIdList(orderBy: POSITION_ASC) { name copies originalRequired note }
    powerAdjustmentsByPowerIdList { kind effectiveOn reason documentNo }
    processStepsByPowerIdList(orderBy: POSITION_ASC) {
      id key name postName limitDays countsTowardLimit checks departmentByDepartmentId { shortName }
    }
    processEdgesByPowerIdList { fromStepId toStepId condition }
  }
}
"""

PG_POWER_SEARCH = """
query PowerSearch($offset: Int) {
  allPowersList(first: 20, offset: $offset, orderBy: CODE_ASC, condition: {status: "published"}) {
    code name category promisedLimitDays statutoryLimitDays visitsNeeded feeYuan
    departmentByDepartmentId { code shortName }
  }
}
"""

# The subsidy scenarios. PostGraphile v4 does not expose a partitioned table, only its partitions
# (``payments_2026`` as ``allPayments2026SList``), and no relation through a foreign key to one: the
# notice list (one period, the sampled ones all of 2026) reads that year's partition, unmasked. The
# real-name lookup (its answer floor, limits and name check) and the statistics (no aggregates
# without a plugin) are Sunshine's alone.
PG_NOTICE_LIST = """
query NoticeList($villageCode: String!, $fundId: Int!, $period: Date!) {
  allPayments2026SList(
    condition: {villageCode: $villageCode, fundId: $fundId, period: $period}, orderBy: ID_ASC, first: 50
  ) {
    period amountYuan landMu
    householdMemberByMemberId { name idNumber }
    householdByHouseholdId { address }
  }
}
"""

Body = Callable[[random.Random], dict[str, Any]]


@dataclass
class Pair:
    name: str
    what: str
    official: bool
    sunshine: Body
    postgraphile: Body | None  # None: a scenario PostGraphile has no equivalent for


@dataclass
class Measured:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    server_cpu_s: float
    postgres_cpu_s: float
    answer_errors: int  # of the sampled bodies checked before the run

    def per_1k(self, cpu: float) -> float:
        return cpu / self.requests * 1000 if self.requests else float("nan")


# PostGraphile's side of a scenario it has no equivalent for: a dash in every column.
NAN = float("nan")
UNMEASURED = Measured(0, 0.0, NAN, NAN, NAN, 0, 0, NAN, NAN, 0)


def pairs(i: Inputs, pages: list[tuple[str | None, int]], fund_ids: dict[str, int]) -> list[Pair]:
    found = [
        Pair(
            "public-power-page",
            "public `PowerSearch`, a page of 20 (cached); PostGraphile: `allPowersList` by offset, "
            "no totalCount",
            False,
            lambda r: {"query": doc("power_search"), "variables": {"first": 20, "after": r.choice(pages)[0]}},
            lambda r: {"query": PG_POWER_SEARCH, "variables": {"offset": r.choice(pages)[1]}},
        ),
        Pair(
            "public-power-detail",
            "public `PowerDetail` (cached; Sunshine also lays out the map and draws its SVG)",
            False,
            lambda r: {"query": doc("power_detail"), "variables": {"code": r.choice(i.codes)}},
            lambda r: {"query": PG_POWER_DETAIL, "variables": {"code": r.choice(i.codes)}},
        ),
        Pair(
            "official-power-map",
            "officials: one power with department and process map (nodes, edges)",
            True,
            lambda r: {"query": POWER_WITH_MAP, "variables": {"code": r.choice(i.codes)}},
            lambda r: {"query": PG_POWER_WITH_MAP, "variables": {"code": r.choice(i.codes)}},
        ),
        Pair(
            "official-page-of-20",
            "officials: a page of 20 powers with department and map nodes",
            True,
            lambda r: {"query": PAGE_OF_POWERS, "variables": {"after": r.choice(pages)[0]}},
            lambda r: {"query": PG_PAGE_OF_POWERS, "variables": {"offset": r.choice(pages)[1]}},
        ),
    ]
    if i.cases:
        found += [
            Pair(
                "public-case-status",
                "public `CaseStatus` (compiled path; PostGraphile checks no query code and masks nothing)",
                False,
                lambda r: {
                    "query": doc("case_status"),
                    "variables": dict(zip(("caseNo", "queryCode"), r.choice(i.cases), strict=True)),
                },
                lambda r: {"query": PG_CASE_STATUS, "variables": {"caseNo": r.choice(i.cases)[0]}},
            ),
            Pair(
                "official-case",
                "officials: one case with power, department and steps (no personal data: an official's "
                "unmasked read needs a reason and is audited, which PostGraphile would not do)",
                True,
                lambda r: {"query": OFFICIAL_CASE, "variables": {"caseNo": r.choice(i.cases)[0]}},
                lambda r: {"query": PG_CASE, "variables": {"caseNo": r.choice(i.cases)[0]}},
            ),
            Pair(
                "official-cases-page",
                "officials: the newest 20 cases with power, department, steps and cards",
                True,
                lambda r: {"query": OFFICIAL_CASES_PAGE},
                lambda r: {"query": PG_CASES_PAGE},
            ),
        ]
    if i.people:
        ours = {s.name: s.make for s in scenarios(i)}  # the in-process bench's bodies, the same here
        found += [
            Pair(
                "subsidy-lookup",
                "public real-name lookup (never cached; its 0.15 s answer floor included); Sunshine only",
                False,
                ours["subsidy-lookup"],
                None,
            ),
            Pair(
                "village-notice-list",
                "public `NoticeList`, a village's 50 for one fund and month (answer cache); PostGraphile: "
                "`allPayments2026SList` (the year's partition) by village, fund and period with member and "
                "household, unmasked",
                False,
                ours["village-notice-list"],
                lambda r: {
                    "query": PG_NOTICE_LIST,
                    "variables": _notice_variables(r.choice(i.notices), fund_ids),
                },
            ),
            Pair(
                "township-aggregate",
                "public `SubsidyAggregates`, a township's year by village, fund and month (precomputed "
                "cells, answer cache); Sunshine only",
                False,
                ours["township-aggregate"],
                None,
            ),
        ]
    return found


def _notice_variables(notice: tuple[str, str, str], fund_ids: dict[str, int]) -> dict[str, Any]:
    village, fund_code, period = notice
    return {"villageCode": village, "fundId": fund_ids[fund_code], "period": period}


async def fund_ids(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return {r["code"]: r["id"] for r in await conn.fetch("SELECT code, id FROM funds")}
    finally:
        await conn.close()


# --- tools ---------------------------------------------------------------------------------------


def check_tools() -> str | None:
    """The reason the bench cannot run on this machine, or None."""
    if shutil.which("wrk") is None:
        return "未找到 wrk（压测工具）：请先安装，Debian/Ubuntu：sudo apt-get install -y wrk"
    if shutil.which("node") is None or shutil.which("npm") is None:
        return (
            "未找到 node/npm（运行 PostGraphile 需要）：请先安装，"
            "Debian/Ubuntu：sudo apt-get install -y nodejs npm"
        )
    return None


def ensure_postgraphile() -> None:
    package = NODE_DIR / "node_modules" / "postgraphile" / "package.json"
    if package.exists() and json.loads(package.read_text())["version"] == POSTGRAPHILE_VERSION:
        return
    print(f"安装 postgraphile@{POSTGRAPHILE_VERSION} 到 {NODE_DIR} …", flush=True)
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm") or "npm"
    package_spec = f"postgraphile@{POSTGRAPHILE_VERSION}"
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), package_spec], check=True
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- CPU from /proc ------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def tree(root: int) -> list[int]:
    """``root`` and its descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


async def backends(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return [r["pid"] for r in rows]


def postgres_cpu(url: str) -> dict[int, float]:
    return {pid: cpu_of(pid) for pid in asyncio.run(backends(url))}


# --- wrk -----------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def latency_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")


def wrk(
    url: str, script: Path, bodies: Path, token: str, seconds: float, connections: int, threads: int
) -> dict[str, float]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        str(bodies),
        token,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found: dict[str, float] = {"non_2xx": 0, "socket_errors": 0}
    if m := re.search(r"(\d+) requests in ([\d.]+)(\w+)", out):
        found["requests"] = int(m.group(1))
        found["seconds"] = latency_ms(m.group(2) + m.group(3)) / 1000
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        found["rps"] = float(m.group(1))
    for p in ("50", "99"):
        if m := re.search(rf"^\s+{p}(?:\.000)?%\s+(\S+)", out, re.M):
            found[f"p{p}"] = latency_ms(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        found["non_2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        found["socket_errors"] = sum(int(g) for g in m.groups())
    if "requests" not in found:
        raise RuntimeError(f"wrk 输出无法解析：\n{out}")
    return found


def answer_errors(url: str, bodies: list[dict[str, Any]], token: str) -> int:
    """How many of ``bodies`` come back with errors or without data (checked before timing: wrk
    sees only status codes)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    bad = 0
    with httpx.Client(timeout=30, headers=headers) as client:
        for body in bodies:
            answer = client.post(url, json=body).json()
            data = answer.get("data") or {}
            if answer.get("errors") or not data or any(v is None for v in data.values()):
                bad += 1
                if bad == 1:
                    print(f"  ! {url}: {json.dumps(answer, ensure_ascii=False)[:300]}", file=sys.stderr)
    return bad


def measure(
    url: str,
    db_url: str,
    server_pid: int,
    make: Body,
    token: str,
    args: Any,
    workdir: Path,
    name: str,
) -> Measured:
    rng = random.Random(f"{name}:{url}")
    sample = [make(rng) for _ in range(BODIES_PER_SCENARIO)]
    bodies = workdir / f"{name}-{server_pid}.jsonl"
    bodies.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in sample), encoding="utf-8")
    script = workdir / "post.lua"
    script.write_text(LUA)
    checked = answer_errors(url, sample[:20], token)
    wrk(url, script, bodies, token, min(2.0, args.seconds), args.concurrency, args.threads)  # warm-up
    pids = tree(server_pid)
    server_before = sum(cpu_of(p) for p in pids)
    pg_before = postgres_cpu(db_url)
    run = wrk(url, script, bodies, token, args.seconds, args.concurrency, args.threads)
    server_after = sum(cpu_of(p) for p in pids)
    pg_after = postgres_cpu(db_url)
    return Measured(
        requests=int(run["requests"]),
        seconds=run["seconds"],
        rps=run.get("rps", float("nan")),
        p50_ms=run.get("p50", float("nan")),
        p99_ms=run.get("p99", float("nan")),
        non_2xx=int(run["non_2xx"]),
        socket_errors=int(run["socket_errors"]),
        server_cpu_s=server_after - server_before,
        postgres_cpu_s=sum(cpu - pg_before.get(pid, 0.0) for pid, cpu in pg_after.items()),
        answer_errors=checked,
    )


def wait_ready(check: Callable[[], bool], what: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(240):
        if process.poll() is not None:
            raise RuntimeError(f"{what} 已退出（代码 {process.returncode}）")
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} 未就绪")


def memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    return "RAM unknown"


def fmt(value: float, digits: int = 0) -> str:
    return "–" if value != value else f"{value:,.{digits}f}"


def run(args: Any, db_url: str, env: dict[str, str], token: str) -> int:
    reason = check_tools()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    ensure_postgraphile()
    sunshine_port, graphile_port = free_port(), free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--no-seed", "--workers", "1"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": db_url, "PORT": str(sunshine_port)},
    )
    graphile = subprocess.Popen(
        [
            str(POSTGRAPHILE),
            "--connection",
            db_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(graphile_port),
            "--disable-graphiql",
            "--simple-collections",
            "only",
            "--dynamic-json",
            "--disable-query-log",
        ],
        cwd=ROOT,
        env={**os.environ, "NODE_ENV": "production"},
        stdout=subprocess.DEVNULL,
    )
    sunshine_url = f"http://127.0.0.1:{sunshine_port}/graphql"
    graphile_url = f"http://127.0.0.1:{graphile_port}/graphql"
    try:
        wait_ready(
            lambda: httpx.get(f"http://127.0.0.1:{sunshine_port}/readyz", timeout=1).status_code == 200,
            "Sunshine",
            server,
        )
        wait_ready(
            lambda: httpx.post(graphile_url, json={"query": "{__typename}"}, timeout=1).status_code == 200,
            "PostGraphile",
            graphile,
        )
        inputs = asyncio.run(sample_inputs(db_url))
        ordered = sorted(inputs.codes)
        step = max(1, len(ordered) // 50)
        from base64 import urlsafe_b64encode

        # the same pages both ways: Sunshine's cursor after a code, PostGraphile's offset past it
        pages: list[tuple[str | None, int]] = [(None, 0)] + [
            (urlsafe_b64encode(f"v1:{code}".encode()).decode(), k + 1)
            for k, code in enumerate(ordered)
            if k % step == 0 and k + 1 < len(ordered)
        ]
        print(f"machine: {machine()}, {memory()}")
        print(
            f"demo county: {len(inputs.codes)} published powers, {len(inputs.cases)} sampled cases; "
            f"wrk -t{args.threads} -c{args.concurrency} -d{args.seconds:g}s (after a 2 s warm-up)",
            flush=True,
        )
        results: list[tuple[Pair, Measured, Measured]] = []
        funds = asyncio.run(fund_ids(db_url))
        with tempfile.TemporaryDirectory(prefix="sunshine-wrk-") as tmp:
            for pair in pairs(inputs, pages, funds):
                if args.scenario and pair.name not in args.scenario:
                    continue
                work = Path(tmp)
                bearer = token if pair.official else ""
                ours = measure(sunshine_url, db_url, server.pid, pair.sunshine, bearer, args, work, pair.name)
                theirs = (
                    measure(graphile_url, db_url, graphile.pid, pair.postgraphile, "", args, work, pair.name)
                    if pair.postgraphile is not None
                    else UNMEASURED
                )
                results.append((pair, ours, theirs))
                print(
                    f"{pair.name}: Sunshine {ours.rps:.0f} req/s, PostGraphile {fmt(theirs.rps)} req/s",
                    flush=True,
                )
        print_table(results)
        return 0
    finally:
        for process in (server, graphile):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def print_table(results: list[tuple[Pair, Measured, Measured]]) -> None:
    print()
    print(
        "| scenario | Sunshine req/s | p50 ms | p99 ms | CPU s/1k req: API · PG "
        "| PostGraphile req/s | p50 ms | p99 ms | CPU s/1k req: node · PG | Sunshine/PostGraphile |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    notes: list[str] = []
    for pair, ours, theirs in results:
        ratio = ours.rps / theirs.rps if theirs.rps else float("nan")
        print(
            f"| {pair.name} | {fmt(ours.rps)} | {fmt(ours.p50_ms, 1)} | {fmt(ours.p99_ms, 1)} "
            f"| {fmt(ours.per_1k(ours.server_cpu_s), 2)} · {fmt(ours.per_1k(ours.postgres_cpu_s), 2)} "
            f"| {fmt(theirs.rps)} | {fmt(theirs.p50_ms, 1)} | {fmt(theirs.p99_ms, 1)} "
            f"| {fmt(theirs.per_1k(theirs.server_cpu_s), 2)} · "
            f"{fmt(theirs.per_1k(theirs.postgres_cpu_s), 2)} "
            f"| {fmt(ratio, 2)} |"
        )
        for who, m in (("Sunshine", ours), ("PostGraphile", theirs)):
            if m.non_2xx or m.socket_errors or m.answer_errors:
                notes.append(
                    f"{pair.name}, {who}: {m.non_2xx} non-2xx, {m.socket_errors} socket errors, "
                    f"{m.answer_errors} of 20 checked answers with errors"
                )
    print()
    for pair, _, _ in results:
        print(f"- {pair.name}: {pair.what}")
    for note in notes:
        print(f"- ! {note}")
