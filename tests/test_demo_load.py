"""The demo county's background load under ``serve``: progress and completion in the serve log,
``/readyz`` saying whether it is done, and no load announced when there is nothing to load."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from tests.conftest import ROOT
from tests.serving import free_port

SCALE = "0.02"  # a small county loads in seconds


@asynccontextmanager
async def serve_with_demo(database_url: str, data_dir: Path, log: Path) -> AsyncIterator[httpx.AsyncClient]:
    """``serve`` with its demo load (stdout and stderr into ``log``), until it answers; ended
    with SIGTERM at the end."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}},
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "SUNSHINE_DEV": "1",
        "SUNSHINE_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "INFO",
    }
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "api.cli", "serve", "--scale", SCALE),
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=out,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(1200):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the server did not become ready")
            yield client
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)


async def demo_states(client: httpx.AsyncClient) -> list[str]:
    """What /readyz says of the demo, each time it changes, until it is no longer loading."""
    states: list[str] = []
    for _ in range(3000):
        state = (await client.get("/readyz")).json()["demo"]
        if not states or states[-1] != state:
            states.append(state)
        if state != "loading":
            return states
        await asyncio.sleep(0.1)
    raise AssertionError(f"the demo still loads: {states}")


async def test_readyz_says_no_demo_of_an_app_serve_did_not_start(client: httpx.AsyncClient) -> None:
    answer = await client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["demo"] == "none"


async def test_serve_reports_the_loads_progress_and_end_and_announces_no_load_with_nothing_to_load(
    server_fresh_empty: str, tmp_path: Path
) -> None:
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    async with serve_with_demo(server_fresh_empty, tmp_path, first_log) as client:
        assert await demo_states(client) == ["loading", "complete"]
        for _ in range(100):  # the end is told once the loader has gone
            if "示范数据已全部载入" in first_log.read_text(encoding="utf-8"):
                break
            await asyncio.sleep(0.1)
    text = first_log.read_text(encoding="utf-8")
    assert "办件与惠民资金示范数据正在后台载入" in text
    assert "示范数据已全部载入" in text
    for label in ("办件", "户籍（户）", "补助发放（月）", "疑点规则"):
        assert f"示范数据载入中：{label}" in text, label
    progress = [
        json.loads(line)
        for line in text.splitlines()
        if line.startswith("{") and '"demo load progress"' in line
    ]
    parts = {p["part"] for p in progress}
    assert parts == {"cases", "households", "payment months", "red flags"}
    for part in parts:  # each part reported as it went, and reached its end
        done = [(p["done"], p["total"]) for p in progress if p["part"] == part]
        assert done == sorted(done) and done[-1][0] == done[-1][1], (part, done)

    async with serve_with_demo(server_fresh_empty, tmp_path, second_log) as client:
        assert (await client.get("/readyz")).json()["demo"] == "complete"
    again = second_log.read_text(encoding="utf-8")
    assert "示范数据已在数据库中，无需载入" in again
    assert "正在后台载入" not in again and "示范数据载入中" not in again
