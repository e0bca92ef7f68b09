"""Safe sweeps (issue 12): a sweep never writes the future, a dry run writes nothing, one card
per escalation of a limit, and notification delivery that drains the outbox with backoff per
recipient."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from api.settings import Settings
from api.workers import china_today, sweep_day
from services.notifications import WebhookSender, deliver
from tests.casework import applied, event, push, received, sweep_on
from tests.conftest import ROOT

# Accepted Thu Oct 8 2026 with 5 working days: due Wed Oct 14 (Oct 9, Sat Oct 10 worked, 12, 13,
# 14); on Oct 15 the case is overdue.
ACCEPTED, DUE, OVERDUE_ON = "2026-10-08", date(2026, 10, 14), date(2026, 10, 15)


async def accepted(world: dict[str, Any], token: Callable[..., str], *case_nos: str) -> None:
    events = []
    for no in case_nos:
        events += [received(no, ACCEPTED), event(no, "ACCEPTED", ACCEPTED)]
    assert applied(await push(world, token, events))


def cli(world: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SUNSHINE_TODAY"}
    env.update(DATABASE_URL=world["url"], LOG_LEVEL="WARNING")
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


# Every row of each table a sweep can write, hashed: equal before and after means nothing written.
FINGERPRINTS = {
    table: f"SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '') FROM {table} t"  # noqa: S608 -- table names are the constants listed here
    for table in ("cards", "cases", "case_lock_events", "notifications", "notification_attempts")
}


async def state_of(url: str) -> dict[str, str]:
    """A fingerprint of everything a sweep can write: every row of cards, cases, locks and the outbox."""
    conn = await asyncpg.connect(url)
    try:
        return {table: await conn.fetchval(query) for table, query in FINGERPRINTS.items()}
    finally:
        await conn.close()


async def cards_of(url: str, case_no: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT c.id, c.rule_code, c.color, c.status, c.closed_by, c.closing_note, c.closed_at"
            " FROM cards c JOIN cases k ON k.id = c.case_id WHERE k.case_no = $1 ORDER BY c.id",
            case_no,
        )
        return [dict(r) for r in rows]
    finally:
        await conn.close()


async def test_a_sweep_after_today_is_refused_and_writes_nothing(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    await accepted(world, token, "CASE-F-0001")
    before = await state_of(world["url"])
    ahead = china_today() + timedelta(days=7)
    refused = await asyncio.to_thread(cli, world, "supervise", "--as-of", ahead.isoformat())
    assert refused.returncode == 2
    assert f"{ahead} 晚于今天（{china_today()}" in refused.stderr
    assert "--dry-run" in refused.stderr
    assert await state_of(world["url"]) == before


async def test_a_dry_run_reports_cards_locks_and_notifications_and_writes_nothing(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    await accepted(world, token, "CASE-F-0002", "CASE-F-0003", "CASE-F-0004")
    # A real sweep on the due date raises the yellow warnings the dry run's red cards supersede.
    assert await sweep_on(world, DUE) == 3
    before = await state_of(world["url"])
    dry = await asyncio.to_thread(cli, world, "supervise", "--as-of", OVERDUE_ON.isoformat(), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0].startswith(f"试运行，未写入任何数据：按 {OVERDUE_ON} 检查")
    assert "将发监察卡 3 张、锁定办件 3 件、发出通知 6 条，将有 3 张黄牌被红牌取代" in lines[0]
    assert lines[1:] == ["  红牌 超过承诺时限（OVERDUE）：3 张，锁定 3 件，通知 6 条"]
    assert await state_of(world["url"]) == before
    # Any day may be previewed, the future too, and that writes nothing either.
    ahead = china_today() + timedelta(days=30)
    future = await asyncio.to_thread(cli, world, "supervise", "--as-of", ahead.isoformat(), "--dry-run")
    assert future.returncode == 0, future.stderr
    assert "将发监察卡 3 张" in future.stdout
    assert await state_of(world["url"]) == before
    # The real sweep then does what the dry run said.
    real = await asyncio.to_thread(cli, world, "supervise", "--as-of", OVERDUE_ON.isoformat())
    assert real.returncode == 0, real.stderr
    assert "新发监察卡 3 张，3 张黄牌被红牌取代" in real.stdout


async def test_an_overdue_case_gets_the_red_card_and_not_also_the_yellow(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    await accepted(world, token, "CASE-F-0005")
    # First swept after its due date: past 90 % and past the deadline, one card only.
    assert await sweep_on(world, OVERDUE_ON) == 1
    assert [
        (c["rule_code"], c["color"], c["status"]) for c in await cards_of(world["url"], "CASE-F-0005")
    ] == [("OVERDUE", "red", "open")]


async def test_the_red_overdue_card_closes_the_open_yellow_as_superseded(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    await accepted(world, token, "CASE-F-0006")
    assert await sweep_on(world, DUE) == 1
    [yellow] = await cards_of(world["url"], "CASE-F-0006")
    assert (yellow["rule_code"], yellow["status"]) == ("NEAR_DEADLINE", "open")
    assert await sweep_on(world, OVERDUE_ON) == 1
    yellow, red = await cards_of(world["url"], "CASE-F-0006")
    assert (red["rule_code"], red["color"], red["status"]) == ("OVERDUE", "red", "open")
    assert (yellow["status"], yellow["closed_by"]) == ("closed", "电子监察系统")
    assert yellow["closing_note"] == f"已升级为红牌（超过承诺时限，监察卡 {red['id']}），本预警随之关闭"
    # Closed at the sweep's moment (noon of the day swept), not left open beside the red card.
    assert yellow["closed_at"] == datetime(2026, 10, 15, 12, tzinfo=UTC)
    # Sweeping again changes nothing.
    assert await sweep_on(world, OVERDUE_ON) == 0
    assert [c["status"] for c in await cards_of(world["url"], "CASE-F-0006")] == ["closed", "open"]


def test_the_in_server_sweep_never_judges_a_day_after_today(settings: Settings) -> None:
    ahead = replace(settings, today=china_today() + timedelta(days=10))
    assert sweep_day(ahead) == china_today()
    assert sweep_day(replace(settings, today=date(2026, 10, 15))) == min(date(2026, 10, 15), china_today())
    assert sweep_day(replace(settings, today=None)) == china_today()


async def fee_cards(world: dict[str, Any], token: Callable[..., str], prefix: str, n: int) -> str:
    """``n`` cases each with a red FEE_MISMATCH card, notified to the handler W-01 and to an
    approver of the department's own (whose staff number is returned)."""
    conn = await asyncpg.connect(world["url"])
    try:
        department_id = await conn.fetchval("SELECT id FROM departments WHERE code = $1", world["dept"])
        post_id = await conn.fetchval(
            "INSERT INTO posts (department_id, name) VALUES ($1, '审批负责人') "
            "ON CONFLICT (department_id, name) DO UPDATE SET name = excluded.name RETURNING id",
            department_id,
        )
        await conn.execute(
            "INSERT INTO staff (staff_no, department_id, name, post_id) VALUES ('AP-01', $1, '审批人', $2)"
            " ON CONFLICT (staff_no) DO NOTHING",
            department_id,
            post_id,
        )
    finally:
        await conn.close()
    events = []
    for k in range(n):
        no = f"{prefix}-{k:04d}"
        events += [received(no, "2026-10-12"), event(no, "ACCEPTED", "2026-10-12")]
        events.append(event(no, "FEE_CHARGED", "2026-10-12", 10, amountYuan="10"))
    results = await push(world, token, events)
    assert applied(results)
    assert sum(len(r["cardsRaised"]) for r in results) == n
    return "AP-01"


