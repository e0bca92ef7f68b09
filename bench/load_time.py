"""How long the demo county takes to load, as ``serve`` loads it (``python3 dev.py bench --load-time``).

On a database of its own beside the bench's (``<its name>_load_time_<pid>``, made fresh, migrated,
dropped at the end), it runs the loader ``serve`` starts in the background (``sunshine seed``, every
part) and reports the time to the end, when each part was in, and the CPU the loader's processes
and PostgreSQL's backends spent: on a shared machine the wall time depends on who else runs, the
CPU much less. The load average before and after says how busy the machine was.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from api.embedded import with_database
from bench.wrk import cpu_of

ROOT = Path(__file__).resolve().parent.parent
# The progress each part reports last (demo/progress.py): the part is in when it reaches its total.
PART_ENDS = {"cases": "cases", "payment months": "subsidies", "red flags": "red flags"}


def run(url: str, *, seed: int, scale: float, machine: str) -> int:
    fresh = with_database(url, f"{_name(url)}_load_time_{os.getpid()}")
    asyncio.run(_admin(url, f'CREATE DATABASE "{_name(fresh)}"'))
    try:
        env = {**os.environ, "DATABASE_URL": fresh, "LOG_LEVEL": "INFO"}
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "api.cli", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        migrated = time.perf_counter() - started
        load_before = os.getloadavg()
        return _measure(
            fresh, env, seed=seed, scale=scale, migrated=migrated, machine=machine, load_before=load_before
        )
    finally:
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{_name(fresh)}" WITH (FORCE)'))


def _measure(
    fresh: str,
    env: dict[str, str],
    *,
    seed: int,
    scale: float,
    migrated: float,
    machine: str,
    load_before: tuple[float, float, float],
) -> int:
    backends = _BackendCpu(fresh)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    loader = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "seed", "--seed", str(seed), "--scale", str(scale)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    backends.start()
    ends: dict[str, float] = {}
    for raw in loader.stdout or ():
        line = raw.decode("utf-8", "replace")
        if not line.startswith("{") or '"demo load progress"' not in line:
            continue
        report = json.loads(line)
        part = PART_ENDS.get(report.get("part"))
        if part and report["done"] == report["total"]:
            ends.setdefault(part, time.perf_counter() - started)
    code = loader.wait()
    wall = time.perf_counter() - started
    postgres = backends.stop()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    loader_cpu = (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    if code:
        print(f"the demo load failed (exit code {code})", file=sys.stderr)
        return code
    print(f"machine: {machine}")
    print(f"load average before: {_load(load_before)}; after: {_load(os.getloadavg())}")
    print(f"demo county at scale {scale:g} (seed {seed}), loaded as serve loads it (sunshine seed):")
    print(f"  migrations            {migrated:6.1f} s (before the load; not counted)")
    for part in ("cases", "subsidies", "red flags"):
        if part in ends:
            print(f"  {part + ' in':<21} {ends[part]:6.1f} s")
    print(f"  demo load time        {wall:6.1f} s")
    print(f"  CPU: loader {loader_cpu:.1f} s (its processes), PostgreSQL {postgres:.1f} s (its backends)")
    return 0


class _BackendCpu:
    """The CPU of every PostgreSQL backend of one database, sampled while the load runs (a
    backend's CPU is read while it lives; the last half second of one that ends may be missed)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._seen: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="backend-cpu", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return sum(self._seen.values())

    def _watch(self) -> None:
        asyncio.run(self._sample())

    async def _sample(self) -> None:
        conn = await asyncpg.connect(with_database(self._url, "postgres"))
        try:
            while not self._done.is_set():
                rows = await conn.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1", _name(self._url)
                )
                for row in rows:
                    cpu = cpu_of(row["pid"])
                    self._seen[row["pid"]] = max(self._seen.get(row["pid"], 0.0), cpu)
                await asyncio.sleep(0.5)
        finally:
            await conn.close()


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(with_database(url, "postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _load(average: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in average)
