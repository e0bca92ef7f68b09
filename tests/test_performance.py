"""The scoring rule a department can check: an October of one department's cases pushed through
the real API, carded by the real sweep, closed by discipline as upheld, unfounded or serious, rated
and complained about; its score worked out by hand below and recomputed by SQL written here from
the rule as README states it, not from the code under test. Then the ranking is published, a late
fact arrives, and the published figures stay with a correction beside them.

The power (tests/casework.py): promised limit 5 working days, free; steps S1 (1 day), S2 (2), S3
(1) in a line. October 2026: Oct 1–7 off, Saturday Oct 10 worked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import orjson

from api.app import create_app
from api.settings import Settings
from api.workers import run_sweep
from domain.identity import check_char
from tests.casework import applied, event, push, received, step, sweep_on
from tests.conftest import ROOT, running

RANKING = (ROOT / "public_queries" / "department_ranking.graphql").read_text(encoding="utf-8")
RATE = (ROOT / "public_queries" / "case_rating.graphql").read_text(encoding="utf-8")
SUBMIT = (ROOT / "public_queries" / "complaint_submit.graphql").read_text(encoding="utf-8")
TIME_LIMIT_RULES = ["NEAR_DEADLINE", "DAY_BEFORE_DEADLINE", "OVERDUE"]


async def recompute(conn: asyncpg.Connection, *, department: str, start: date, end: date) -> dict[str, Any]:
    """A department's case figures for [start, end) by the README's rule, in SQL of its own."""
    row = await conn.fetchrow(
        """
        WITH d AS (SELECT id FROM departments WHERE code = $1),
        late_cases AS (
            SELECT k.id FROM cases k, d
            WHERE k.department_id = d.id AND k.state NOT IN (2, 4, 5, 14)
              AND k.promised_due_on < current_date
              AND (k.completed_on IS NULL OR k.completed_on > k.promised_due_on)
        ),
        counted AS (
            SELECT c.*, c.case_id IN (SELECT id FROM late_cases) AS of_late_case
            FROM cards c JOIN cases k ON k.id = c.case_id, d
            WHERE k.department_id = d.id AND c.raised_on >= $2 AND c.raised_on < $3
        )
        SELECT
          (SELECT count(*) FROM cases k, d WHERE k.department_id = d.id AND k.accepted_on IS NOT NULL
             AND k.state IN (11, 12, 13) AND k.completed_on >= $2 AND k.completed_on < $3) AS completed,
          (SELECT count(*) FROM cases k, d WHERE k.department_id = d.id AND k.accepted_on IS NOT NULL
             AND k.state IN (11, 12, 13) AND k.completed_on >= $2 AND k.completed_on < $3
             AND k.completed_on <= k.promised_due_on) AS on_time,
          (SELECT count(*) FROM cases k JOIN late_cases l ON l.id = k.id
             WHERE k.promised_due_on >= $2 AND k.promised_due_on < $3) AS late,
          (SELECT count(*) FROM counted WHERE outcome IS DISTINCT FROM 'unfounded'
             AND outcome IS DISTINCT FROM 'serious' AND color = 'red'
             AND NOT (rule_code = ANY($4) AND of_late_case)) AS red,
          (SELECT count(*) FROM counted WHERE outcome IS DISTINCT FROM 'unfounded'
             AND outcome IS DISTINCT FROM 'serious' AND color = 'yellow'
             AND NOT (rule_code = ANY($4) AND of_late_case)) AS yellow,
          (SELECT count(*) FROM counted WHERE outcome = 'serious') AS serious,
          (SELECT count(*) FROM counted WHERE outcome = 'unfounded') AS unfounded,
          (SELECT count(*) FROM case_ratings r, d WHERE r.department_id = d.id AND r.level >= 4
             AND r.rated_on >= $2 AND r.rated_on < $3) AS bad
        """,
        department,
        start,
        end,
        TIME_LIMIT_RULES,
    )
    assert row is not None
    points = {r["code"]: r["points"] for r in await conn.fetch("SELECT code, points FROM performance_rules")}
    figures = dict(row)
    # Every deduction point is negative in performance_rules.
    figures["score"] = (
        points["BASE"]
        + points["LATE_CASE"] * figures["late"]
        + points["RED_CARD"] * figures["red"]
        + points["YELLOW_CARD"] * figures["yellow"]
        + points["SERIOUS_ERROR"] * figures["serious"]
        + points["BAD_RATING"] * figures["bad"]
    )
    return figures


async def ranking_on(
    world: dict[str, Any], settings: Settings, day: date, period: str, headers: dict[str, str]
) -> dict[str, Any]:
    """The ranking document asked on a later day of the same county."""
    async with running(create_app(replace(settings, today=day), database_url=world["url"])) as later:
        body = (
            await later.post(
                "/graphql", json={"query": RANKING, "variables": {"period": period}}, headers=headers
            )
        ).json()
    assert "errors" not in body, body
    report: dict[str, Any] = body["data"]["departmentPerformance"]
    return report


def _row(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in report["rows"] if r["department"]["code"] == code)


async def _gql(
    client: httpx.AsyncClient, query: str, headers: dict[str, str], **variables: Any
) -> dict[str, Any]:
    body = (
        await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    ).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


EXPLAIN = 'mutation($id: Int!) { explainCard(cardId: $id, explanation: "已核实情况并整改") { id } }'
CLOSE = (
    "mutation($id: Int!, $outcome: CardOutcome!) "
    '{ closeCard(cardId: $id, note: "核查完毕", outcome: $outcome) { outcome } }'
)


async def _close(
    world: dict[str, Any], token: Callable[..., str], case_no: str, rule: str, outcome: str
) -> None:
    conn = await asyncpg.connect(world["url"])
    try:
        card_id = await conn.fetchval(
            "SELECT c.id FROM cards c JOIN cases k ON k.id = c.case_id"
            " WHERE k.case_no = $1 AND c.rule_code = $2",
            case_no,
            rule,
        )
    finally:
        await conn.close()
    dept = {"Authorization": f"Bearer {token('department', world['dept'], 'W-02')}"}
    jw = {"Authorization": f"Bearer {token('discipline', staff='JW-01')}"}
    await _gql(world["client"], EXPLAIN, dept, id=card_id)
    closed = await _gql(world["client"], CLOSE, jw, id=card_id, outcome=outcome)
    assert closed["closeCard"]["outcome"] == outcome


async def _subsidy_flags(world: dict[str, Any]) -> None:
    """A fund of the other department, one payment and three red flags on it raised in October:
    a red one, a yellow one, and one closed as unfounded."""
    conn = await asyncpg.connect(world["url"])
    try:
        other = await conn.fetchval("SELECT id FROM departments WHERE code = $1", world["other"])
        village = await conn.fetchval(
            "SELECT code FROM regions WHERE length(code) = 12 ORDER BY code LIMIT 1"
        )
        fund = await conn.fetchval(
            "INSERT INTO funds (code, name, fund_type, purpose, policy_basis, standard_yuan, standard_unit,"
            " department_id) VALUES ('PERF-TEST', '测试补助', 'elderly', '测试', '测试依据', 100,"
            " 'person_month', $1)"
            " RETURNING id",
            other,
        )
        household = await conn.fetchval(
            "INSERT INTO households (household_no, village_code, address) VALUES ('PERF-H-1', $1, '测试村')"
            " RETURNING id",
            village,
        )
        first17 = "51079919500101123"
        member = await conn.fetchval(
            "INSERT INTO household_members (household_id, name, id_number, is_head)"
            " VALUES ($1, '赵大', $2, true)"
            " RETURNING id",
            household,
            first17 + check_char(first17),
        )
        batch = await conn.fetchval(
            "INSERT INTO payment_batches (batch_no, fund_id, township_code, period)"
            " VALUES ('PERF-B-1', $1, $2,"
            " '2026-10-01') RETURNING id",
            fund,
            village[:9],
        )
        payment = await conn.fetchval(
            "INSERT INTO payments (year, payment_no, batch_id, fund_id, household_id, member_id,"
            " village_code, period, amount_yuan)"
            " VALUES (2026, 'PERF-P-1', $1, $2, $3, $4, $5, '2026-10-01', 100) RETURNING id",
            batch,
            fund,
            household,
            member,
            village,
        )
        for rule, color, day in (("PAID_AFTER_DEATH", "red", 20), ("LATE_DISBURSEMENT", "yellow", 21)):
            await conn.execute(
                "INSERT INTO cards (payment_year, payment_id, member_id, rule_code, color, department_id,"
                " evidence,"
                " raised_at, raised_on) VALUES (2026, $1, $2, $3, $4, $5, '{}', $6, $6::timestamptz::date)",
                payment,
                member,
                rule,
                color,
                other,
                date(2026, 10, day),
            )
        await conn.execute(
            "INSERT INTO cards (member_id, rule_code, color, subject, department_id, evidence, raised_at,"
            " raised_on, status, explanation, closed_by, closed_at, outcome) VALUES ($1,"
            " 'BENEFICIARY_IS_OFFICIAL', 'red', 'PERF-TEST', $2, '{}', '2026-10-22', '2026-10-22', 'closed',"
            " '重名，非本人', 'JW-01', '2026-10-23', 'unfounded')",
            member,
            other,
        )
    finally:
        await conn.close()


async def test_a_departments_month_is_scored_by_the_written_rule_and_frozen_when_published(
    world: dict[str, Any], token: Callable[..., str], month_db_settings: Settings
) -> None:
    client: httpx.AsyncClient = world["client"]
    dept, jw = world["dept"], {"Authorization": f"Bearer {token('discipline', staff='JW-01')}"}

    # P1: accepted Mon Oct 12 -> due Oct 19; completed Oct 15, on time; later rated very dissatisfied.
    p1 = [received("PERF-P1-0001", "2026-10-12"), event("PERF-P1-0001", "ACCEPTED", "2026-10-12")]
    p1 += step("PERF-P1-0001", "S1", "2026-10-12", "2026-10-12")
    p1 += step("PERF-P1-0001", "S2", "2026-10-13", "2026-10-14")
    p1 += step("PERF-P1-0001", "S3", "2026-10-15", "2026-10-15")
    p1.append(event("PERF-P1-0001", "COMPLETED", "2026-10-15", 17, result="APPROVED"))
    # P2: accepted Oct 12 -> due Oct 19; nothing happens until after the sweeps below.
    p2 = [received("PERF-P2-0002", "2026-10-12"), event("PERF-P2-0002", "ACCEPTED", "2026-10-12")]
    # P3: accepted Tue Oct 13 -> due Oct 20; a fee on a free power (FEE_MISMATCH, red), which
    # discipline later finds unfounded; completed Oct 16, on time.
    p3 = [received("PERF-P3-0003", "2026-10-13"), event("PERF-P3-0003", "ACCEPTED", "2026-10-13")]
    p3.append(event("PERF-P3-0003", "FEE_CHARGED", "2026-10-13", 11, amountYuan="50.00"))
    # P4: not accepted without a reason (REFUSAL_WITHOUT_REASON, red): counts.
    p4 = [received("PERF-P4-0004", "2026-10-14"), event("PERF-P4-0004", "NOT_ACCEPTED", "2026-10-14")]
    # P5: accepted Wed Oct 14 -> due Oct 21 (15, 16, 19, 20, 21); S3 before S2 (STEP_OUT_OF_ORDER,
    # red), found serious; then left open: late.
    p5 = [received("PERF-P5-0005", "2026-10-14"), event("PERF-P5-0005", "ACCEPTED", "2026-10-14")]
    p5 += step("PERF-P5-0005", "S1", "2026-10-14", "2026-10-14")
    p5 += step("PERF-P5-0005", "S3", "2026-10-15", None)
    for events in (p1, p2, p3, p4, p5):
        results = await push(world, token, events)
        assert all(r["outcome"] == "APPLIED" for r in results), results
    await _close(world, token, "PERF-P3-0003", "FEE_MISMATCH", "UNFOUNDED")
    p3 = step("PERF-P3-0003", "S1", "2026-10-14", "2026-10-14")
    p3 += step("PERF-P3-0003", "S2", "2026-10-15", "2026-10-16")
    p3 += step("PERF-P3-0003", "S3", "2026-10-16", "2026-10-16")
    p3.append(event("PERF-P3-0003", "COMPLETED", "2026-10-16", 17, result="APPROVED"))
    assert applied(await push(world, token, p3))
    await _close(world, token, "PERF-P5-0005", "STEP_OUT_OF_ORDER", "SERIOUS")
    s3 = event("PERF-P5-0005", "STEP_FINISHED", "2026-10-15", 16, stepKey="S3")
    assert applied(await push(world, token, [s3]))  # unlocked: S3 done within its day

    # Mon Oct 19: P2 has used 5 of 5 days: a yellow warning. Tue Oct 20: P2 is late: OVERDUE, red.
    # (P5 has used 3 and 4 of its 5 days, its steps are finished: nothing.)
    assert await sweep_on(world, date(2026, 10, 19)) == 1
    assert await sweep_on(world, date(2026, 10, 20)) == 1
    await _close(world, token, "PERF-P2-0002", "OVERDUE", "UPHELD")
    p2 = step("PERF-P2-0002", "S1", "2026-10-21", "2026-10-21")
    p2 += step("PERF-P2-0002", "S2", "2026-10-21", "2026-10-22")
    p2 += step("PERF-P2-0002", "S3", "2026-10-22", "2026-10-22")
    p2.append(event("PERF-P2-0002", "COMPLETED", "2026-10-22", 17, result="APPROVED"))
    assert applied(await push(world, token, p2))
    rated = await client.post(
        "/graphql",
        json={
            "query": RATE,
            "variables": {"caseNo": "PERF-P1-0001", "queryCode": "246810", "level": "VERY_DISSATISFIED"},
        },
    )
    assert rated.json()["data"]["rateCase"]["bad"] is True
    await _subsidy_flags(world)

    # Not yet over on Oct 31 (the app's day), nor November: refused, nothing published.
    for period in ("2026-10", "2026-11", "2026Q4"):
        early = (
            await client.post("/graphql", json={"query": RANKING, "variables": {"period": period}})
        ).json()
        assert early["errors"][0]["extensions"]["code"] == "PERIOD_NOT_ENDED"
    refused = await client.get("/open-data/department-rankings.jsonl", params={"period": "2026-10"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERIOD_NOT_ENDED"

    # October by hand: completed P1, P3 on time and P2 late -> 3, 2 on time. Late: P2 (due Oct 19)
    # and P5 (due Oct 21, open) -> -2; P2's yellow and OVERDUE cards are its late case, nothing
    # more. P3's fee card unfounded: 0. P4's refusal: red -1. P5's order card serious: -3. P1's bad
    # rating: -1. 100 - 2 - 1 - 3 - 1 = 93, 良好.
    report = await ranking_on(world, month_db_settings, date(2026, 11, 2), "2026-10", jw)
    mine = _row(report, dept)
    assert Decimal(mine["score"]) == Decimal(93)
    assert (mine["rank"] is not None, mine["grade"], mine["note"]) == (True, "良好", None)
    assert (
        mine["completed"],
        mine["onTime"],
        mine["lateCases"],
        mine["redCards"],
        mine["yellowCards"],
        mine["seriousErrors"],
        mine["unfoundedCards"],
        mine["lateCaseCards"],
        mine["badRatings"],
    ) == (3, 2, 2, 1, 0, 1, 1, 2, 1)
    conn = await asyncpg.connect(world["url"])
    try:
        by_sql = await recompute(conn, department=dept, start=date(2026, 10, 1), end=date(2026, 11, 1))
        fund_flags = await conn.fetch(
            "SELECT c.color, count(*) AS n FROM cards c JOIN payments p ON p.year = c.payment_year"
            " AND p.id = c.payment_id JOIN funds f ON f.id = p.fund_id"
            " JOIN departments d ON d.id = f.department_id"
            " WHERE d.code = $1 AND c.raised_on >= '2026-10-01' AND c.raised_on < '2026-11-01'"
            " AND c.outcome IS DISTINCT FROM 'unfounded' GROUP BY c.color",
            world["other"],
        )
    finally:
        await conn.close()
    assert Decimal(mine["score"]) == by_sql["score"]
    assert (
        mine["completed"],
        mine["onTime"],
        mine["lateCases"],
        mine["redCards"],
        mine["yellowCards"],
        mine["seriousErrors"],
        mine["unfoundedCards"],
        mine["badRatings"],
    ) == tuple(
        by_sql[k] for k in ("completed", "on_time", "late", "red", "yellow", "serious", "unfounded", "bad")
    )

    # The subsidy flags count only in the fund department's subsidy score: the other department
    # has no case, so it is listed unranked, with 100 - 1 (red) - 0.2 (yellow) for its fund; the
    # unfounded flag counts nothing, and the case department's subsidy account is untouched.
    other = _row(report, world["other"])
    assert (other["rank"], other["grade"]) == (None, None) and other["note"]
    assert (other["subsidyRedFlags"], other["subsidyYellowFlags"]) == (1, 1)
    assert {r["color"]: r["n"] for r in fund_flags} == {"red": 1, "yellow": 1}
    assert Decimal(other["subsidyScore"]) == Decimal("98.8")
    assert Decimal(other["score"]) == Decimal(100)
    assert (mine["subsidyRedFlags"], mine["subsidyYellowFlags"]) == (0, 0)
    ranked = [r for r in report["rows"] if r["rank"] is not None]
    assert report["rows"][: len(ranked)] == ranked  # unranked departments follow the ranked ones
    assert all(r["grade"] is None for r in report["rows"][len(ranked) :])
    assert any("逾期" in line for line in report["rules"]) and report["ruleVersion"]
    assert report["publishedAt"] == "2026-11-02T12:00:00+08:00"
    assert report["corrections"] == []

    # After publication: discipline finds P4's refusal card unfounded, and P5 is completed (late).
    await _close(world, token, "PERF-P4-0004", "REFUSAL_WITHOUT_REASON", "UNFOUNDED")
    p5 = step("PERF-P5-0005", "S2", "2026-10-23", "2026-10-26")
    p5.append(event("PERF-P5-0005", "COMPLETED", "2026-10-26", 18, result="APPROVED"))
    assert applied(await push(world, token, p5))
    later = await ranking_on(world, month_db_settings, date(2026, 11, 23), "2026-10", jw)
    assert later["publishedAt"] == report["publishedAt"]
    assert later["rows"] == report["rows"]  # the published figures stand
    corrections = {
        (c["field"], c["published"], c["now"])
        for c in later["corrections"]
        if c["department"]["code"] == dept
    }
    assert {
        ("score", "93", "94"),
        ("redCards", "1", "0"),
        ("unfoundedCards", "1", "2"),
        ("completed", "3", "4"),
    } <= corrections

    # The open-data file serves the published figures, and the change feed lists the publication.
    async with running(
        create_app(replace(month_db_settings, today=date(2026, 11, 23)), database_url=world["url"])
    ) as app:
        lines = [
            orjson.loads(line)
            for line in (
                await app.get("/open-data/department-rankings.jsonl", params={"period": "2026-10"})
            ).text.splitlines()
        ]
        feed = [orjson.loads(line) for line in (await app.get("/open-data/changes.jsonl")).text.splitlines()]
    row = next(r for r in lines if r["department_code"] == dept)
    assert (row["score"], row["red_cards"], row["rank"]) == ("93", 1, mine["rank"])
    assert row["published_at"] == "2026-11-02T12:00:00+08:00"
    assert [(e["period"], e["at"]) for e in feed if e["kind"] == "RANKING_PUBLISHED"] == [
        ("2026-10", "2026-11-02T12:00:00+08:00")
    ]

    # November: the undecided complaint's yellow card (raised Nov 9) and P-cases' nothing: a
    # complaint card counts nothing, so the department has nothing to rank on and is listed only.
    submitted = await client.post(
        "/graphql",
        json={
            "query": SUBMIT,
            "variables": {
                "complaint": {
                    "idempotencyKey": "perf-complaint-0001",
                    "kind": "complaint",
                    "about": "department",
                    "aboutRef": dept,
                    "content": "窗口工作人员多次让我补交同一份材料",
                    "contactName": "刘一",
                    "contactPhone": "13900001111",
                }
            },
        },
    )
    assert "errors" not in submitted.json(), submitted.json()
    pool = await asyncpg.create_pool(world["url"], min_size=1, max_size=2)
    try:
        await run_sweep(pool, today=date(2026, 11, 9))
        assert (
            await pool.fetchval(
                "SELECT count(*) FROM cards"
                " WHERE rule_code = 'COMPLAINT_NOT_DECIDED' AND raised_on = '2026-11-09'"
            )
            == 1
        )
    finally:
        await pool.close()
    november = await ranking_on(world, month_db_settings, date(2026, 12, 1), "2026-11", jw)
    mine = _row(november, dept)
    assert (mine["rank"], mine["grade"], Decimal(mine["score"])) == (None, None, Decimal(100))
    assert mine["note"] and mine["redCards"] == mine["yellowCards"] == 0
