"""Rate limits as a sliding window (the ``limits`` library's sliding-window counter), counted in
this process or, with REDIS_URL, in Redis so that every process of the service shares them.

A sliding window has no minute boundary at which a caller can spend two budgets back to back, as a
fixed window allows.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until the window has room again (for Retry-After and RateLimit headers)

    @property
    def retry_after_s(self) -> int:
        return 0 if self.allowed else max(1, self.reset_s)


class Limiter:
    """Budgets by key: ``hit`` spends ``cost`` units of ``limit`` per ``window_s`` seconds when
    they are there."""

    def __init__(self, storage: Storage, *, prefix: str = "") -> None:
        self._storage = storage
        self._strategy = SlidingWindowCounterRateLimiter(storage)
        self._prefix = prefix

    async def hit(self, key: str, *, limit: int, window_s: int, cost: int = 1) -> Verdict:
        item = _item(limit, window_s)
        allowed = await self._strategy.hit(item, self._prefix + key, cost=cost)
        return await self._verdict(item, key, allowed)

    async def _verdict(self, item: RateLimitItem, key: str, allowed: bool) -> Verdict:
        stats = await self._strategy.get_window_stats(item, self._prefix + key)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, item.amount, max(0, stats.remaining), reset)

    async def close(self) -> None:
        """Let go of the storage's connection (Redis) or its expiry task (memory)."""
        if isinstance(self._storage, RedisStorage):
            client = getattr(self._storage.bridge, "storage", None)  # the redis-py client it made
            if client is not None:
                await client.aclose()
        elif isinstance(self._storage, MemoryStorage) and self._storage.timer is not None:
            self._storage.timer.cancel()


@functools.lru_cache(maxsize=256)
def _item(limit: int, window_s: int) -> RateLimitItem:
    return RateLimitItemPerSecond(limit, window_s)


def make_limiter(redis_url: str | None, *, prefix: str = "") -> Limiter:
    if redis_url:
        uri = redis_url.replace("redis://", "async+redis://", 1).replace("rediss://", "async+rediss://", 1)
        return Limiter(RedisStorage(uri, implementation="redispy", key_prefix="sunshine"), prefix=prefix)
    return Limiter(MemoryStorage(), prefix=prefix)
