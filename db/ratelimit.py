"""Fixed-window rate limits, counted in this process or, with REDIS_URL, in Redis so that every
process of the service shares them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after_s: int


class Limiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_s: int, cost: int = 1) -> Verdict: ...

    async def close(self) -> None: ...


class MemoryLimiter:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, count)

    async def hit(self, key: str, *, limit: int, window_s: int, cost: int = 1) -> Verdict:
        now = time.time()
        window = int(now // window_s)
        current_window, count = self._counts.get(key, (window, 0))
        if current_window != window:
            count = 0
        if count + cost > limit:
            self._counts[key] = (window, count)
            return Verdict(False, max(1, int((window + 1) * window_s - now)))
        self._counts[key] = (window, count + cost)
        if len(self._counts) > 100_000:  # forget finished windows now and then
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        return Verdict(True, 0)

    async def close(self) -> None:
        return None


class RedisLimiter:
    def __init__(self, url: str, *, prefix: str = "sunshine:rl:") -> None:
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    async def hit(self, key: str, *, limit: int, window_s: int, cost: int = 1) -> Verdict:
        now = time.time()
        window = int(now // window_s)
        name = f"{self._prefix}{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(name, cost)
            pipe.expire(name, window_s + 1)
            count, _ = await pipe.execute()
        if int(count) > limit:
            return Verdict(False, max(1, int((window + 1) * window_s - now)))
        return Verdict(True, 0)

    async def close(self) -> None:
        await self._redis.aclose()


def make_limiter(redis_url: str | None) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else MemoryLimiter()
