"""The supervision machinery around the engine: the audit trail of unmasked reads, notification
delivery, concurrent sweeps and parallel approval."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from db import audit
from db import calendar as db_calendar
from domain.calendar import CalendarNotLoaded
from services.notifications import LogSender, WebhookSender, backoff, deliver
from services.supervision import sweep
from tests.casework import PUSH, SPLIT_POWER, applied, event, push, received, step
from tests.conftest import ACCESS_REASON, ROOT


async def test_unmasked_reads_by_officials_are_audited_and_masked_reads_are_not(
    world: dict[str, Any],
    token: Callable[..., str],
) -> None:
    assert applied(await push(world, token, [received("CASE-P-0001", "2026-10-12")]))
    client: httpx.AsyncClient = world["client"]
    query = "query Look($no: String!) { case(caseNo: $no) { applicantName applicantPhone } }"
    own = {
        "Authorization": f"Bearer {token('department', world['dept'], 'W-09')}",
        "X-Request-ID": "rq-7",
        **ACCESS_REASON,
    }
    await client.post("/graphql", json={"query": query, "variables": {"no": "CASE-P-0001"}}, headers=own)
    progress = (
        "query($no: String!, $qc: String!) { caseProgress(caseNo: $no, queryCode: $qc) { applicantName } }"
    )
    other = {"Authorization": f"Bearer {token('department', world['other'])}", **ACCESS_REASON}
    masked = await client.post(
        "/graphql",
        json={"query": progress, "variables": {"no": "CASE-P-0001", "qc": "246810"}},
        headers=other,
    )
    assert masked.json()["data"]["caseProgress"]["applicantName"] == "王**"
    conn = await asyncpg.connect(world["url"])
    try:
        rows = await audit.list_entries_by_record(conn, record_type="case", record_id="CASE-P-0001", limit=10)
        assert len(rows) == 1
        [row] = rows
        assert (row.actor, row.actor_role, row.department, row.operation, row.request_id) == (
            "W-09",
            "department",
            world["dept"],
            "Look",
            "rq-7",
        )
        assert set(row.fields) == {"applicantName", "applicantPhone"}
        assert (await audit.verify(conn)).ok
    finally:
        await conn.close()


async def test_each_card_notifies_and_delivery_retries_with_backoff(
    world: dict[str, Any],
    token: Callable[..., str],
) -> None:
    events = [received("CASE-Q-0001", "2026-10-12"), event("CASE-Q-0001", "ACCEPTED", "2026-10-12")]
    events.append(event("CASE-Q-0001", "FEE_CHARGED", "2026-10-12", amountYuan="10"))
    assert (await push(world, token, events))[-1]["cardsRaised"] == ["FEE_MISMATCH"]
    failures = 0

    def gateway(request: httpx.Request) -> httpx.Response:
        nonlocal failures
        if failures < 1:  # the gateway is down for the first attempt
            failures += 1
            return httpx.Response(503)
        return httpx.Response(200)

    pool = await asyncpg.create_pool(world["url"], min_size=1, max_size=2)
    try:
        sender = WebhookSender(
            "http://gateway.test/notify", httpx.AsyncClient(transport=httpx.MockTransport(gateway))
        )
        first = await deliver(pool, sender=sender)
        assert (first.delivered, first.failed) == (1, 1)  # handler and approver: one failed
        # the failed one waits its backoff before the next try
        assert (await deliver(pool, sender=sender)).delivered == 0
        await pool.execute("UPDATE notifications SET next_attempt_at = now() WHERE status = 'pending'")
        assert (await deliver(pool, sender=LogSender())).delivered == 1
        attempts = await pool.fetch(
            "SELECT n.recipient_role, a.sender, a.ok FROM notification_attempts a "
            "JOIN notifications n ON n.id = a.notification_id ORDER BY a.id"
        )
        # The handler's notice was first in line and met the outage; the approver's went through.
        assert [(r["recipient_role"], r["sender"], r["ok"]) for r in attempts] == [
            ("handler", "webhook", False),
            ("approver", "webhook", True),
            ("handler", "log", True),
        ]
        statuses = await pool.fetch("SELECT status, attempts FROM notifications ORDER BY id")
        assert {r["status"] for r in statuses} == {"delivered"}
        assert sorted(r["attempts"] for r in statuses) == [1, 2]
    finally:
        await pool.close()
    assert [backoff(n) for n in (1, 2, 3, 20)] == [30.0, 60.0, 120.0, 3600.0]


async def test_concurrent_sweeps_raise_each_card_once(
    world: dict[str, Any],
    token: Callable[..., str],
) -> None:
    events = []
    for n in range(12):
        no = f"CASE-R-{n:04d}"
        events += [received(no, "2026-10-08"), event(no, "ACCEPTED", "2026-10-08")]
    assert applied(await push(world, token, events))
    pools = [await asyncpg.create_pool(world["url"], min_size=1, max_size=2) for _ in range(3)]
    try:
        async with pools[0].acquire() as conn:
            calendar = await db_calendar.get_calendar(conn)
        now = datetime(2026, 10, 15, 12, tzinfo=UTC)
        results = await asyncio.gather(
            *(sweep(p, calendar=calendar, today=date(2026, 10, 15), now=now, batch=2) for p in pools)
        )
        # Due Oct 14: each case gets its red card (and not also the yellow it supersedes), however
        # many sweepers ran.
        assert sum(r.cards_raised for r in results) == 12
        again = await sweep(pools[0], calendar=calendar, today=date(2026, 10, 15), now=now)
        assert again.cards_raised == 0
        per_case = await pools[0].fetch(
            "SELECT k.case_no, count(*) AS n FROM cards c JOIN cases k ON k.id = c.case_id "
            "WHERE k.case_no LIKE 'CASE-R-%' GROUP BY k.case_no"
        )
        assert {r["n"] for r in per_case} == {1}
        assert len(per_case) == 12
    finally:
        for p in pools:
            await p.close()


async def test_parallel_approval_lead_completes_only_after_every_branch(
    world: dict[str, Any],
    token: Callable[..., str],
) -> None:
    lead = "CASE-S-LEAD"
    sub = "CASE-S-SUB1"
    assert applied(
        await push(world, token, [received(lead, "2026-10-12"), event(lead, "ACCEPTED", "2026-10-12")])
    )
    # The other department files its branch as a sub-case of the lead.
    other_events = [{**received(sub, "2026-10-12", power=SPLIT_POWER), "leadCaseNo": lead}]
    other = {"Authorization": f"Bearer {token('department', world['other'], 'B-01')}"}
    client: httpx.AsyncClient = world["client"]
    response = await client.post(
        "/graphql", json={"query": PUSH, "variables": {"events": other_events}}, headers=other
    )
    # SPLIT_POWER belongs to the first department: the branch must be filed under a power of its own.
    assert response.json()["data"]["recordCaseEvents"]["results"][0]["code"] == "POWER_OF_OTHER_DEPARTMENT"
    conn = await asyncpg.connect(world["url"])
    try:
        b_power = await conn.fetchval(
            "SELECT p.code FROM powers p JOIN departments d ON d.id = p.department_id "
            "WHERE d.code = $1 AND p.status = 'published' AND p.promised_limit_days IS NOT NULL "
            "ORDER BY p.code LIMIT 1",
            world["other"],
        )
        b_steps = [
            r["key"]
            for r in await conn.fetch(
                "SELECT s.key FROM process_steps s JOIN powers p ON p.id = s.power_id "
                "WHERE p.code = $1 ORDER BY position",
                b_power,
            )
        ]
    finally:
        await conn.close()
    other_events = [{**received(sub, "2026-10-12", power=b_power), "leadCaseNo": lead, "staffNo": "B-01"}]
    other_events.append({**event(sub, "ACCEPTED", "2026-10-12"), "staffNo": "B-01"})
    response = await client.post(
        "/graphql", json={"query": PUSH, "variables": {"events": other_events}}, headers=other
    )
    assert applied(response.json()["data"]["recordCaseEvents"]["results"])
    # The lead cannot complete while its branch is open.
    early = await push(
        world, token, [event(lead, "COMPLETED", "2026-10-13", result="REFUSED", reason="不符合条件")]
    )
    assert early[0]["code"] == "SUB_CASES_OPEN"
    finish = []
    for key in b_steps:
        finish += step(sub, key, "2026-10-13", "2026-10-13")
    finish.append(event(sub, "COMPLETED", "2026-10-13", 17, result="APPROVED"))
    finish = [{**e, "staffNo": "B-01"} for e in finish]
    response = await client.post(
        "/graphql", json={"query": PUSH, "variables": {"events": finish}}, headers=other
    )
    assert applied(response.json()["data"]["recordCaseEvents"]["results"])
    done = await push(
        world, token, [event(lead, "COMPLETED", "2026-10-14", result="REFUSED", reason="不符合条件")]
    )
    assert done[0]["outcome"] == "APPLIED"
    jw = {"Authorization": f"Bearer {token('discipline')}"}
    body = (
        await client.post(
            "/graphql",
            json={
                "query": "query($no: String!) { case(caseNo: $no) { subCases { caseNo stateLabel } } }",
                "variables": {"no": lead},
            },
            headers=jw,
        )
    ).json()
    assert body["data"]["case"]["subCases"] == [{"caseNo": sub, "stateLabel": "办结（通过）"}]


async def test_years_not_yet_published_count_weekdays_until_loaded(db: asyncpg.Pool) -> None:
    """2027's holidays are not published yet: a due date in 2027 counts Monday to Friday, while a
    year before the first loaded one stays unknown."""
    async with db.acquire() as conn:
        calendar = await db_calendar.get_calendar(conn)
    # Tue Dec 29 2026 + 3 working days: Wed 30, Thu 31, then Fri Jan 1 2027 (provisional: worked).
    assert calendar.add_working_days(date(2026, 12, 29), 3) == date(2027, 1, 1)
    with pytest.raises(CalendarNotLoaded):
        calendar.add_working_days(date(2019, 5, 1), 1)


async def test_audit_verify_command_names_the_first_altered_row(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    assert applied(await push(world, token, [received("CASE-V-0001", "2026-10-12")]))
    client: httpx.AsyncClient = world["client"]
    look = "query($no: String!) { case(caseNo: $no) { applicantName } }"
    for staff in ("W-11", "W-12", "W-13"):
        headers = {"Authorization": f"Bearer {token('department', world['dept'], staff)}", **ACCESS_REASON}
        await client.post(
            "/graphql", json={"query": look, "variables": {"no": "CASE-V-0001"}}, headers=headers
        )
    env = {**os.environ, "DATABASE_URL": world["url"], "LOG_LEVEL": "WARNING"}

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", "audit-verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    good = await asyncio.to_thread(verify)
    assert good.returncode == 0, good.stderr
    assert "共 3 条" in good.stdout
    conn = await asyncpg.connect(world["url"])
    try:
        second = await conn.fetchval("SELECT id FROM audit_log ORDER BY id OFFSET 1 LIMIT 1")
        await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        await conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE id = $1", second)
        await conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")
    finally:
        await conn.close()
    bad = await asyncio.to_thread(verify)
    assert bad.returncode == 1
    assert f"第 {second} 条" in bad.stderr
