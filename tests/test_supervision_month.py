"""A scripted month of one department's cases across the 2026 Mid-Autumn and National Day
holidays (Sep 25–27 and Oct 1–7 off; Saturday Oct 10 worked), pushed through the real API and
swept by the real supervision worker. Every due date, card, lock and the month's score is
worked out by hand below, not by the code under test.

The power: promised limit 5 working days, statutory 20, free of charge; steps S1 受理 (1 day),
S2 审查 (2 days), S3 决定 (1 day) in a line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from api.settings import Settings
from tests.casework import (
    SPLIT_POWER,
    applied,
    ask_on,
    case,
    event,
    push,
    received,
    step,
    sweep_on,
)
from tests.conftest import ACCESS_REASON, ROOT


async def test_a_month_of_cases_across_the_national_day_holiday(
    world: dict[str, Any], token: Callable[..., str], month_db_settings: Settings
) -> None:
    # A: accepted Wed Sep 23. Five working days: Sep 24, 28, 29, 30, Oct 8 (Sep 25-27 and
    # Oct 1-7 are off) -> due Oct 8. Completed that day: on time, no card.
    a = [received("CASE-A-0001", "2026-09-23"), event("CASE-A-0001", "ACCEPTED", "2026-09-23")]
    a += step("CASE-A-0001", "S1", "2026-09-23", "2026-09-23")
    a += step("CASE-A-0001", "S2", "2026-09-24", "2026-09-29")  # Sep 28, 29: 2 days, its limit
    a += step("CASE-A-0001", "S3", "2026-09-30", "2026-10-08")  # Oct 8: 1 day
    a.append(event("CASE-A-0001", "COMPLETED", "2026-10-08", 17, result="APPROVED"))
    assert applied(await push(world, token, a))
    got = await case(world, token, "CASE-A-0001")
    assert (got["promisedDueOn"], got["completedOn"], got["onTime"], got["cards"]) == (
        "2026-10-08",
        "2026-10-08",
        True,
        [],
    )
    # Statutory 20 working days from Sep 23: Sep 24, 28, 29, 30, Oct 8, 9, 10 (adjusted Saturday)
    # are 7; Oct 12-16 and 19-23 make 17; Oct 26, 27, 28 -> Oct 28.
    assert got["statutoryDueOn"] == "2026-10-28"

    # B: accepted Mon Sep 28 -> due Oct 10 (Sep 29, 30, Oct 8, 9, 10). A supplement from Sep 29 to
    # Oct 9 stops the clock for 3 working days (Sep 30, Oct 8, Oct 9) -> due Oct 14.
    b = [received("CASE-B-0002", "2026-09-28"), event("CASE-B-0002", "ACCEPTED", "2026-09-28")]
    b += step("CASE-B-0002", "S1", "2026-09-28", "2026-09-28")
    b.append(event("CASE-B-0002", "SUPPLEMENT_STARTED", "2026-09-29"))
    assert applied(await push(world, token, b))
    assert (await case(world, token, "CASE-B-0002"))["promisedDueOn"] == "2026-10-10"
    b = [event("CASE-B-0002", "SUPPLEMENT_ENDED", "2026-10-09")]
    b += step("CASE-B-0002", "S2", "2026-10-10", "2026-10-12")
    assert applied(await push(world, token, b))
    assert (await case(world, token, "CASE-B-0002"))["promisedDueOn"] == "2026-10-14"

    # C: accepted Thu Oct 8 -> due Oct 14 (Oct 9, 10, 12, 13, 14); then nothing happens.
    c = [received("CASE-C-0003", "2026-10-08"), event("CASE-C-0003", "ACCEPTED", "2026-10-08")]
    assert applied(await push(world, token, c))
    assert (await case(world, token, "CASE-C-0003"))["promisedDueOn"] == "2026-10-14"

    # Tue Oct 13, evening sweep: C has used 4 of 5 days (< 90 %), B 4 of 5 after its pause.
    assert await sweep_on(world, date(2026, 10, 13)) == 0

    # Wed Oct 14: B completes on its (moved) due date, on time.
    b = step("CASE-B-0002", "S3", "2026-10-13", "2026-10-14")
    b.append(event("CASE-B-0002", "COMPLETED", "2026-10-14", 17, result="APPROVED"))
    assert applied(await push(world, token, b))
    got = await case(world, token, "CASE-B-0002")
    assert (got["completedOn"], got["onTime"], got["cards"]) == ("2026-10-14", True, [])

    # Wed Oct 14 sweep: C has used 5 of 5 days (>= 90 %): a yellow card, no lock.
    assert await sweep_on(world, date(2026, 10, 14)) == 1
    got = await case(world, token, "CASE-C-0003")
    assert [(x["rule"], x["color"]) for x in got["cards"]] == [("NEAR_DEADLINE", "YELLOW")]
    assert got["locked"] is False

    # Thu Oct 15 sweep: C is past its due date: a red card, and the case locks. A second sweep
    # the same day raises nothing more.
    assert await sweep_on(world, date(2026, 10, 15)) == 1
    assert await sweep_on(world, date(2026, 10, 15)) == 0
    got = await case(world, token, "CASE-C-0003")
    red = next(x for x in got["cards"] if x["color"] == "RED")
    assert red["rule"] == "OVERDUE"
    assert red["evidence"]["due_on"] == "2026-10-14"
    assert got["locked"] is True
    assert [h["action"] for h in got["lockHistory"]] == ["locked"]

    # Locked: handling is refused until the department explains and discipline releases.
    refused = await push(world, token, step("CASE-C-0003", "S1", "2026-10-16", "2026-10-16"))
    assert [r["code"] for r in refused] == ["CASE_LOCKED", "PRECEDING_EVENT_REFUSED"]
    headers_dept = {"Authorization": f"Bearer {token('department', world['dept'], 'W-02')}", **ACCESS_REASON}
    headers_jw = {"Authorization": f"Bearer {token('discipline', staff='JW-01')}", **ACCESS_REASON}
    close = 'mutation($id: Int!) { closeCard(cardId: $id, note: "同意解锁") { status } }'
    early = (
        await world["client"].post(
            "/graphql", json={"query": close, "variables": {"id": red["id"]}}, headers=headers_jw
        )
    ).json()
    assert early["errors"][0]["extensions"]["code"] == "EXPLANATION_REQUIRED"
    explain = (
        'mutation($id: Int!) { explainCard(cardId: $id, explanation: "申请人补充材料延误，已督促办理")'
        " { status } }"
    )
    explained = await world["client"].post(
        "/graphql", json={"query": explain, "variables": {"id": red["id"]}}, headers=headers_dept
    )
    assert explained.json()["data"]["explainCard"]["status"] == "EXPLAINED"
    closed = await world["client"].post(
        "/graphql", json={"query": close, "variables": {"id": red["id"]}}, headers=headers_jw
    )
    assert closed.json()["data"]["closeCard"]["status"] == "CLOSED"
    got = await case(world, token, "CASE-C-0003")
    assert got["locked"] is False
    assert [h["action"] for h in got["lockHistory"]] == ["locked", "explained", "released"]

    # C then completes late on Tue Oct 20; the OVERDUE card it already has is not raised twice.
    c = step("CASE-C-0003", "S1", "2026-10-16", "2026-10-16")
    c += step("CASE-C-0003", "S2", "2026-10-16", "2026-10-19")
    c += step("CASE-C-0003", "S3", "2026-10-19", "2026-10-20")
    c.append(event("CASE-C-0003", "COMPLETED", "2026-10-20", 17, result="APPROVED"))
    assert applied(await push(world, token, c))
    got = await case(world, token, "CASE-C-0003")
    assert (got["completedOn"], got["onTime"]) == ("2026-10-20", False)
    assert sorted(x["rule"] for x in got["cards"]) == ["NEAR_DEADLINE", "OVERDUE"]

    # D: a fee charged on a free power: a red card on the spot, and a lock.
    d = [received("CASE-D-0004", "2026-10-26"), event("CASE-D-0004", "ACCEPTED", "2026-10-26")]
    d.append(event("CASE-D-0004", "FEE_CHARGED", "2026-10-26", 11, amountYuan="50.00"))
    results = await push(world, token, d)
    assert results[-1]["cardsRaised"] == ["FEE_MISMATCH"]
    got = await case(world, token, "CASE-D-0004")
    assert got["locked"] is True
    assert got["cards"][0]["evidence"] == {"charged_yuan": "50.00", "standard_yuan": "0"}

    # E: not accepted without a reason: a red card.
    e = [received("CASE-E-0005", "2026-10-27"), event("CASE-E-0005", "NOT_ACCEPTED", "2026-10-27")]
    assert (await push(world, token, e))[-1]["cardsRaised"] == ["REFUSAL_WITHOUT_REASON"]

    # F: S3 started before S2: a red card for the order of steps.
    f = [received("CASE-F-0006", "2026-10-27"), event("CASE-F-0006", "ACCEPTED", "2026-10-27")]
    f += step("CASE-F-0006", "S1", "2026-10-27", "2026-10-27")
    f += step("CASE-F-0006", "S3", "2026-10-28", None)
    assert (await push(world, token, f))[-1]["cardsRaised"] == ["STEP_OUT_OF_ORDER"]

    # Every card notified its handler and its approver, through the outbox.
    conn = await asyncpg.connect(world["url"])
    try:
        per_card = await conn.fetch(
            "SELECT c.rule_code, array_agg(n.recipient_role ORDER BY n.recipient_role) AS roles "
            "FROM cards c JOIN notifications n ON n.card_id = c.id GROUP BY c.id, c.rule_code"
        )
        assert len(per_card) == 5  # C yellow, C red, D, E, F
        assert all(list(r["roles"]) == ["approver", "handler"] for r in per_card)
    finally:
        await conn.close()

    # October's score for the department, by the formula in performance_rules:
    # completed A (on time), B (on time), C (late); late cases: C; cards raised in October:
    # C's yellow and OVERDUE are its late case (deducted once, as the late case); red 3 (D fee,
    # E refusal, F order). 100 - 1 x 1 (late) - 3 x 1 (red) = 96, no bonus (fewer than 10 cases).
    query = """
    query { departmentPerformance(period: "2026-10") { period rows {
      department { code } rank grade score bonus deductions completed onTime onTimeRate lateCases
      yellowCards redCards averagePromisedDays } } }
    """
    # Asked once October is over: on Oct 31 itself the month is still running, and no ranking is made.
    early = (await world["client"].post("/graphql", json={"query": query}, headers=headers_jw)).json()
    assert early["errors"][0]["extensions"]["code"] == "PERIOD_NOT_ENDED"
    body = await ask_on(world, month_db_settings, date(2026, 11, 2), query, headers_jw)
    row = next(
        r for r in body["data"]["departmentPerformance"]["rows"] if r["department"]["code"] == world["dept"]
    )
    assert Decimal(row["score"]) == Decimal(96)
    assert (row["completed"], row["onTime"], row["lateCases"], row["yellowCards"], row["redCards"]) == (
        3,
        2,
        1,
        0,
        3,
    )
    assert row["grade"] == "优秀"
    assert row["averagePromisedDays"] == 5.0


async def test_duplicate_and_illegal_events_are_reported_per_event(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    first = received("CASE-G-0007", "2026-10-12")
    setup = [first, event("CASE-G-0007", "ACCEPTED", "2026-10-12")]
    setup += [received("CASE-M-0013", "2026-10-12"), event("CASE-M-0013", "ACCEPTED", "2026-10-12")]
    assert applied(await push(world, token, setup))
    batch = [
        first,  # sent again: counts once
        event("CASE-G-0007", "COMPLETED", "2026-10-13", result="APPROVED"),  # the steps were never done
        event("CASE-H-0008", "ACCEPTED", "2026-10-13"),  # no such case
        received("CASE-I-0009", "2026-10-13", power="510799-XK-99999"),  # no such power
        received("CASE-J-0010", "2026-10-13", power=SPLIT_POWER),
        event("CASE-J-0010", "ACCEPTED", "2026-10-13"),
        *step("CASE-J-0010", "S2", "2026-10-13", None),  # S2 belongs to another department
        event(
            "CASE-J-0010", "COMPLETED", "2026-10-14", result="REFUSED", reason="不符合条件"
        ),  # after a refusal
        {**event("CASE-K-0011", "ACCEPTED", "2026-10-13"), "caseNo": "坏编号"},  # malformed
        event("CASE-G-0007", "REVOKED", "2026-10-14"),  # G's STEP_SKIPPED red card locked it
        event("CASE-M-0013", "STEP_FINISHED", "2026-10-13", stepKey="S1"),  # never started
        event("CASE-M-0013", "WITHDRAWN", "2026-10-13"),  # an earlier M event in this batch was refused
    ]
    results = await push(world, token, batch)
    outcomes = [(r["outcome"], r["code"]) for r in results]
    assert outcomes == [
        ("DUPLICATE", None),
        ("APPLIED", None),  # completion itself is legal from ACCEPTED; the skipped steps are carded
        ("REFUSED", "UNKNOWN_CASE"),
        ("REFUSED", "UNKNOWN_POWER"),
        ("APPLIED", None),
        ("APPLIED", None),
        ("REFUSED", "STEP_OF_OTHER_DEPARTMENT"),
        ("REFUSED", "PRECEDING_EVENT_REFUSED"),
        ("REFUSED", "INVALID_FIELD"),
        ("REFUSED", "CASE_LOCKED"),
        ("REFUSED", "ILLEGAL_TRANSITION"),
        ("REFUSED", "PRECEDING_EVENT_REFUSED"),
    ]
    assert results[1]["cardsRaised"] == ["STEP_SKIPPED"]
    assert all(r["message"] for r in results if r["outcome"] == "REFUSED")
    conn = await asyncpg.connect(world["url"])
    try:
        assert (
            await conn.fetchval("SELECT count(*) FROM case_events WHERE event_id = $1", first["eventId"]) == 1
        )
        g = await conn.fetchrow("SELECT state, completed_on FROM cases WHERE case_no = 'CASE-G-0007'")
        assert g is not None
        assert (g["state"], g["completed_on"]) == (11, date(2026, 10, 13))
    finally:
        await conn.close()


async def test_public_progress_lookup_masks_and_hides_misses(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    assert applied(await push(world, token, [received("CASE-L-0012", "2026-10-12")]))
    query = (
        "query($no: String!, $code: String!) { caseProgress(caseNo: $no, queryCode: $code) "
        "{ caseNo stateLabel applicantName applicantIdNumber applicantPhone applicantAddress locked } }"
    )
    client = world["client"]
    jw = {"Authorization": f"Bearer {token('discipline', staff='JW-01')}", **ACCESS_REASON}
    other = {"Authorization": f"Bearer {token('department', world['other'])}", **ACCESS_REASON}
    right = {"no": "CASE-L-0012", "code": "246810"}
    as_other = (
        await client.post("/graphql", json={"query": query, "variables": right}, headers=other)
    ).json()
    progress = as_other["data"]["caseProgress"]
    assert progress["applicantName"] == "王**"
    assert progress["applicantIdNumber"] == "510799********123X"
    assert progress["applicantPhone"] == "138****5678"
    assert progress["applicantAddress"] == "桐溪县城关镇"
    assert progress["locked"] is None
    full = (await client.post("/graphql", json={"query": query, "variables": right}, headers=jw)).json()
    assert full["data"]["caseProgress"]["applicantName"] == "王小明"
    wrong_code = (
        await client.post(
            "/graphql", json={"query": query, "variables": {**right, "code": "000000"}}, headers=other
        )
    ).json()
    unknown = (
        await client.post(
            "/graphql",
            json={"query": query, "variables": {"no": "CASE-Z-9999", "code": "246810"}},
            headers=other,
        )
    ).json()
    assert wrong_code == unknown
    assert wrong_code["errors"][0]["extensions"]["code"] == "CASE_NOT_FOUND"


async def test_anonymous_citizen_reads_progress_through_the_vetted_document(
    world: dict[str, Any], token: Callable[..., str]
) -> None:
    events = [received("CASE-N-0014", "2026-10-12"), event("CASE-N-0014", "ACCEPTED", "2026-10-12")]
    events += step("CASE-N-0014", "S1", "2026-10-12", "2026-10-12")
    assert applied(await push(world, token, events))
    document = (ROOT / "public_queries" / "case_status.graphql").read_text(encoding="utf-8")
    answer = await world["client"].post(
        "/graphql", json={"query": document, "variables": {"caseNo": "CASE-N-0014", "queryCode": "246810"}}
    )
    progress = answer.json()["data"]["caseProgress"]
    assert progress["stateLabel"] == "部门办理中"
    assert progress["applicantName"] == "王**"
    # Accepted Mon Oct 12: Oct 13, 14, 15, 16, 19.
    assert progress["promisedDueOn"] == "2026-10-19"
    assert progress["timeline"] == [
        {"stepKey": "S1", "stepName": "受理", "startedOn": "2026-10-12", "finishedOn": "2026-10-12"}
    ]
    assert progress["onTime"] is False  # still open on the pinned "today", Oct 31, past Oct 19
