"""Graceful shutdown: on SIGTERM the real server finishes the request in flight, then exits."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from api.settings import Settings
from tests.serving import serving

HEAVY = """
{ powers(first: 100) { nodes { code department { name } materials { name }
  processMap { svg nodes { key riskPoints { level measures { description } } } } } } }
"""


async def test_sigterm_lets_the_request_in_flight_finish(
    fresh_db: str, settings: Settings, token: Callable[..., str]
) -> None:
    async with serving(fresh_db, settings.data_dir) as served:
        request = asyncio.create_task(
            served.client.post(
                "/graphql",
                json={"query": HEAVY},
                headers={"Authorization": f"Bearer {token('discipline')}"},
            )
        )
        await asyncio.sleep(0.05)  # the request is being served
        served.process.send_signal(signal.SIGTERM)
        response = await request
        assert response.status_code == 200
        assert len(response.json()["data"]["powers"]["nodes"]) == 100
        # uvicorn re-raises the signal it caught once shutdown is complete
        assert await asyncio.wait_for(served.process.wait(), 30) == -signal.SIGTERM
