"""Demo subsidy funds (惠民资金): the fund catalogue, the county's households, the registry of
officials and their relatives, and three years of payments through the four monitoring points.

``seed_subsidies`` loads them into a database that has the demo county (``seed_foundation``) and
the working calendar but no funds yet.  At scale 1 there are 150,000 households (about 480,000
people) and about two million payments, each with its disbursement, from January two years
before ``today`` up to ``today``'s month; ``scale`` multiplies the households and so the payments.

* :mod:`demo.subsidy_funds` — the eight funds, their policy basis and standards;
* :mod:`demo.subsidy_people` — households, members with valid ID numbers, and who is eligible;
* :mod:`demo.subsidy_officials` — officials, village cadres and declared relatives;
* :mod:`demo.subsidy_plants` — a handful of each red-flag situation (counted in the result);
* :mod:`demo.subsidy_ledger` — batches, stages, payments and disbursements.

Generation is pure Python from ``random.Random`` streams derived from ``seed``: the same seed, scale
and ``today`` give the same rows, ids included.  Households and payments are built chunk by chunk
in a worker thread while the chunk before is copied, so memory stays flat at any scale; payments
and disbursements are copied into fresh tables, a year each, indexed and swapped in for their
years' partitions at the end (see ``FRESH_PARENTS``).  Everything loads in one transaction;
identity sequences then move past the ids the seed chose.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import operator
import random
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Protocol, TypeVar

import asyncpg

from db import bulk
from db import subsidies as db_subsidies
from demo.bulk_load import bulk_load
from demo.progress import Progress, quiet
from demo.subsidy_funds import FUNDS
from demo.subsidy_ledger import Fund, Ledger
from demo.subsidy_officials import build_officials
from demo.subsidy_people import Registry
from demo.subsidy_plants import plant
from demo.subsidy_rows import FundCopy, OfficialCopy, RelativeCopy, Table
from demo.subsidy_world import SubsidyWorld, load_subsidy_world
from domain.disclosure import disclosure_of

DEFAULT_SEED = 20261122
DEFAULT_TODAY = date(2026, 11, 20)

# Tables whose id the seed assigns and whose identity sequence must follow.
IDENTITY_TABLES = (
    "funds",
    "households",
    "household_members",
    "officials",
    "official_relatives",
    "payment_batches",
    "batch_stages",
    "payments",
    "disbursements",
)


# The payments and disbursements, by the million, are copied into fresh tables beside their
# years' empty partitions, each indexed once its year is in (while the next year's rows are being
# made), then swapped in for the partitions with the same indexes, keys and names as the
# migrations made (db.bulk.make_fresh_partitions; tests/test_bulk_load.py). The swap takes their
# ACCESS EXCLUSIVE lock for the load's last seconds (attaching, their statistics, the statistics'
# cells: about 8 s at scale 1): a reader of payments waits those and then finds them all. Until
# then readers read the empty partitions in place; the public statistics never wait.
FRESH_PARENTS = ("payments", "disbursements")

# Every other table keeps its foreign keys and indexes: dropping them for the load and adding them
# back (PostgreSQL's advice for populating an empty database) would hold ACCESS EXCLUSIVE locks on
# them and the tables they reference until the load commits, and every reader of the subsidies,
# the public's included, would wait; the keys are instead checked once, set-based, at the end of
# the copies (demo.bulk_load), which takes no lock a reader waits for
# (tests/test_loads_and_readers.py).


class _Chunk(Protocol):
    def tables(self) -> list[Table]: ...


ChunkT = TypeVar("ChunkT", bound=_Chunk)


async def seed_subsidies(
    conn: asyncpg.Connection,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    today: date = DEFAULT_TODAY,
    progress: Progress = quiet,
) -> dict[str, int]:
    """Load the demo subsidies when there are no funds yet; return how many rows went into each
    table and how many of each red flag were planted (``planted_*``), or an empty dict when the
    database already had funds.  ``progress`` hears after each chunk of households and of
    payments (by month).  Needs the demo county and the working calendar loaded first."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    async with conn.transaction():
        # Two processes starting on an empty database must not both load it.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('sunshine-seed-subsidies'))")
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM funds)"):
            return {}
        world = await load_subsidy_world(conn, today=today)
        funds = _funds(world)
        counts: dict[str, int] = dict.fromkeys(IDENTITY_TABLES, 0)
        fresh = await bulk.make_fresh_partitions(
            conn, parents=FRESH_PARENTS, values=range(world.first_year, today.year + 1)
        )
        into = {(table.parent, table.value): table for table in fresh}
        # Their rows go into the fresh tables, whose keys attaching them checks (db.bulk.swap_in).
        checked = [t for t in IDENTITY_TABLES if t not in {table.parent for table in fresh}]
        async with bulk_load(conn, tables=checked):
            await _copy(conn, counts, ("funds", FundCopy._fields, [_fund_row(fund) for fund in funds]))
            registry = Registry(world, random.Random(f"{seed}:households"), scale=scale)
            await _copy_chunks(
                conn,
                counts,
                registry.chunks(),
                lambda _: progress("households", counts["households"], registry.total),
            )
            officials = build_officials(world, registry, random.Random(f"{seed}:officials"))
            await _copy(conn, counts, ("officials", OfficialCopy._fields, officials.officials))
            await _copy(conn, counts, ("official_relatives", RelativeCopy._fields, officials.relatives))
            # Officials' and declared relatives' households receive nothing unless planted.
            excluded = officials.linked_households
            registry.enrolments = [e for e in registry.enrolments if e.household_id not in excluded]
            plants = plant(world, registry, officials, excluded, random.Random(f"{seed}:plants"))
            ledger = Ledger(
                world=world,
                funds=funds,
                enrolments=registry.enrolments,
                farm=registry.farm,
                excluded_households=excluded,
                disaster=registry.disaster,
                plants=plants.lines,
                rng=random.Random(f"{seed}:payments"),
            )
            # Batches come in time order: a chunk's last period is how far the months have come.
            await _copy_chunks(
                conn,
                counts,
                ledger.chunks(),
                lambda chunk: progress(
                    "payment months",
                    max((world.month_of(p.period) + 1 for p in chunk.payments), default=0),
                    world.months,
                ),
                into,
            )
            progress("payment months", world.months, world.months)
        # Last, after the other tables' checks: readers of the swapped tables wait from here on.
        await bulk.swap_in(conn, fresh)
        await bulk.analyze(conn, tables=FRESH_PARENTS)
        # The seed numbered each table's rows 1..n; identity columns carry on from n + 1.
        for table in IDENTITY_TABLES:
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence($1, 'id'), $2, false)", table, counts[table] + 1
            )
        # The statistics' cells, counted once over everything copied, before the load commits.
        await db_subsidies.rebuild_aggregates(conn)
    counts.update(plants.counts)
    # The current month's work in progress: allocated but not yet handed out, not yet allocated.
    counts["payments_awaiting_disbursement"] = ledger.counts.awaiting_disbursement
    counts["batches_awaiting_allocation"] = ledger.counts.batches_awaiting_allocation
    return counts


