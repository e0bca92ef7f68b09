"""Codes that open one record to whoever holds them — a case's receipt query code, a complaint's
tracking code — and the bound on guessing them.

Attempts are counted per number across all callers before the code is checked (so that a burst of
concurrent guesses cannot slip past the count; an unknown number counts the same as a known one, so
a lock reveals nothing), ``ATTEMPTS_PER_DAY`` in any 24 hours. For a six-digit code that bounds an
attacker's chance of hitting a given code within a year at 20 × 365 / 10⁶ ≈ 0.7 %. While a number
is locked even the right code is refused: the bound is the point, and the holder can ask at the
service window. Every failure, and every refusal of a locked number, is answered no sooner
than ``FAILURE_FLOOR_S`` after it began, so neither the answer nor its timing tells an existing
number with a wrong code from a number that does not exist.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from db.ratelimit import Limiter
from domain.errors import DomainError, NotFound

ATTEMPTS_PER_DAY = 20  # the default of the CODE_ATTEMPTS_PER_DAY setting
DAY_S = 24 * 3600
FAILURE_FLOOR_S = 0.05

T = TypeVar("T")


class TooManyAttempts(DomainError):
    code = "TOO_MANY_ATTEMPTS"


@dataclass(frozen=True, slots=True)
class CodeGuard:
    """The bound for one deployment: its limiter and how many attempts a number has a day."""

    limiter: Limiter
    per_day: int = ATTEMPTS_PER_DAY

    async def open(self, *, kind: str, number: str, what: str, check: Callable[[], Awaitable[T]]) -> T:
        """Run ``check`` (which raises NotFound for a wrong code or an unknown number) under the
        bound for ``number`` of ``kind``; ``what`` names the number for people (办件编号, 投诉编号)."""
        started = time.perf_counter()
        key = f"attempts:{kind}:{number.strip()[:64]}"
        verdict = await self.limiter.hit(key, limit=self.per_day, window_s=DAY_S)
        if not verdict.allowed:
            await _floor(started)
            raise TooManyAttempts(
                f"该{what}近 24 小时内查询码错误次数过多，已暂停网上查询；请稍后再试，"
                "或携带身份证件和回执到办事窗口查询",
                retry_after=verdict.retry_after_s,
            )
        try:
            return await check()
        except NotFound:
            await _floor(started)
            raise


async def _floor(started: float) -> None:
    await asyncio.sleep(max(0.0, FAILURE_FLOOR_S - (time.perf_counter() - started)))
