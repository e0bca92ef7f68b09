"""``serve --workers N``: several processes on one port answering as one, their budgets shared
through Redis; without Redis more than one process is refused with the reason."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import orjson

from tests.serving import ROOT, serving

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BUDGET = 6  # units a minute; Regions costs 1


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


async def test_two_workers_answer_on_one_port_and_share_one_budget(shared_db: str, tmp_path: Path) -> None:
    key = uuid.uuid4().hex  # a client of this test's own: its budget starts empty in Redis
    clients = [{"key": key, "name": f"workers-{key[:8]}", "kind": "site", "per_minute": BUDGET}]
    async with serving(
        shared_db,
        tmp_path / "data",
        WEB_CONCURRENCY="2",
        REDIS_URL=REDIS,
        CLIENT_KEYS=orjson.dumps(clients).decode(),
    ) as served:
        assert len(children(served.process.pid)) >= 2  # the workers (and nothing is served by one alone)
        statuses = []
        for _ in range(BUDGET + 4):
            # A new connection each time, so the kernel hands them to either worker.
            async with httpx.AsyncClient(base_url=served.client.base_url, timeout=30) as fresh:
                answer = await fresh.get("/public/Regions", headers={"X-Client-Key": key})
            statuses.append(answer.status_code)
        ready = (await served.client.get("/readyz")).json()
    # One budget for both processes: with one each, up to twice as many would have passed.
    assert statuses.count(200) == BUDGET and statuses[BUDGET:] == [429] * 4, statuses
    assert ready["demo"] == "none"


async def test_more_than_one_worker_without_redis_is_refused_with_the_reason(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "WEB_CONCURRENCY"}}
    refused = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "api.cli", "serve", "--no-seed", "--workers", "2"],
        cwd=ROOT,
        env={**environment, "SUNSHINE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "REDIS_URL" in refused.stderr and "2 个工作进程" in refused.stderr
