"""Positions in the write-ahead log of a primary and of a streaming replica, as byte offsets
(comparable integers): what read routing needs to tell whether a replica has a given commit."""

from __future__ import annotations

from db.executor import Executor
from db.queries import load

Q = load("replication")


async def get_current_lsn(db: Executor, *, timeout: float | None = None) -> int:
    """The primary's log position now: at or past every commit made before the call."""
    lsn: int = await db.fetchval(Q.get_current_lsn, timeout=timeout)
    return lsn


async def get_replay_lsn(db: Executor, *, timeout: float | None = None) -> int | None:
    """How far a replica has replayed its primary's log; None when the server is not a replica
    (never was, or was promoted)."""
    lsn: int | None = await db.fetchval(Q.get_replay_lsn, timeout=timeout)
    return lsn
