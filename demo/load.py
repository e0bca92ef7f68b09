"""Loading the demo county into a database: the calendar, the county, then the parts asked for.

The parts (a year of cases, three years of subsidies with their red flags) are independent, and
generating them is Python's work, which one process does on one core: asked for more than one,
each loads in a process of its own, side by side, each in its own transaction, and their progress
is told here as it comes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Sequence
from datetime import date
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue
from typing import Any

import asyncpg

from db import bulk, calendar
from demo.cases import CHECKED_AT_THE_END, seed_cases
from demo.cases import TABLES as CASE_TABLES
from demo.foundation import seed_foundation
from demo.progress import Progress, quiet
from demo.subsidies import seed_subsidies
from services import red_flags

PARTS = ("cases", "subsidies")

# Each part loads only into a database without it; this is how each tells (see its seed_*).
_PRESENT = {
    "cases": "SELECT EXISTS (SELECT 1 FROM cases)",
    "subsidies": "SELECT EXISTS (SELECT 1 FROM funds)",
}

# The tables each part fills that its bulk load has not analysed already (demo.bulk_load), analysed
# once it is in (the subsidies' statistics are rebuilt at the end of their load). Only these: an
# empty table analysed as empty is planned as empty for good, which a later load into it would pay
# for.
_LOADED = {
    "cases": tuple(table for table in CASE_TABLES if table not in CHECKED_AT_THE_END),
    "subsidies": ("subsidy_aggregates",),
}


async def load(
    url: str,
    *,
    seed: int,
    scale: float,
    parts: Sequence[str] = (),
    part_scale: float | None = None,
    progress: Progress = quiet,
) -> dict[str, int]:
    """The calendar and the demo county (powers, departments, maps), then the named ``parts``
    (a year of cases, three years of subsidies), each only into an empty database; ``progress``
    hears how far each part has come."""
    conn = await asyncpg.connect(url)
    try:
        counts = await calendar.load_directory(conn)
        counts.update(await seed_foundation(conn, seed=seed, scale=scale))
    finally:
        await conn.close()
    if len(parts) == 1:
        counts.update(await load_part(url, parts[0], seed=seed, scale=part_scale or scale, progress=progress))
    elif parts:
        counts.update(
            await _side_by_side(url, parts, seed=seed, scale=part_scale or scale, progress=progress)
        )
    return counts


async def load_part(
    url: str, part: str, *, seed: int, scale: float, progress: Progress = quiet
) -> dict[str, int]:
    """One part into a database that has the county, with fresh statistics for its tables; the
    subsidies come with the inspectors' starting point, the red flags over the three years."""
    loader = {"cases": seed_cases, "subsidies": seed_subsidies}[part]
    conn = await asyncpg.connect(url)
    try:
        counts = await loader(conn, seed=seed, scale=scale, progress=progress)
        if counts:
            await bulk.analyze(conn, tables=_LOADED[part])
    finally:
        await conn.close()
    if counts.get("payments"):
        progress("red flags", 0, 1)
        # A connection a core: each rule reads millions of payments on its own.
        pool = await asyncpg.create_pool(url, min_size=1, max_size=os.cpu_count() or 1)
        try:
            flags = await red_flags.run_side_by_side(pool, since=date(2024, 1, 1), until=date(2026, 11, 20))
        finally:
            await pool.close()
        progress("red flags", 1, 1)
        counts["red-flag alerts"] = flags.total
    return counts


async def _side_by_side(
    url: str, parts: Sequence[str], *, seed: int, scale: float, progress: Progress
) -> dict[str, int]:
    """Each of ``parts`` in a process of its own; their progress told to ``progress`` here. A part
    that fails fails the load (the others end too: each is one transaction, nothing half done)."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or loops copied
    told: Queue[tuple[Any, ...]] = context.Queue()
    processes = [
        context.Process(
            target=_part_process, args=(url, part, seed, scale, told, os.getpid()), name=f"demo-{part}"
        )
        for part in parts
    ]
    for process in processes:
        process.start()
    counts: dict[str, int] = {}
    try:
        waiting = set(parts)
        while waiting:
            message = await asyncio.to_thread(_next_message, told, processes)
            match message:
                case ("progress", str(what), int(done), int(total)):
                    progress(what, done, total)
                case ("loaded", str(part), dict(loaded)):
                    counts.update(loaded)
                    waiting.discard(part)
                case ("failed", str(part), str(reason)):
                    raise RuntimeError(f"示范数据 {part} 载入失败：{reason}")
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    return counts


def _next_message(told: Queue[tuple[Any, ...]], processes: list[SpawnProcess]) -> tuple[Any, ...]:
    """The next thing a part's process tells, or its death if it died without a word."""
    while True:
        try:
            return told.get(timeout=0.5)
        except queue.Empty:
            for process in processes:
                if process.exitcode not in (None, 0):
                    return ("failed", process.name, f"进程退出码 {process.exitcode}")


def _part_process(
    url: str, part: str, seed: int, scale: float, told: Queue[tuple[Any, ...]], parent: int
) -> None:
    """A part's process: loads it, telling ``told`` how far it has come and how it ended."""
    _end_with(parent)
    try:
        counts = asyncio.run(
            load_part(
                url, part, seed=seed, scale=scale, progress=lambda *report: told.put(("progress", *report))
            )
        )
    except Exception as error:
        told.put(("failed", part, f"{type(error).__name__}: {error}"))
        raise
    told.put(("loaded", part, counts))


def _end_with(parent: int) -> None:
    """End this process when ``parent`` has gone, however it went: a part must not go on loading
    for a load that was stopped (its connection closes and its transaction rolls back)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


async def missing_parts(url: str, parts: Sequence[str] = PARTS) -> tuple[str, ...]:
    """Those of ``parts`` the database does not hold yet: what a load would still load."""
    conn = await asyncpg.connect(url)
    try:
        return tuple([part for part in parts if not await conn.fetchval(_PRESENT[part])])
    finally:
        await conn.close()
