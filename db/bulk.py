"""Bulk loads into empty tables: the per-row foreign-key checks set aside while COPY runs and done
once, set-based, at the end; fresh statistics for just the tables loaded.

PostgreSQL checks a foreign key with a query per inserted row. Over millions of rows that is most
of a load's work, and it can go badly wrong: the check's plan is cached for the session, and one
planned while a referenced table (or a partition of it) looked empty scans that table for every
row once it has filled (a load of payments once stalled for minutes in the disbursements' COPY).
:func:`reference_checks_deferred` turns those checks off inside the load's transaction and then
runs one anti-join per key over the whole table: the same guarantee, at the cost of a join. The
triggers are turned off only within that transaction (no other session ever sees them off, and a
load that fails rolls it back with the rows), and only the foreign-key checks: every other trigger
(notifications, the supervision feed) fires as before. Disabling them takes the tables' SHARE ROW
EXCLUSIVE lock, which readers never wait for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from db.executor import Connection
from db.queries import load

Q = load("bulk")


class BrokenReference(RuntimeError):
    """Rows loaded in bulk refer to rows that are not there: the load is refused whole."""


@asynccontextmanager
async def reference_checks_deferred(conn: Connection, *, tables: Sequence[str]) -> AsyncIterator[None]:
    """Inside a transaction on ``conn``: the foreign keys of ``tables`` (and their partitions) are
    not checked row by row while the block runs, and all their rows are checked when it ends
    (raising :class:`BrokenReference` if any refers to nothing); ``tables`` are analysed first.
    Without the superuser's right to turn the checks off, the rows are checked as they are
    written, as in any insert."""
    if not conn.is_in_transaction():
        raise RuntimeError("reference checks are deferred only inside the load's transaction")
    names = list(tables)
    deferred = bool(await conn.fetchval(Q.get_may_skip_checks))
    if deferred:
        for statement in await conn.fetch(Q.list_reference_checks, names, "DISABLE"):
            await conn.execute(statement[0])
    yield
    # Statistics of the rows just copied (this transaction's own count), so that the checks' joins,
    # and whatever else the load still does before it commits, are planned on them.
    await analyze(conn, tables=names)
    if deferred:
        for statement in await conn.fetch(Q.list_reference_checks, names, "ENABLE"):
            await conn.execute(statement[0])
        await check_references(conn, tables=names)


async def check_references(conn: Connection, *, tables: Sequence[str]) -> None:
    """Every row of ``tables`` refers to rows that exist, for each of their foreign keys."""
    for key in await conn.fetch(Q.list_reference_violations, list(tables)):
        broken = await conn.fetchval(key["query"])
        if broken:
            raise BrokenReference(f"{broken} rows break the foreign key {key['name']}")


async def analyze(conn: Connection, *, tables: Sequence[str]) -> None:
    """Fresh planner statistics for ``tables`` (those that exist), before anything plans a query
    over their new rows. Only these: a table left empty keeps 'never analysed', which the planner
    does not take for 'empty for good' the way it takes a table analysed while empty."""
    statement = await conn.fetchval(Q.get_analyze_statement, list(tables))
    if statement:
        await conn.execute(statement)