def _funds(world: SubsidyWorld) -> tuple[Fund, ...]:
    return tuple(
        Fund(position, spec, world.department_for(spec.department_words))
        for position, spec in enumerate(FUNDS, start=1)
    )


def _fund_row(fund: Fund) -> FundCopy:
    spec = fund.spec
    return FundCopy(
        fund.id,
        spec.code,
        spec.name,
        spec.fund_type,
        spec.purpose,
        spec.policy_basis,
        spec.standard,
        spec.unit,
        spec.note,
        fund.department.id,
        spec.disburse_within_days,
        disclosure_of(spec.fund_type),
    )


async def _copy(
    conn: asyncpg.Connection,
    counts: dict[str, int],
    table: Table,
    into: Mapping[tuple[str, int], bulk.FreshPartition] = {},
) -> None:
    """``table``'s rows copied; those of a partitioned table into the fresh table ``into`` names
    for their year, if any. The rows come in time order: once a year's rows come, the years before
    it are all in, and their tables are indexed while the next rows are being made."""
    name, columns, rows = table
    if name in FRESH_PARENTS:
        year = columns.index("year")
        for value, group in itertools.groupby(rows, key=operator.itemgetter(year)):
            for earlier in into.values():
                if earlier.parent == name and earlier.value < value and not earlier.indexed:
                    await bulk.index_fresh(conn, earlier)
            fresh = into.get((name, value))
            await conn.copy_records_to_table(
                fresh.table if fresh else name,
                schema_name=fresh.schema if fresh else None,
                records=list(group),
                columns=columns,
            )
    elif rows:
        await conn.copy_records_to_table(name, records=rows, columns=columns)
    counts[name] = counts.get(name, 0) + len(rows)


async def _copy_chunks(
    conn: asyncpg.Connection,
    counts: dict[str, int],
    chunks: Iterator[ChunkT],
    copied: Callable[[ChunkT], None],
    into: Mapping[tuple[str, int], bulk.FreshPartition] = {},
) -> None:
    """Copy every chunk, building the next one in a worker thread meanwhile (the server works
    on the copy while Python builds); ``copied`` hears of each chunk once it is in."""
    pending: asyncio.Future[ChunkT | None] = asyncio.ensure_future(asyncio.to_thread(next, chunks, None))
    try:
        while (chunk := await pending) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(next, chunks, None))
            for table in chunk.tables():
                await _copy(conn, counts, table, into)
            copied(chunk)
    finally:
        if not pending.done():
            with contextlib.suppress(Exception):
                await pending
