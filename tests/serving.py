"""The real server as a process of its own (``sunshine serve``), for what only a real server shows:
signals, uvicorn's options, the address a request comes from."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    process: asyncio.subprocess.Process
    client: httpx.AsyncClient


@asynccontextmanager
async def serving(database_url: str | None, data_dir: Path, **env: str) -> AsyncIterator[Served]:
    """``serve --no-seed`` on a free port, ready (``/readyz`` 200) when the body starts; killed
    at the end if it still runs. Without ``database_url``, on its embedded server in ``data_dir``."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}},
        **({"DATABASE_URL": database_url} if database_url else {}),
        "PORT": str(port),
        "SUNSHINE_DEV": "1",
        "SUNSHINE_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        "serve",
        "--no-seed",
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: workers and helpers end with it
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(600):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the server did not become ready")
            yield Served(process, client)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
