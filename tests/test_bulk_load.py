"""The demo's bulk load: foreign keys checked once at the end of the copies (a broken reference
still refuses the load, and the per-row checks are back afterwards), the values encoded as the
server encodes them, and the parts loaded side by side in processes of their own giving the same
rows as one after the other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import asyncpg
import pytest

import demo
from db import bulk
from demo.bulk_load import decode_numeric, decode_timestamptz, encode_numeric, encode_timestamptz
from tests.conftest import TEST_SEED, Server

MEMBER = ("household_id", "name", "id_number")


@pytest.fixture
async def conn(fresh_db: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(fresh_db)
    yield connection
    await connection.close()


async def test_a_row_referring_to_nothing_refuses_the_load_when_the_copies_end(
    conn: asyncpg.Connection,
) -> None:
    with pytest.raises(bulk.BrokenReference, match="household_members_household_id_fkey"):
        async with conn.transaction(), bulk.reference_checks_deferred(conn, tables=["household_members"]):
            # No household 424242: the copy itself goes through, the check at the end does not.
            await conn.copy_records_to_table(
                "household_members", records=[(424242, "张三", "110101199003070011")], columns=MEMBER
            )
    assert await conn.fetchval("SELECT count(*) FROM household_members") == 0


async def test_rows_are_checked_one_by_one_again_after_the_load(conn: asyncpg.Connection) -> None:
    village = await conn.fetchval("SELECT code FROM regions WHERE level = 3 ORDER BY code LIMIT 1")
    async with conn.transaction():
        async with bulk.reference_checks_deferred(conn, tables=["households", "household_members"]):
            household = await conn.fetchval(
                "INSERT INTO households (household_no, village_code, address) VALUES ('H1', $1, '一组')"
                " RETURNING id",
                village,
            )
            await conn.copy_records_to_table(
                "household_members", records=[(household, "李四", "110101199003070011")], columns=MEMBER
            )
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute(
                "INSERT INTO household_members (household_id, name, id_number) VALUES (424242, '王五', 'x')"
            )


@pytest.mark.parametrize(
    "value", ["0", "0.00", "1", "1.10", "-3.5", "0.0001", "10000", "1E+5", "20000.5", "123456789012.34"]
)
async def test_numbers_are_encoded_as_the_server_encodes_them(conn: asyncpg.Connection, value: str) -> None:
    number = Decimal(value)
    sent = await conn.fetchval("SELECT numeric_send($1::numeric)", number)
    assert encode_numeric(number) == sent
    assert decode_numeric(sent) == number
    assert str(decode_numeric(sent)) == await conn.fetchval("SELECT $1::numeric::text", number)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 20, 9, 33, tzinfo=timezone(timedelta(hours=8))),
        datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
)
async def test_moments_are_encoded_as_the_server_encodes_them(
    conn: asyncpg.Connection, moment: datetime
) -> None:
    sent = await conn.fetchval("SELECT timestamptz_send($1::timestamptz)", moment)
    assert encode_timestamptz(moment) == sent
    assert decode_timestamptz(sent) == moment


FINGERPRINTS = {
    "cases": "SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM cases c",
    "case_events": "SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM case_events e",
    "household_members": "SELECT md5(string_agg(m::text, ',' ORDER BY id)) FROM household_members m",
    "payments": "SELECT md5(string_agg(p::text, ',' ORDER BY year, id)) FROM payments p",
    "disbursements": "SELECT md5(string_agg(d::text, ',' ORDER BY year, id)) FROM disbursements d",
}


async def fingerprints(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        return {table: await conn.fetchval(query) for table, query in FINGERPRINTS.items()}
    finally:
        await conn.close()


async def test_parts_loaded_side_by_side_are_the_parts_loaded_one_by_one(
    server: Server, template: str
) -> None:
    side_by_side, one_by_one = await server.clone(template), await server.clone(template)
    try:
        await demo.load(server.url(side_by_side), seed=TEST_SEED, scale=0.01, parts=demo.PARTS)
        for part in demo.PARTS:
            await demo.load(server.url(one_by_one), seed=TEST_SEED, scale=0.01, parts=(part,))
        expected = await fingerprints(server.url(one_by_one))
        assert all(expected.values())
        assert await fingerprints(server.url(side_by_side)) == expected
    finally:
        await server.drop(side_by_side)
        await server.drop(one_by_one)


# What the migrations made of the payments' and disbursements' tables and partitions, by name and
# definition: columns, constraints (inherited or not), indexes and the parents' ones they belong
# to, triggers (the foreign keys' own included, by what they run), privileges and bounds.
SHAPE = r"""
WITH rel AS (
    SELECT c.oid, c.relname FROM pg_class c
    WHERE c.relname ~ '^(payments|disbursements)(_\d{4}|_default)?$'
)
SELECT * FROM (
    SELECT 'relation', r.relname, c.relkind::text,
           concat_ws(' ', c.relacl::text, c.relowner::regrole::text, c.relpersistence::text,
                     c.relreplident::text, c.reloptions::text, pg_get_expr(c.relpartbound, c.oid))
    FROM rel r JOIN pg_class c ON c.oid = r.oid
    UNION ALL
    SELECT 'column', r.relname, a.attname,
           concat_ws(' ', a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attislocal,
                     a.attinhcount, a.attstorage::text, a.attcompression::text, a.attstattarget,
                     pg_get_expr(d.adbin, d.adrelid))
    FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    UNION ALL
    SELECT 'constraint', r.relname, con.conname,
           concat_ws(' ', pg_get_constraintdef(con.oid), con.conislocal, con.coninhcount, con.convalidated,
                     con.conparentid <> 0, con.conindid::regclass, con.confrelid::regclass)
    FROM rel r JOIN pg_constraint con ON con.conrelid = r.oid
    UNION ALL
    SELECT 'index', r.relname, i.indexrelid::regclass::text,
           concat_ws(' ', pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisready,
                     (SELECT inhparent::regclass FROM pg_inherits WHERE inhrelid = i.indexrelid))
    FROM rel r JOIN pg_index i ON i.indrelid = r.oid
    UNION ALL
    SELECT 'trigger', r.relname, coalesce(con.conname, t.tgname),
           concat_ws(' ', t.tgfoid::regproc, t.tgtype, t.tgenabled::text, t.tgisinternal,
                     t.tgconstrrelid::regclass, t.tgdeferrable, t.tginitdeferred)
    FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid
    LEFT JOIN pg_constraint con ON con.oid = t.tgconstraint
) shape (kind, relation, name, definition)
ORDER BY kind, relation, name, definition
"""


async def test_payments_copied_beside_their_partitions_leave_the_migrations_schema(
    conn: asyncpg.Connection,
) -> None:
    before = [tuple(row) for row in await conn.fetch(SHAPE)]
    assert len(before) > 500
    counts = await demo.seed_subsidies(conn, seed=TEST_SEED, scale=0.01)
    assert [tuple(row) for row in await conn.fetch(SHAPE)] == before
    # The rows are in the years' own partitions, under the migrations' names.
    assert await conn.fetchval("SELECT count(*) FROM payments_2024") > 0
    assert await conn.fetchval("SELECT count(*) FROM payments") == counts["payments"]
    assert await conn.fetchval("SELECT count(*) FROM disbursements") == counts["disbursements"]
    assert not await conn.fetch("SELECT relname FROM pg_class WHERE relname LIKE '%fresh%'")
