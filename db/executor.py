"""What the data functions run their SQL on.

An ``asyncpg.Pool`` (one connection per statement, so concurrent DataLoader batches do not queue
behind each other), an ``asyncpg.Connection`` (inside a transaction) and :class:`CountingExecutor`
all fit.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# One connection, for work that needs a transaction: a plain one or one lent by a pool.
Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy

# What a statement raises when the database is away (stopped, restarting, killed, unreachable)
# rather than when the statement is wrong: the caller should try again soon, nothing is broken.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # A connection the server dropped mid-statement can be left in a state asyncpg refuses to
    # reuse ("cannot switch to state …"); the pool replaces it.
    asyncpg.InternalClientError,
)


async def keep_session(conn: asyncpg.Connection) -> None:
    """A pool's ``reset``: nothing beyond what asyncpg always does on release (roll back an open
    transaction, drop listeners).

    asyncpg's default reset sends ``RESET ALL; UNLISTEN *; CLOSE ALL; …`` to the server every time
    a connection goes back to the pool: a round trip per statement, most of a small read's cost.
    The service leaves nothing in a session to reset: settings are the connection's start-up
    parameters, locks are transaction-level (``pg_advisory_xact_lock``), cursors live inside a
    transaction, and the one LISTEN has a connection of its own outside the pool."""


class Executor(Protocol):
    async def fetch(self, query: str, *args: Any, timeout: float | None = None) -> list[asyncpg.Record]: ...

    async def fetchrow(
        self, query: str, *args: Any, timeout: float | None = None
    ) -> asyncpg.Record | None: ...

    async def fetchval(
        self, query: str, *args: Any, column: int = 0, timeout: float | None = None
    ) -> Any: ...

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str: ...


class CountingExecutor:
    """Runs statements on a pool and counts them: one per request, so the log line of a request
    and the constant-query tests can say how many statements it took."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.statements = 0

    async def fetch(self, query: str, *args: Any, timeout: float | None = None) -> list[asyncpg.Record]:
        self.statements += 1
        return await self._pool.fetch(query, *args, timeout=timeout)

    async def fetchrow(self, query: str, *args: Any, timeout: float | None = None) -> asyncpg.Record | None:
        self.statements += 1
        return await self._pool.fetchrow(query, *args, timeout=timeout)

    async def fetchval(self, query: str, *args: Any, column: int = 0, timeout: float | None = None) -> Any:
        self.statements += 1
        return await self._pool.fetchval(query, *args, column=column, timeout=timeout)

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        self.statements += 1
        return await self._pool.execute(query, *args, timeout=timeout)
