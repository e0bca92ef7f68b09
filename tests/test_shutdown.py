"""Graceful shutdown: on SIGTERM the real server finishes the request in flight, then exits."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HEAVY = """
{ powers(first: 100) { nodes { code department { name } materials { name }
  processMap { svg nodes { key riskPoints { level measures { description } } } } } } }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_sigterm_lets_the_request_in_flight_finish(
    fresh_db: str, settings: Settings, token: Callable[..., str]
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_db,
        "PORT": str(port),
        "SUNSHINE_DEV": "1",
        "SUNSHINE_DATA_DIR": str(settings.data_dir),
        "LOG_LEVEL": "WARNING",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", "serve", "--no-seed", cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(100):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            request = asyncio.create_task(
                client.post(
                    "/graphql",
                    json={"query": HEAVY},
                    headers={"Authorization": f"Bearer {token('discipline')}"},
                )
            )
            await asyncio.sleep(0.05)  # the request is being served
            server.send_signal(signal.SIGTERM)
            response = await request
        assert response.status_code == 200
        assert len(response.json()["data"]["powers"]["nodes"]) == 100
        # uvicorn re-raises the signal it caught once shutdown is complete
        assert await asyncio.wait_for(server.wait(), 30) == -signal.SIGTERM
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
