"""Faults: the embedded database dies and comes back without restarting the API, and answers
meanwhile are coded; a loader started by ``serve`` never outlives it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx

from tests.serving import ROOT, serving

REGIONS = (ROOT / "public_queries" / "regions.graphql").read_text(encoding="utf-8")


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])


async def test_a_killed_embedded_database_is_started_again_and_readiness_follows(tmp_path: Path) -> None:
    async with serving(None, tmp_path) as served:
        first = postmaster_pid(tmp_path)
        os.kill(first, signal.SIGKILL)
        answers: list[httpx.Response] = []
        for _ in range(300):  # up to a minute: a loaded machine restarts PostgreSQL slowly
            ready = await served.client.get("/readyz")
            answers.append(await served.client.post("/graphql", json={"query": REGIONS}))
            answers.append(await served.client.get("/open-data/powers.jsonl"))
            if ready.status_code == 200 and postmaster_pid(tmp_path) != first:
                break
            await asyncio.sleep(0.2)
        assert ready.status_code == 200, ready.text
        assert served.process.returncode is None  # the same API process throughout
        for response in answers:
            assert response.status_code in (200, 503), response.text
            if response.status_code == 503 or "errors" in response.text[:20]:
                codes = {e["extensions"]["code"] for e in response.json()["errors"]}
                assert codes == {"DATABASE_UNAVAILABLE"}, response.text
        after = await served.client.post("/graphql", json={"query": REGIONS})
        assert after.json() == {"data": {"regions": []}}  # an empty county, answered again


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_a_loader_started_by_serve_ends_when_serve_is_killed(
    server_fresh_empty: str, tmp_path: Path
) -> None:
    # A shell stands in for `serve`: it starts the loader as serve does, naming itself, says the
    # loader's pid, then is killed outright, with no chance to stop its child.
    log = tmp_path / "loader.log"
    loader = f"{sys.executable} -m api.cli seed --only cases --exit-with $$ >{log} 2>&1"
    parent = await asyncio.create_subprocess_shell(
        f"{loader} & echo $!; wait",
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": server_fresh_empty, "LOG_LEVEL": "WARNING"},
        stdout=asyncio.subprocess.PIPE,
    )
    assert parent.stdout is not None
    child = int(await parent.stdout.readline())
    try:
        await asyncio.sleep(3)  # the loader is generating the county and a year of its cases
        assert alive(child), log.read_text()
        parent.kill()
        await parent.wait()
        for _ in range(150):
            if not alive(child):
                break
            await asyncio.sleep(0.1)
        assert not alive(child), "the loader outlived serve"
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)
