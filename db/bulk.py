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

The largest partitioned tables go further (:func:`make_fresh_partitions`): their rows are copied
into fresh tables without indexes, indexed once all in, and swapped in for the empty partitions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

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


@dataclass(slots=True)
class FreshPartition:
    """A table made beside an empty partition of ``parent``, the rows for ``value`` copied into it
    instead, and its indexes built once they are all in (:func:`index_fresh`); :func:`swap_in`
    puts it in the partition's place. ``along`` are the parents whose partitions are swapped
    together."""

    parent: str
    value: int
    along: tuple[str, ...]
    partition: str
    schema: str
    table: str
    detach: str
    drop: str
    rename: str
    attach: str
    indexed: bool = False
    # How its indexes and constraints take their names back, and what goes once it is attached.
    renames: list[str] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)


async def make_fresh_partitions(
    conn: Connection, *, parents: Sequence[str], values: Sequence[int]
) -> list[FreshPartition]:
    """Inside the load's transaction: a fresh table, shaped as the partition but without its
    indexes, for each of ``values`` that has a partition of its own in each of ``parents`` (and
    that this role owns); copy the rows there and :func:`swap_in` them before the load ends.

    Copying millions of rows into a table whose indexes are built afterwards is several times
    cheaper than updating six indexes row by row. The partitions in place keep answering readers
    meanwhile (empty, as the uncommitted load would have them): only the swap at the end takes
    the parents' exclusive lock, from then until the load commits."""
    if not conn.is_in_transaction():
        raise RuntimeError("fresh partitions are made only inside the load's transaction")
    # The index builds sort in memory; they are the only work of this session meanwhile.
    await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    fresh: list[FreshPartition] = []
    for parent in parents:
        for value in values:
            table = f"{parent}_{value}_fresh"
            row = await conn.fetchrow(Q.get_partition_swap, parent, str(value), table)
            if row is None:
                continue  # the value's rows go through the parent (to the default partition)
            await conn.execute(row["make"])
            fresh.append(
                FreshPartition(
                    parent,
                    value,
                    tuple(parents),
                    row["partition"],
                    row["schema"],
                    table,
                    row["detach"],
                    row["drop"],
                    row["rename"],
                    row["attach"],
                )
            )
    return fresh


async def index_fresh(conn: Connection, table: FreshPartition) -> None:
    """Once all of ``table``'s rows are in: its partition's indexes built on it, its foreign keys
    and its bound checked, while readers still read the partition in place (attaching then checks
    only the keys between tables swapped together)."""
    steps = await conn.fetch(
        Q.list_fresh_builds, table.partition, f"{table.schema}.{table.table}", "fresh", list(table.along)
    )
    for step in steps:
        await conn.execute(step["build"])
    table.renames = [step["rename"] for step in steps if step["rename"]]
    table.attached = [step["attached"] for step in steps if step["attached"]]
    table.indexed = True


async def swap_in(conn: Connection, fresh: Sequence[FreshPartition]) -> None:
    """Each of ``fresh``, indexed (:func:`index_fresh`, if not yet), in its partition's place, under
    its name, with its indexes' and constraints' names: the schema is as the migrations left it.
    The parents' exclusive lock is held from here until the load commits."""
    for table in fresh:
        if not table.indexed:
            await index_fresh(conn, table)
    # The partitions referring to others go first; their places are taken in the parents' order.
    for table in reversed(fresh):
        await conn.execute(table.detach)
        await conn.execute(table.drop)
    for table in fresh:
        for rename in table.renames:  # named after the fresh table: before it takes the partition's name
            await conn.execute(rename)
        await conn.execute(table.rename)
        await conn.execute(table.attach)
        for statement in table.attached:
            await conn.execute(statement)
