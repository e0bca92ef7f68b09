"""The audit trail of unmasked personal-data reads: the recorder, the hash chain, and its
verification against a real database, including rows changed and deleted around the trigger."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from db import audit
from db.admin import APP_ROLE
from domain.audit import GENESIS, AuditEntry, Recorder, chain_hash
from services import audit as audit_signing
from tests.conftest import ROOT

T0 = datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)


def entry(n: int, *, actor: str = "纪委-王五", fields: tuple[str, ...] = ("applicant_name",)) -> AuditEntry:
    return AuditEntry(
        at=T0 + timedelta(seconds=n),
        actor=actor,
        actor_role="discipline",
        department=None,
        operation="caseDetail",
        record_type="case",
        record_id=f"YB-2026-{n:06d}",
        fields=fields,
        request_id=f"req-{n}",
    )


@pytest.fixture
async def conn(fresh_db: str) -> AsyncIterator[asyncpg.Connection]:
    c = await asyncpg.connect(fresh_db)
    yield c
    await c.close()


async def audit_ids(conn: asyncpg.Connection) -> list[int]:
    return [r["id"] for r in await conn.fetch("SELECT id FROM audit_log ORDER BY id")]


async def tamper(conn: asyncpg.Connection, statement: str, *args: object) -> None:
    """Run ``statement`` the way only the table's owner can: with the append-only trigger off."""
    async with conn.transaction():
        await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        await conn.execute(statement, *args)
        await conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")


# The recorder and the hash, without a database.


def ticking_clock() -> Iterator[datetime]:
    n = 0
    while True:
        yield T0 + timedelta(seconds=n)
        n += 1


def test_recorder_merges_repeated_reads_of_a_record_into_one_entry_with_the_union_of_fields() -> None:
    ticks = ticking_clock()
    recorder = Recorder(
        actor="S001", actor_role="department", department="D01", request_id="r1", clock=lambda: next(ticks)
    )
    recorder.record(operation="cases", record_type="case", record_id="A", fields=["applicant_name"])
    recorder.record(operation="cases", record_type="case", record_id="B", fields=["applicant_phone"])
    recorder.record(
        operation="cases", record_type="case", record_id="A", fields=["applicant_phone", "applicant_name"]
    )
    recorder.record(operation="caseDetail", record_type="case", record_id="A", fields=["applicant_address"])

    entries = recorder.entries()

    assert [(e.operation, e.record_id, e.fields) for e in entries] == [
        ("cases", "A", ("applicant_name", "applicant_phone")),
        ("cases", "B", ("applicant_phone",)),
        ("caseDetail", "A", ("applicant_address",)),
    ]
    # The merged entry keeps the time of the first read.
    assert entries[0].at == T0
    assert {(e.actor, e.actor_role, e.department, e.request_id) for e in entries} == {
        ("S001", "department", "D01", "r1")
    }


def test_recorder_with_nothing_shown_unmasked_has_no_entries() -> None:
    recorder = Recorder(actor="S001", actor_role="department", department="D01", request_id="r1")
    recorder.record(operation="cases", record_type="case", record_id="A", fields=[])
    assert recorder.entries() == []