async def test_notify_drains_the_whole_outbox_in_batches(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    await fee_cards(world, token, "CASE-N", 60)
    run = await asyncio.to_thread(cli, world, "notify")
    assert run.returncode == 0, run.stderr
    # 120 notifications, more than one batch of 100: all delivered in one run.
    assert run.stdout.startswith("送达 120 条，失败待重试 0 条，收件人退避中暂缓 0 条（共 2 批")
    conn = await asyncpg.connect(world["url"])
    try:
        assert await conn.fetchval("SELECT count(*) FROM notifications WHERE status <> 'delivered'") == 0
        assert await conn.fetchval("SELECT count(*) FROM notification_attempts WHERE ok") == 120
    finally:
        await conn.close()


async def test_a_failing_recipient_backs_off_alone_and_every_attempt_is_recorded(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    approver = await fee_cards(world, token, "CASE-M", 12)
    down = {"W-01"}

    def gateway(request: httpx.Request) -> httpx.Response:
        recipient = httpx.Response(200, content=request.content).json()["recipient"]
        return httpx.Response(503 if recipient in down else 200)

    sender = WebhookSender(
        "http://gateway.test/notify", httpx.AsyncClient(transport=httpx.MockTransport(gateway))
    )
    pool = await asyncpg.create_pool(world["url"], min_size=1, max_size=2)
    try:
        first = await deliver(pool, sender=sender, batch=5)
        # The approver's 12 go through in batches; W-01 failed once and its other 11 wait with it.
        assert (first.delivered, first.failed, first.deferred) == (12, 1, 11)
        assert first.batches >= 3
        waits = await pool.fetch(
            "SELECT recipient, status, attempts, next_attempt_at - now() AS wait"
            " FROM notifications ORDER BY id"
        )
        assert {r["status"] for r in waits if r["recipient"] == approver} == {"delivered"}
        held = [r for r in waits if r["recipient"] == "W-01"]
        assert len(held) == 12 and {r["status"] for r in held} == {"pending"}
        assert sorted(r["attempts"] for r in held) == [0] * 11 + [1]
        assert all(timedelta(seconds=25) < r["wait"] <= timedelta(seconds=30) for r in held)
        # Nothing is due before the backoff ends.
        assert (await deliver(pool, sender=sender)).delivered == 0
        # Due again and still failing: the recipient's wait doubles.
        await pool.execute("UPDATE notifications SET next_attempt_at = now() WHERE status = 'pending'")
        second = await deliver(pool, sender=sender)
        assert (second.delivered, second.failed, second.deferred) == (0, 1, 11)
        waits = await pool.fetch(
            "SELECT next_attempt_at - now() AS wait FROM notifications WHERE status = 'pending'"
        )
        assert all(timedelta(seconds=55) < r["wait"] <= timedelta(seconds=60) for r in waits)
        # The gateway recovers: everything left goes out in one run.
        down.clear()
        await pool.execute("UPDATE notifications SET next_attempt_at = now() WHERE status = 'pending'")
        third = await deliver(pool, sender=sender, batch=5)
        assert (third.delivered, third.failed, third.deferred) == (12, 0, 0)
        # Every attempt is on record, and each notification's count of attempts agrees with it.
        attempts = await pool.fetch(
            "SELECT n.id, n.attempts, count(a.id) AS made, count(a.id) FILTER (WHERE NOT a.ok) AS failed"
            " FROM notifications n LEFT JOIN notification_attempts a ON a.notification_id = n.id"
            " GROUP BY n.id"
        )
        assert all(r["attempts"] == r["made"] for r in attempts)
        assert sum(r["made"] for r in attempts) == 24 + 2
        assert sum(r["failed"] for r in attempts) == 2
    finally:
        await pool.close()
