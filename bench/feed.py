"""The live feed under load: N concurrent WebSocket subscribers on one server process.

Starts ``serve --no-seed --workers 1`` on ``DATABASE_URL`` (a migrated database; the demo county
or an empty one), opens ``--subscribers`` graphql-transport-ws connections as discipline (each its
own token subject, so the per-client limits do not bind), subscribes each to ``supervisionFeed``,
then commits one event a ``--interval`` for ``--seconds`` (a complaint inserted by SQL, as any
writer would) and records, for every subscriber, the time from that commit's return to the
event's arrival. The server's resident memory is sampled every 10 s. The client runs on the same
machine and cores as the server and PostgreSQL, so its own parsing is part of the latency.

    DATABASE_URL=postgresql://…/sunshine_bench .venv/bin/python -m bench.feed --subscribers 1000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from api.auth import mint_dev_token
from api.settings import Settings
from bench.wrk import wait_ready
from domain.viewer import Role

ROOT = Path(__file__).resolve().parent.parent
FEED = "subscription Bench { supervisionFeed { cursor complaint { trackingNo } } }"
INSERT = """INSERT INTO complaints (tracking_no, tracking_code_hash, idempotency_key, kind, about, about_ref,
            content, department_id, submitted_at, accept_due_on)
            SELECT $1, '\\x00', $1, 'complaint', 'department', code, '大屏压测：窗口多次要求补交材料', id,
                   now(), current_date + 5
            FROM departments ORDER BY id LIMIT 1"""


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def subscriber(url: str, token: str, arrivals: dict[str, list[float]], ready: asyncio.Event) -> None:
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")], open_timeout=60) as ws:
        await send(ws, {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": FEED}})
        ready.set()
        async for text in ws:
            message: dict[str, Any] = orjson.loads(text)
            if message["type"] == "ping":
                await send(ws, {"type": "pong"})
            elif message["type"] == "next":
                tracking = message["payload"]["data"]["supervisionFeed"]["complaint"]["trackingNo"]
                arrivals.setdefault(tracking, []).append(time.monotonic())


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(message).decode())


async def measure(args: argparse.Namespace, database_url: str, port: int, pid: int, data_dir: Path) -> int:
    settings = replace(Settings(), dev=True, data_dir=data_dir)
    url = f"ws://127.0.0.1:{port}/graphql"
    arrivals: dict[str, list[float]] = {}
    readies = [asyncio.Event() for _ in range(args.subscribers)]
    tasks = []
    opened = time.monotonic()
    for ready in readies:
        token = mint_dev_token(settings, role=Role.DISCIPLINE, staff_no=f"BENCH-{uuid.uuid4().hex[:8]}")
        tasks.append(asyncio.create_task(subscriber(url, token, arrivals, ready)))
        await asyncio.sleep(0.002)  # a ramp, not a thundering herd of handshakes
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    await asyncio.sleep(1)
    print(f"{args.subscribers} subscribers connected in {time.monotonic() - opened:.1f} s", flush=True)
    committed: dict[str, float] = {}
    memory: list[tuple[float, int]] = [(0.0, rss_kb(pid))]
    conn = await asyncpg.connect(database_url)
    started = time.monotonic()
    next_sample = 10.0
    try:
        while time.monotonic() - started < args.seconds:
            tracking = f"BENCH{uuid.uuid4().hex[:12]}"
            await conn.execute(INSERT, tracking)
            committed[tracking] = time.monotonic()
            elapsed = time.monotonic() - started
            if elapsed >= next_sample:
                memory.append((elapsed, rss_kb(pid)))
                next_sample += 10
            await asyncio.sleep(args.interval)
        await asyncio.sleep(3)  # the last events arrive
    finally:
        await conn.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    memory.append((time.monotonic() - started, rss_kb(pid)))
    latencies = sorted(
        (arrival - committed[tracking]) * 1000
        for tracking, times in arrivals.items()
        if tracking in committed
        for arrival in times
    )
    expected = len(committed) * args.subscribers
    missing = expected - len(latencies)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(
        f"events committed: {len(committed)}; deliveries: {len(latencies)} of {expected} (missing {missing})"
    )
    print(
        f"commit → arrival ms: p50 {quantiles[49]:.0f}, p90 {quantiles[89]:.0f}, p99 {quantiles[98]:.0f}, "
        f"max {latencies[-1] if latencies else 0:.0f}"
    )
    print("server RSS (MiB) by second: " + ", ".join(f"{t:.0f}s {kb / 1024:.0f}" for t, kb in memory))
    return 0 if missing == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between committed events")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        print("DATABASE_URL is required (a migrated database)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="sunshine-feed-bench-") as data:
        env = {
            **os.environ,
            "PORT": str(args.port),
            "SUNSHINE_DEV": "1",
            "SUNSHINE_DATA_DIR": data,
            "LOG_LEVEL": "WARNING",
            "WS_CONNECTIONS_PER_CLIENT": "2",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--no-seed", "--workers", "1"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{args.port}"
            wait_ready(lambda: httpx.get(f"{base}/readyz", timeout=2).status_code == 200, "Sunshine", server)
            # One worker is served by serve's own process.
            return asyncio.run(measure(args, database_url, args.port, server.pid, Path(data)))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)


if __name__ == "__main__":
    raise SystemExit(main())
