"""Who has just written, and how far the primary's log had come when they had (api/replica.py
sends a writer's reads to the primary until the replica has replayed that far)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as redis


class WriterLog(Protocol):
    """Each recent writer's last log position. A ``shared`` log is read by every process of the
    service, and also keeps the latest position written by anyone and the latest a process has
    seen the replica replay (a process's own log needs neither)."""

    shared: bool

    async def get(self, writer: str) -> int | None: ...

    async def put(self, writer: str, lsn: int, *, ttl_s: float) -> None: ...

    async def fence(self) -> tuple[int, int]:
        """The latest position written, and the latest seen replayed (0: none lately)."""
        ...

    async def replayed(self, lsn: int, *, ttl_s: float) -> None:
        """The replica has been seen to have replayed ``lsn``."""
        ...

    async def close(self) -> None: ...


class MemoryWriterLog:
    """One process's writers (no REDIS_URL: the service runs a single process)."""

    shared = False

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, tuple[int, float]] = {}
        self._clock = clock

    async def get(self, writer: str) -> int | None:
        entry = self._entries.get(writer)
        if entry is None or entry[1] < self._clock():
            return None
        return entry[0]

    async def fence(self) -> tuple[int, int]:
        return 0, 0  # not shared: this process asks its own writers, at no cost

    async def replayed(self, lsn: int, *, ttl_s: float) -> None:
        return None

    async def put(self, writer: str, lsn: int, *, ttl_s: float) -> None:
        now = self._clock()
        if len(self._entries) > 10_000:  # writers come and go: drop the expired now and then
            self._entries = {k: v for k, v in self._entries.items() if v[1] >= now}
        kept = self._entries.get(writer)
        self._entries[writer] = (max(lsn, kept[0] if kept else 0), now + ttl_s)

    async def close(self) -> None:
        return None


# Keep the larger of the stored and the given position in each of KEYS, for ARGV[2] ms: positions
# are zero-padded, so text order is number order, and two processes recording at once never put
# an older position back.
_PUT_MAX = """
for _, key in ipairs(KEYS) do
  local kept = redis.call('GET', key)
  if not kept or kept < ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
  else
    redis.call('PEXPIRE', key, ARGV[2])
  end
end
"""


class RedisWriterLog:
    """Writers shared by every process of the service (``serve --workers N``)."""

    shared = True

    def __init__(self, url: str, *, prefix: str = "sunshine") -> None:
        self._client = redis.Redis.from_url(url)
        self._put = self._client.register_script(_PUT_MAX)
        self._prefix = prefix
        self._written, self._replayed = f"{prefix}:latest-write", f"{prefix}:latest-replayed"

    async def get(self, writer: str) -> int | None:
        value = await self._client.get(self._key(writer))
        return None if value is None else int(value)

    async def put(self, writer: str, lsn: int, *, ttl_s: float) -> None:
        await self._put(keys=[self._key(writer), self._written], args=[f"{lsn:020d}", int(ttl_s * 1000)])

    async def fence(self) -> tuple[int, int]:
        written, replayed = await self._client.mget(self._written, self._replayed)
        return int(written or 0), int(replayed or 0)

    async def replayed(self, lsn: int, *, ttl_s: float) -> None:
        await self._put(keys=[self._replayed], args=[f"{lsn:020d}", int(ttl_s * 1000)])

    def _key(self, writer: str) -> str:
        return f"{self._prefix}:wrote:{writer}"

    async def close(self) -> None:
        await self._client.aclose()


def make_writer_log(redis_url: str | None) -> WriterLog:
    return RedisWriterLog(redis_url) if redis_url else MemoryWriterLog()
