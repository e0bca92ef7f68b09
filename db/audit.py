"""The audit trail in the database: appending entries to the hash chain, walking it, and reading
who saw a record.

The table is append-only (a trigger refuses UPDATE and DELETE); the chain (see
:mod:`domain.audit`) makes a change made around the trigger detectable by :func:`verify`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import orjson

from db.executor import Connection, Executor
from db.queries import load
from domain.audit import GENESIS, AuditEntry, ChainWalk, Checkpoint, VerifyResult, chain_hash

Q = load("audit")


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    actor_role: str
    department: str | None
    operation: str
    record_type: str
    record_id: str
    fields: tuple[str, ...]
    request_id: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """Which entries of the trail to list: of some records (``records``: (type, id) pairs; None
    for any), by one reader (``actor``, the token's subject), read in [``since``, ``until``)."""

    records: Sequence[tuple[str, str]] | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def arguments(self) -> tuple[object, ...]:
        types = None if self.records is None else [t for t, _ in self.records]
        ids = None if self.records is None else [i for _, i in self.records]
        return types, ids, self.actor, self.since, self.until


async def append(conn: Connection, *, entries: Sequence[AuditEntry]) -> None:
    """Append ``entries`` to the chain, in order, atomically.

    Appends are serialized across processes by a transaction-level advisory lock. Called inside a
    transaction of the caller's, this runs in a savepoint, and the lock and the rows stay with
    that transaction: they are kept only if it commits, and other appends wait until it ends — so
    append at the end of the work, or on a connection of its own.
    """
    if not entries:
        return
    # The last hash must be read after the lock is granted, which only READ COMMITTED does (each
    # statement sees what committed before it began). Under a snapshot taken earlier, two appends
    # would both link to the same row; asyncpg refuses to nest this in a stricter transaction.
    async with conn.transaction(isolation="read_committed"):
        await conn.execute(Q.lock_chain)
        head = await get_head(conn)
        prev = head[1] if head is not None else GENESIS
        prev_hashes: list[bytes] = []
        hashes: list[bytes] = []
        for entry in entries:
            prev_hashes.append(prev)
            prev = chain_hash(prev, entry)
            hashes.append(prev)
        await conn.execute(
            Q.insert_entries,
            [e.at for e in entries],
            [e.actor for e in entries],
            [e.actor_role for e in entries],
            [e.department for e in entries],
            [e.operation for e in entries],
            [e.record_type for e in entries],
            [e.record_id for e in entries],
            [orjson.dumps(list(e.fields)).decode() for e in entries],
            [e.request_id for e in entries],
            prev_hashes,
            hashes,
            [e.reason for e in entries],
        )


def entry_of(record: asyncpg.Record) -> AuditEntry:
    """The entry a stored ``audit_log`` row holds, as its hash was computed over it."""
    return AuditEntry(
        at=record["at"],
        actor=record["actor"],
        actor_role=record["actor_role"],
        department=record["department"],
        operation=record["operation"],
        record_type=record["record_type"],
        record_id=record["record_id"],
        fields=tuple(record["fields"]),
        request_id=record["request_id"],
        reason=record["reason"],
    )


async def get_head(db: Executor) -> tuple[int, bytes] | None:
    """The id and hash of the chain's last entry; None while the chain is empty."""
    row = await db.fetchrow(Q.get_head)
    return (row["id"], row["hash"]) if row else None


async def insert_checkpoint(conn: Connection, *, checkpoint: Checkpoint) -> int:
    c = checkpoint
    checkpoint_id: int = await conn.fetchval(
        Q.insert_checkpoint, c.entry_id, c.entry_hash, c.signed_at, c.key_id, c.signature
    )
    return checkpoint_id


async def list_checkpoints(db: Executor) -> list[Checkpoint]:
    return [Checkpoint(**r) for r in await db.fetch(Q.list_checkpoints)]


async def verify(
    db: Executor, *, checkpoints: Sequence[Checkpoint] = (), batch: int = 10_000
) -> VerifyResult:
    """Walk the whole chain in id order and report the first broken link, if any, checking each
    entry a (verified) checkpoint names against the hash signed for it.

    Rows are read ``batch`` at a time, each batch after the last id seen, so memory stays flat and
    every batch is an index range scan. Rows appended during the walk extend the chain and are
    checked too.
    """
    if batch < 1:
        raise ValueError("batch must be positive")
    walk = ChainWalk(signed={c.entry_id: c.entry_hash for c in checkpoints})
    last_id = 0
    while rows := await db.fetch(Q.list_entries_after, last_id, batch):
        for r in rows:
            broken = walk.step(
                row_id=r["id"],
                prev_hash=r["prev_hash"],
                stored_hash=r["hash"],
                entry=entry_of(r),
            )
            if broken is not None:
                return broken
        last_id = rows[-1]["id"]
    return walk.result()


async def list_entries_by_record(
    db: Executor, *, record_type: str, record_id: str, limit: int
) -> list[AuditRow]:
    """Who read ``record_id`` of ``record_type`` unmasked, newest first."""
    rows = await db.fetch(Q.list_entries_by_record, record_type, record_id, limit)
    return [AuditRow(**{**r, "fields": tuple(r["fields"])}) for r in rows]


async def list_subject_refs(db: Executor, *, id_number: str) -> list[tuple[str, str]]:
    """The (record type, record id) pairs under which reads of one person's data are recorded."""
    return [(r["record_type"], r["record_id"]) for r in await db.fetch(Q.list_subject_refs, id_number)]


async def list_entries(
    db: Executor, *, where: EntryFilter, before_id: int | None, limit: int
) -> list[AuditRow]:
    """Entries matching ``where``, newest first, below ``before_id`` (the page before)."""
    rows = await db.fetch(Q.list_entries, *where.arguments(), before_id, limit)
    return [AuditRow(**{**r, "fields": tuple(r["fields"])}) for r in rows]


async def count_entries(db: Executor, *, where: EntryFilter) -> int:
    count: int = await db.fetchval(Q.count_entries, *where.arguments())
    return count
