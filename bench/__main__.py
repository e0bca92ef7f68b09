"""Throughput and latency of the hot queries against the demo county (not a test).

    python3 dev.py bench [--scale 0.1] [--seconds 10] [--scenario NAME ...]
    python3 dev.py bench --in-process [--floor] [--parts …] [--data-scale N]
    python3 dev.py bench --fuzz [N]
    python3 dev.py bench --load-time [--scale 1]

By default, Sunshine and PostGraphile v4 side by side on one demo database, both driven by wrk
(bench/wrk.py). ``--in-process`` is the older client: the server as a separate process driven by an
asyncio HTTP client over loopback, which tops out near 500 req/s on this machine whatever the
server does, so its figures are a floor for the server alone. ``--load-time`` loads the demo county
into a fresh database as ``serve`` does and reports how long that took (bench/load_time.py).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "public_queries"
# The same answer from a bare Starlette + asyncpg app with hand-written SQL (bench/floor.py).
FLOOR_PATHS = {
    "public-power-detail": "/floor/power-detail",
    "public-case-status": "/floor/case-status",
    "public-power-page": "/floor/power-page",
}
SEED = 20261122

POWER_WITH_MAP = """
query PowerWithMap($code: String!) {
  power(code: $code) {
    code name categoryLabel promisedLimitDays statutoryLimitDays legalBasis
    fee { label }
    department { name }
    processMap { start nodes { key name post limitDays layer lane } edges { source target } }
  }
}
"""

PAGE_OF_POWERS = """
query PageOfPowers($after: String) {
  powers(first: 20, after: $after) {
    pageInfo { endCursor hasNextPage }
    nodes { code name categoryLabel department { name shortName } processMap { nodes { key name post } } }
  }
}
"""


@dataclass
class Scenario:
    name: str
    description: str
    make: Callable[[random.Random], dict[str, Any]]
    official: bool


@dataclass
class Inputs:
    """Real keys sampled from the demo county, so every request finds something."""

    codes: list[str]
    cursors: list[str | None]
    cases: list[tuple[str, str]]  # (case number, receipt query code)
    overdue_departments: list[str]
    people: list[tuple[str, str]]  # (name, ID number) of subsidy beneficiaries
    notices: list[tuple[str, str, str]]  # (village, fund code, period)
    townships: list[str]
    year: int


def doc(name: str) -> str:
    return (PUBLIC / f"{name}.graphql").read_text(encoding="utf-8")


OVERDUE = """
query Overdue($dept: String!) {
  overdueCases(departmentCode: $dept, first: 20) {
    nodes { caseNo stateLabel promisedDueOn applicantName power { name } }
  }
}
"""


def scenarios(i: Inputs) -> list[Scenario]:
    found = [
        Scenario(
            "power-by-code",
            "one power by code with its process map (graph)",
            lambda r: {"query": POWER_WITH_MAP, "variables": {"code": r.choice(i.codes)}},
            official=True,
        ),
        Scenario(
            "page-of-20",
            "a page of 20 powers with departments and steps",
            lambda r: {"query": PAGE_OF_POWERS, "variables": {"after": r.choice(i.cursors)}},
            official=True,
        ),
        Scenario(
            "public-power-page",
            "public document power_search, a page of 20 (the floor's page has fewer fields)",
            lambda r: {
                "query": doc("power_search"),
                "variables": {"first": 20, "after": r.choice(i.cursors)},
            },
            official=False,
        ),
        Scenario(
            "public-power-detail",
            "public document power_detail (all elements, map and SVG), anonymous",
            lambda r: {"query": doc("power_detail"), "variables": {"code": r.choice(i.codes)}},
            official=False,
        ),
    ]
    if i.cases:
        found.append(
            Scenario(
                "public-case-status",
                "public document case_status for random case numbers and their receipt codes",
                lambda r: {
                    "query": doc("case_status"),
                    "variables": dict(zip(("caseNo", "queryCode"), r.choice(i.cases), strict=True)),
                },
                official=False,
            )
        )
    if i.overdue_departments:
        found.append(
            Scenario(
                "overdue-list",
                "a department's 20 most overdue open cases (as discipline, any department)",
                lambda r: {"query": OVERDUE, "variables": {"dept": r.choice(i.overdue_departments)}},
                official=True,
            )
        )
    if i.people:
        found += [
            Scenario(
                "subsidy-lookup",
                "real-name lookup of a household's subsidies (0.15 s answer floor included)",
                lambda r: {
                    "query": doc("household_subsidies"),
                    "variables": dict(zip(("name", "idNumber"), r.choice(i.people), strict=True)),
                },
                official=False,
            ),
            Scenario(
                "village-notice-list",
                "a village's notice list for one fund and month, first 50",
                lambda r: {
                    "query": doc("notice_list"),
                    "variables": {
                        **dict(zip(("villageCode", "fundCode", "period"), r.choice(i.notices), strict=True)),
                        "first": 50,
                    },
                },
                official=False,
            ),
            Scenario(
                "township-aggregate",
                "a township's amounts and beneficiaries per fund, village and month for a year",
                lambda r: {
                    "query": doc("subsidy_aggregates"),
                    "variables": {
                        "year": i.year,
                        "townshipCode": r.choice(i.townships),
                        "byVillage": True,
                        "byMonth": True,
                    },
                },
                official=False,
            ),
        ]
    return found


async def drive(
    base: str,
    scenario: Scenario,
    headers: dict[str, str],
    seconds: float,
    concurrency: int,
    path: str = "/graphql",
) -> tuple[int, int, list[float]]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30, headers=headers) as client:

        async def worker(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.post(path, json=scenario.make(rng))
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or "errors" in response.json():
                    errors += 1

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return len(latencies), errors, latencies


def row(name: str, run: tuple[int, int, list[float]], seconds: float, ratio: str) -> str:
    count, errors, latencies = run
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    return f"{name:<22} {count:>9} {errors:>9} {count / seconds:>9.1f} {p50:>9.1f} {p99:>9.1f} {ratio:>9}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def sample_inputs(database_url: str) -> Inputs:
    from demo.cases import demo_query_code

    conn = await asyncpg.connect(database_url)
    try:
        codes = [r["code"] for r in await conn.fetch("SELECT code FROM powers WHERE status = 'published'")]
        cases = [
            (r["case_no"], demo_query_code(SEED, r["case_no"]))
            for r in await conn.fetch("SELECT case_no FROM cases TABLESAMPLE SYSTEM (5) LIMIT 2000")
        ]
        overdue = [
            r["code"]
            for r in await conn.fetch(
                "SELECT d.code FROM cases c JOIN departments d ON d.id = c.department_id"
                " WHERE c.completed_at IS NULL GROUP BY d.code"
            )
        ]
        people = [
            (r["name"], r["id_number"])
            for r in await conn.fetch(
                "SELECT m.name, m.id_number FROM payments p JOIN household_members m ON m.id = p.member_id"
                " WHERE p.year = 2026 ORDER BY p.id DESC LIMIT 2000"
            )
        ]
        notices = [
            (r["village_code"], r["code"], r["period"].isoformat())
            for r in await conn.fetch(
                "SELECT DISTINCT p.village_code, f.code, p.period FROM payments p"
                " JOIN funds f ON f.id = p.fund_id"
                " WHERE p.year = 2026 AND f.standard_unit LIKE '%month' AND f.disclosure = 'notice' LIMIT 500"
            )
        ]
        townships = [r["code"] for r in await conn.fetch("SELECT code FROM regions WHERE level = 2")]
    finally:
        await conn.close()
    # Cursors spread over the whole list: page 1 and page 150 should cost the same.
    cursors: list[str | None] = [None] + [
        base64.urlsafe_b64encode(f"v1:{code}".encode()).decode()
        for code in codes[:: max(1, len(codes) // 50)]
    ]
    return Inputs(codes, cursors, cases, overdue, people, notices, townships, 2026)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    return f"{system}, {cpu}, Python {platform.python_version()}"


def fuzz(examples: int) -> int:
    """The fuzz tests (tests/test_fuzz.py) at ``examples`` per document and form, and what every
    example was answered: the acceptance is no HTTP 5xx and no INTERNAL_ERROR."""
    report = ROOT / "bench" / "results" / "fuzz.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FUZZ_EXAMPLES": str(examples), "FUZZ_REPORT": str(report)}
    started = time.perf_counter()
    code = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz.py"],
        cwd=ROOT,
        env=env,
        check=False,
    ).returncode
    outcomes: dict[str, dict[str, int]] = json.loads(report.read_text()) if report.exists() else {}
    print(f"\nfuzz: {examples} examples per document and form, {time.perf_counter() - started:.0f} s")
    print(f"machine: {machine()}")
    print("| document | answers | HTTP 5xx | INTERNAL_ERROR | codes |\n|---|---:|---:|---:|---|")
    for document, counts in sorted(outcomes.items()):
        answers = sum(n for k, n in counts.items() if k.startswith("HTTP "))
        server_errors = sum(n for k, n in counts.items() if k.startswith("HTTP 5"))
        codes = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()) if not k.startswith("HTTP "))
        print(f"| {document} | {answers} | {server_errors} | {counts.get('INTERNAL_ERROR', 0)} | {codes} |")
    return code


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenario", action="append")
    parser.add_argument("--floor", action="store_true", help="also measure the bare floor for the hot paths")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="the older in-process httpx client instead of wrk beside PostGraphile v4 (bench/wrk.py); "
        "it tops out near 500 req/s whatever the server does",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--scale", type=float, default=1.0, help="demo county scale when loading (e.g. 0.1)")
    parser.add_argument("--parts", help="demo parts to load (cases,subsidies); default both")
    parser.add_argument(
        "--data-scale", type=float, default=1.0, help="cases and subsidies scale (e.g. 5 for ~10M payments)"
    )
    parser.add_argument(
        "--load-time",
        action="store_true",
        help="instead of timing requests: load the demo county into a fresh database as serve does, "
        "and report the time and the CPU it took",
    )
    parser.add_argument(
        "--fuzz",
        type=int,
        nargs="?",
        const=10_000,
        help="instead of timing: generated input for every public document (default 10000 each)",
    )
    args = parser.parse_args()
    if args.fuzz:
        return fuzz(args.fuzz)

    sys.path.insert(0, str(ROOT))
    import demo
    from api.auth import mint_dev_token
    from api.cli import database_url
    from api.settings import Settings
    from domain.viewer import Role

    env = {
        **os.environ,
        "SUNSHINE_DEV": "1",
        "PORT": str(args.port),
        "LOG_LEVEL": "WARNING",
        # one client sends every lookup here: lift the per-caller limits for the measurement
        "LOOKUPS_PER_CLIENT": "100000000",
        "LOOKUPS_PER_ID_NUMBER": "100000000",
        "ANONYMOUS_PER_MINUTE": "100000000",
        "CODE_ATTEMPTS_PER_DAY": "100000000",
    }
    settings = Settings.from_env(env)
    url = database_url(settings)  # starts the embedded server when DATABASE_URL is unset
    from db import migrate

    if args.load_time:
        from bench import load_time

        return load_time.run(url, seed=SEED, scale=args.scale, machine=machine())
    migrate.upgrade(url)
    print("loading the demo county (only what is missing) …", flush=True)
    parts = tuple(args.parts.split(",")) if args.parts else demo.PARTS
    started = time.perf_counter()
    loaded = asyncio.run(demo.load(url, seed=SEED, scale=args.scale, parts=parts, part_scale=args.data_scale))
    if loaded.get("cases") or loaded.get("payments"):
        print(
            f"demo county loaded in {time.perf_counter() - started:.1f} s (--load-time measures a fresh load)"
        )
    if not args.in_process:
        from bench import wrk

        token = mint_dev_token(settings, role=Role.DISCIPLINE, staff_no="bench")
        return wrk.run(args, url, env, token)
    server_env = {**env, "DATABASE_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--no-seed"], cwd=ROOT, env=server_env
    )
    floor_port = args.port + 1
    floor = (
        subprocess.Popen(
            [sys.executable, "-m", "bench.floor", str(floor_port), url], cwd=ROOT, env=server_env
        )
        if args.floor
        else None
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            print("服务未就绪", file=sys.stderr)
            return 1
        inputs = asyncio.run(sample_inputs(url))
        token = mint_dev_token(settings, role=Role.DISCIPLINE, staff_no="bench")
        print(f"machine: {machine()}")
        print(
            f"demo county: {len(inputs.codes)} published powers; "
            f"{args.concurrency} concurrent connections, {args.seconds:g} s each"
        )
        columns = ("requests", "errors", "req/s", "p50 ms", "p99 ms", "floor")
        print(f"{'scenario':<22} " + " ".join(f"{c:>9}" for c in columns))
        for scenario in scenarios(inputs):
            if args.scenario and scenario.name not in args.scenario:
                continue
            headers = {"Authorization": f"Bearer {token}"} if scenario.official else {}
            asyncio.run(drive(base, scenario, headers, min(2.0, args.seconds), args.concurrency))  # warm-up
            count, errors, latencies = asyncio.run(
                drive(base, scenario, headers, args.seconds, args.concurrency)
            )
            floor_run = None
            if floor is not None and scenario.name in FLOOR_PATHS:
                floor_base = f"http://127.0.0.1:{floor_port}"
                path = FLOOR_PATHS[scenario.name]
                asyncio.run(
                    drive(floor_base, scenario, headers, min(2.0, args.seconds), args.concurrency, path)
                )
                floor_run = asyncio.run(
                    drive(floor_base, scenario, headers, args.seconds, args.concurrency, path)
                )
            ratio = f"{count / floor_run[0]:.0%}" if floor_run and floor_run[0] else ""
            print(row(scenario.name, (count, errors, latencies), args.seconds, ratio))
            if floor_run is not None:
                print(row("  the floor", floor_run, args.seconds, ""))
        return 0
    finally:
        for process in (server, floor):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