def test_an_outside_auditor_can_recompute_a_hash_with_the_standard_library() -> None:
    tricky = AuditEntry(
        at=datetime(2026, 3, 2, 17, 30, tzinfo=timezone(timedelta(hours=8))),
        actor='张三 "\\ \n\t\x01 😀',
        actor_role="department",
        department="民政局",
        operation="householdDetail",
        record_type="household",
        record_id="500112-0001",
        fields=("head_id_number", "address"),
        request_id="",
    )
    prev = hashlib.sha256(b"previous").digest()
    documented = json.dumps(
        [
            "2026-03-02T09:30:00.000000Z",
            tricky.actor,
            "department",
            "民政局",
            "householdDetail",
            "household",
            "500112-0001",
            ["head_id_number", "address"],
            "",
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    assert chain_hash(prev, tricky) == hashlib.sha256(prev + documented).digest()


def test_changing_any_field_of_an_entry_changes_its_hash() -> None:
    base = entry(1, fields=("applicant_name", "applicant_phone"))
    variants = [
        replace(base, at=base.at + timedelta(microseconds=1)),
        replace(base, actor="S002"),
        replace(base, actor_role="department"),
        replace(base, department=""),
        replace(base, operation="cases"),
        replace(base, record_type="household"),
        replace(base, record_id="YB-2026-000002"),
        replace(base, fields=("applicant_phone", "applicant_name")),
        replace(base, fields=("applicant_name,applicant_phone",)),
        replace(base, request_id="req-2"),
    ]
    hashes = {chain_hash(GENESIS, e) for e in [base, *variants]}
    assert len(hashes) == len(variants) + 1
    assert chain_hash(hashlib.sha256(b"x").digest(), base) != chain_hash(GENESIS, base)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AuditEntry(
            at=datetime(2026, 3, 2, 9, 30),
            actor="S001",
            actor_role="department",
            department="D01",
            operation="cases",
            record_type="case",
            record_id="A",
            fields=("applicant_name",),
            request_id="",
        )


# The chain in PostgreSQL.


async def test_concurrent_appends_from_two_connections_form_one_valid_chain(
    conn: asyncpg.Connection, fresh_db: str
) -> None:
    before = await audit.verify(conn)
    other = await asyncpg.connect(fresh_db)
    try:

        async def appends(c: asyncpg.Connection, actor: str) -> None:
            for n in range(5):
                await audit.append(c, entries=[entry(n, actor=actor), entry(n + 100, actor=actor)])

        await asyncio.gather(appends(conn, "甲"), appends(other, "乙"))
    finally:
        await other.close()

    result = await audit.verify(conn, batch=3)
    assert result.ok, result.reason
    assert result.checked == before.checked + 20
    # Every row links to a different predecessor: no two appends read the same last hash.
    forks = await conn.fetchval("SELECT count(*) - count(DISTINCT prev_hash) FROM audit_log")
    assert forks == 0


async def test_untouched_chain_verifies_and_counts_every_row(conn: asyncpg.Connection) -> None:
    before = await audit.verify(conn)
    await audit.append(conn, entries=[entry(n) for n in range(7)])

    result = await audit.verify(conn, batch=2)

    assert result.ok and result.first_broken_id is None and result.reason is None
    assert result.checked == before.checked + 7
    assert result.last_hash == await conn.fetchval("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")


async def test_empty_chain_verifies(server_fresh_empty: str) -> None:
    c = await asyncpg.connect(server_fresh_empty)
    try:
        result = await audit.verify(c)
    finally:
        await c.close()
    assert result.ok and result.checked == 0 and result.last_hash == GENESIS


async def test_an_altered_row_fails_verification_at_that_row(conn: asyncpg.Connection) -> None:
    await audit.append(conn, entries=[entry(n) for n in range(6)])
    ids = await audit_ids(conn)
    altered = ids[-3]
    await tamper(conn, "UPDATE audit_log SET fields = $1 WHERE id = $2", ["applicant_age"], altered)

    result = await audit.verify(conn, batch=2)

    assert not result.ok
    assert result.first_broken_id == altered
    assert result.reason == f"第 {altered} 条记录的哈希与内容不符（记录被改动）"
    assert result.checked == len(ids) - 3


async def test_an_altered_row_with_a_recomputed_hash_fails_at_the_row_after(conn: asyncpg.Connection) -> None:
    await audit.append(conn, entries=[entry(n) for n in range(4)])
    ids = await audit_ids(conn)
    row = await conn.fetchrow("SELECT * FROM audit_log WHERE id = $1", ids[1])
    assert row is not None
    forged = AuditEntry(
        at=row["at"],
        actor="someone else",
        actor_role=row["actor_role"],
        department=row["department"],
        operation=row["operation"],
        record_type=row["record_type"],
        record_id=row["record_id"],
        fields=tuple(row["fields"]),
        request_id=row["request_id"],
    )
    await tamper(
        conn,
        "UPDATE audit_log SET actor = $1, hash = $2 WHERE id = $3",
        forged.actor,
        chain_hash(row["prev_hash"], forged),
        ids[1],
    )

    result = await audit.verify(conn)

    assert not result.ok and result.first_broken_id == ids[2]


async def test_a_deleted_middle_row_fails_verification_at_the_following_row(conn: asyncpg.Connection) -> None:
    await audit.append(conn, entries=[entry(n) for n in range(5)])
    ids = await audit_ids(conn)
    await tamper(conn, "DELETE FROM audit_log WHERE id = $1", ids[-3])

    result = await audit.verify(conn, batch=3)

    assert not result.ok
    assert result.first_broken_id == ids[-2]
    assert result.reason == f"第 {ids[-2]} 条记录的前一哈希与上一条不符（有记录被删除或插入）"


async def test_the_database_refuses_a_plain_update_or_delete(conn: asyncpg.Connection) -> None:
    await audit.append(conn, entries=[entry(1)])
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("UPDATE audit_log SET actor = 'x'")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("DELETE FROM audit_log")
    assert (await audit.verify(conn)).ok


async def test_append_inside_a_callers_transaction_is_undone_with_it(conn: asyncpg.Connection) -> None:
    before = await audit_ids(conn)

    outer = conn.transaction()
    await outer.start()
    await audit.append(conn, entries=[entry(1), entry(2)])
    assert len(await audit_ids(conn)) == len(before) + 2
    await outer.rollback()

    assert await audit_ids(conn) == before
    await audit.append(conn, entries=[entry(3)])
    assert (await audit.verify(conn)).ok


async def test_append_refuses_a_snapshot_transaction_that_could_fork_the_chain(
    conn: asyncpg.Connection,
) -> None:
    async with conn.transaction(isolation="repeatable_read"):
        with pytest.raises(asyncpg.InterfaceError, match="isolation"):
            await audit.append(conn, entries=[entry(1)])


async def test_reads_of_a_record_are_listed_newest_first(conn: asyncpg.Connection) -> None:
    await audit.append(conn, entries=[entry(1, actor="甲"), entry(2, actor="乙")])
    await audit.append(conn, entries=[entry(1, actor="丙", fields=("applicant_phone", "applicant_name"))])

    rows = await audit.list_entries_by_record(conn, record_type="case", record_id="YB-2026-000001", limit=10)

    assert [(r.actor, r.fields) for r in rows] == [
        ("丙", ("applicant_phone", "applicant_name")),
        ("甲", ("applicant_name",)),
    ]
    assert rows[0].at == T0 + timedelta(seconds=1)


# Least privilege, TRUNCATE, and signed checkpoints.


async def test_truncate_of_the_trail_is_refused(conn: asyncpg.Connection) -> None:
    await audit.append(conn, entries=[entry(0)])
    for table in ("audit_log", "audit_checkpoints"):
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute(f"TRUNCATE {table}")


async def test_the_apps_role_cannot_change_remove_or_unguard_the_trail(fresh_db: str) -> None:
    app = await asyncpg.connect(fresh_db, server_settings={"role": APP_ROLE})
    try:
        await audit.append(app, entries=[entry(0)])  # it may append
        for statement in (
            "UPDATE audit_log SET actor = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "TRUNCATE cases CASCADE",
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await app.execute(statement)
    finally:
        await app.close()


async def superuser_rewrite(conn: asyncpg.Connection, row_id: int) -> None:
    """What whoever controls the database can do: triggers off, a row changed, the chain re-hashed
    from there so that it is whole again."""
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute("UPDATE audit_log SET actor = '改写者' WHERE id = $1", row_id)
        prev = await conn.fetchval("SELECT prev_hash FROM audit_log WHERE id = $1", row_id)
        for r in await conn.fetch("SELECT * FROM audit_log WHERE id >= $1 ORDER BY id", row_id):
            new = chain_hash(prev, audit.entry_of(r))
            await conn.execute(
                "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3", prev, new, r["id"]
            )
            prev = new


async def test_a_superusers_rewrite_before_the_last_checkpoint_is_detected_and_named(
    conn: asyncpg.Connection,
) -> None:
    key = Ed25519PrivateKey.generate()
    await audit.append(conn, entries=[entry(n) for n in range(6)])
    await audit_signing.sign_head(conn, key=key, at=datetime.now(UTC))
    await audit.append(conn, entries=[entry(n) for n in range(6, 8)])
    ids = await audit_ids(conn)
    assert (await audit_signing.verify(conn, public_key=key.public_key())).ok
    await superuser_rewrite(conn, ids[-5])
    assert (await audit.verify(conn)).ok  # the chain alone is whole again
    result = await audit_signing.verify(conn, public_key=key.public_key())
    assert not result.ok
    assert result.first_broken_id == ids[-3]  # the entry the checkpoint signed
    assert "检查点" in (result.reason or "")


async def test_an_emptied_trail_is_detected_by_its_checkpoint(conn: asyncpg.Connection) -> None:
    key = Ed25519PrivateKey.generate()
    await audit.append(conn, entries=[entry(n) for n in range(3)])
    checkpoint = await audit_signing.sign_head(conn, key=key, at=datetime.now(UTC))
    assert checkpoint is not None
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute("DELETE FROM audit_log")
    result = await audit_signing.verify(conn, public_key=key.public_key())
    assert not result.ok and result.first_broken_id == checkpoint.entry_id
    assert "不见了" in (result.reason or "")


async def test_a_forged_checkpoint_is_refused(conn: asyncpg.Connection) -> None:
    key, forger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    await audit.append(conn, entries=[entry(0)])
    await audit_signing.sign_head(conn, key=forger, at=datetime.now(UTC))
    result = await audit_signing.verify(conn, public_key=key.public_key())
    assert not result.ok and "签名无效" in (result.reason or "")


def cli(command: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SUNSHINE_DEV": "1",
        "SUNSHINE_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "api.cli", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


async def test_audit_verify_names_what_a_superuser_emptied_after_a_checkpoint(
    conn: asyncpg.Connection, fresh_db: str, tmp_path: Path
) -> None:
    await audit.append(conn, entries=[entry(n) for n in range(4)])
    signed = await asyncio.to_thread(cli, "audit-checkpoint", fresh_db, tmp_path)
    assert signed.returncode == 0, signed.stderr
    last = (await audit_ids(conn))[-1]
    assert f"第 {last} 条" in signed.stdout
    good = await asyncio.to_thread(cli, "audit-verify", fresh_db, tmp_path)
    assert good.returncode == 0 and "已核对签名检查点" in good.stdout, good.stdout + good.stderr
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute("DELETE FROM audit_log")
    bad = await asyncio.to_thread(cli, "audit-verify", fresh_db, tmp_path)
    assert bad.returncode == 1
    assert f"第 {last} 条" in bad.stderr and "不见了" in bad.stderr


async def test_deleting_the_checkpoints_too_is_caught_by_the_copy_kept_beside_the_key(
    conn: asyncpg.Connection, fresh_db: str, tmp_path: Path
) -> None:
    await audit.append(conn, entries=[entry(n) for n in range(3)])
    signed = await asyncio.to_thread(cli, "audit-checkpoint", fresh_db, tmp_path)
    assert signed.returncode == 0, signed.stderr
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute("DELETE FROM audit_checkpoints")
        await conn.execute("DELETE FROM audit_log")
    bad = await asyncio.to_thread(cli, "audit-verify", fresh_db, tmp_path)
    assert bad.returncode == 1 and "检查点被删除" in bad.stderr, bad.stdout + bad.stderr
    # Without the key, checkpoints cannot be checked, and that is not passed off as a whole chain.
    elsewhere = tmp_path / "no-key"
    elsewhere.mkdir()
    await audit.append(conn, entries=[entry(9)])
    await asyncio.to_thread(cli, "audit-checkpoint", fresh_db, tmp_path)
    unkeyed = await asyncio.to_thread(cli, "audit-verify", fresh_db, elsewhere)
    assert unkeyed.returncode == 1 and "未配置公钥" in unkeyed.stderr
