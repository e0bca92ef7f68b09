"""The audit trail for discipline over HTTP: a reason for every unmasked read, the operation's real
name, who read a person's data, what an officer read, and the trail still verifying."""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from db import audit
from domain.audit import GENESIS, AuditEntry, canonical, chain_hash
from tests.conftest import Server, ask, county_of_its_own, running

NOTICE = """
query NoticeForAudit($village: String!, $fund: String!, $period: Date!) {
  noticeList(villageCode: $village, fundCode: $fund, period: $period, first: 3) { nodes { name idNumber } }
}"""
TRAIL = """
query Trail($filter: AuditFilter, $first: Int, $after: String) {
  auditRecords(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      at recordType recordId fields reason operation requestId
      reader { subject role roleLabel unitCode department { code name } }
    }
  }
}"""


@pytest.fixture(scope="module")
async def trail_db(server: Server, template: str) -> AsyncIterator[str]:
    """The demo county with a little of its subsidy money, of this module's own."""
    async with county_of_its_own(server, template, cases=False) as url:
        yield url


@pytest.fixture(scope="module")
async def trail_client(settings: Settings, trail_db: str) -> AsyncIterator[httpx.AsyncClient]:
    strict = replace(settings, access_reason_required=True)
    async with running(create_app(strict, database_url=trail_db)) as client:
        yield client


@pytest.fixture(scope="module")
async def pool(trail_db: str) -> AsyncIterator[asyncpg.Pool]:
    p = await asyncpg.create_pool(trail_db, min_size=1, max_size=2)
    yield p
    await p.close()


@pytest.fixture(scope="module")
async def notice(pool: asyncpg.Pool) -> dict[str, Any]:
    """A village's notice list with payments, its fund's department, and one beneficiary."""
    row = await pool.fetchrow(
        """
        SELECT p.village_code, f.code AS fund, p.period, d.code AS dept, m.id_number, m.id AS member_id
        FROM payments p JOIN funds f ON f.id = p.fund_id JOIN departments d ON d.id = f.department_id
        JOIN household_members m ON m.id = p.member_id
        WHERE f.disclosure = 'notice'
        ORDER BY p.id LIMIT 1
        """
    )
    assert row is not None
    return {
        "village": row["village_code"],
        "fund": row["fund"],
        "period": row["period"].isoformat(),
        "dept": row["dept"],
        "id_number": row["id_number"],
    }


async def entries_of(pool: asyncpg.Pool, actor: str) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM audit_log WHERE actor = $1 ORDER BY id", actor)


async def test_an_unmasked_read_without_a_reason_is_refused_before_anything_is_read(
    trail_client: httpx.AsyncClient, pool: asyncpg.Pool, notice: dict[str, Any], token: Callable[..., str]
) -> None:
    variables = {"village": notice["village"], "fund": notice["fund"], "period": notice["period"]}
    for bearer in (token("discipline", staff="JW-R1"), token("department", notice["dept"], "JW-R1")):
        status, body = await ask(trail_client, NOTICE, variables, bearer=bearer)
        assert status == 400, body
        assert body["errors"][0]["extensions"]["code"] == "REASON_REQUIRED"
        assert "访问事由" in body["errors"][0]["message"]
        assert "data" not in body
    # A personal field reached through a fragment is found as well.
    fragment = NOTICE.replace("nodes { name idNumber }", "nodes { ...who }") + (
        " fragment who on NoticeEntry { ... on NoticeEntry { name } }"
    )
    status, body = await ask(trail_client, fragment, variables, bearer=token("discipline", staff="JW-R1"))
    assert body["errors"][0]["extensions"]["code"] == "REASON_REQUIRED"
    assert await entries_of(pool, "JW-R1") == []


async def test_reads_without_personal_data_need_no_reason_and_the_public_none_at_all(
    trail_client: httpx.AsyncClient, notice: dict[str, Any], token: Callable[..., str]
) -> None:
    status, body = await ask(trail_client, "{ funds { code name } }", bearer=token("discipline"))
    assert status == 200 and body["data"]["funds"]
    variables = {"village": notice["village"], "fund": notice["fund"], "period": notice["period"]}
    document = (
        "query NoticeList($villageCode: String!, $fundCode: String!, $period: Date!) {"
        " noticeList(villageCode: $villageCode, fundCode: $fundCode, period: $period) { nodes { name } } }"
    )
    public_variables = {
        "villageCode": variables["village"],
        "fundCode": variables["fund"],
        "period": variables["period"],
    }
    status, body = await ask(trail_client, document, public_variables)
    # The public runs only vetted documents; whatever it gets is masked and needs no reason.
    assert body.get("errors", [{}])[0].get("extensions", {}).get("code") != "REASON_REQUIRED"


@pytest.mark.parametrize(
    ("reason", "code"),
    [(42, "INVALID_REASON"), ("事" * 201, "INVALID_REASON"), ("核查\u0000", "INVALID_REASON")],
)
async def test_a_reason_that_is_not_plain_text_is_refused(
    trail_client: httpx.AsyncClient, notice: dict[str, Any], token: Callable[..., str], reason: Any, code: str
) -> None:
    variables = {"village": notice["village"], "fund": notice["fund"], "period": notice["period"]}
    status, body = await ask(trail_client, NOTICE, variables, bearer=token("discipline"), reason=reason)
    assert status == 400 and body["errors"][0]["extensions"]["code"] == code


async def test_the_reason_and_the_operation_name_are_recorded_and_the_chain_still_verifies(
    trail_client: httpx.AsyncClient, pool: asyncpg.Pool, notice: dict[str, Any], token: Callable[..., str]
) -> None:
    variables = {"village": notice["village"], "fund": notice["fund"], "period": notice["period"]}
    bearer = token("discipline", staff="JW-R2")
    status, body = await ask(trail_client, NOTICE, variables, bearer=bearer, reason="核查群众举报：冒领低保")
    assert status == 200 and body["data"]["noticeList"]["nodes"], body
    assert "*" not in body["data"]["noticeList"]["nodes"][0]["name"]
    rows = await entries_of(pool, "JW-R2")
    assert rows and {r["reason"] for r in rows} == {"核查群众举报：冒领低保"}
    assert {r["operation"] for r in rows} == {"NoticeForAudit"}
    # An operation without a name is named by its document's fingerprint, not "anonymous".
    unnamed = NOTICE.replace("query NoticeForAudit", "query")
    await ask(trail_client, unnamed, variables, bearer=token("discipline", staff="JW-R3"), reason="专项检查")
    fingerprint = "anonymous:" + hashlib.sha256(unnamed.encode()).hexdigest()[:16]
    assert {r["operation"] for r in await entries_of(pool, "JW-R3")} == {fingerprint}
    # A client's operationName cannot rename what ran: the name is the executed definition's.
    two = NOTICE + " query Other { funds { code } }"
    response = await trail_client.post(
        "/graphql",
        json={
            "query": two,
            "variables": variables,
            "operationName": "NoticeForAudit",
            "extensions": {"reason": "复核"},
        },
        headers={"Authorization": f"Bearer {token('discipline', staff='JW-R4')}"},
    )
    assert response.status_code == 200
    assert {r["operation"] for r in await entries_of(pool, "JW-R4")} == {"NoticeForAudit"}
    async with pool.acquire() as conn:
        result = await audit.verify(conn)
    assert result.ok, result.reason


def test_old_entries_hash_as_before_and_a_reason_is_covered_by_the_hash() -> None:
    from datetime import UTC, datetime

    old = AuditEntry(
        at=datetime(2026, 1, 1, tzinfo=UTC),
        actor="JW-01",
        actor_role="discipline",
        department=None,
        operation="Q",
        record_type="member",
        record_id="1",
        fields=("name",),
        request_id="",
    )
    # The encoding of an entry without a reason is the nine-element array of before 0011.
    assert (
        canonical(old)
        == b'["2026-01-01T00:00:00.000000Z","JW-01","discipline",null,"Q","member","1",["name"],""]'
    )
    with_reason = replace(old, reason="核查")
    assert canonical(with_reason).endswith(',"","核查"]'.encode())
    assert chain_hash(GENESIS, with_reason) != chain_hash(GENESIS, old)
    assert chain_hash(GENESIS, with_reason) != chain_hash(GENESIS, replace(old, reason="其他"))


async def test_a_reason_removed_from_a_stored_row_breaks_the_chain(
    server: Server, template: str, token: Callable[..., str]
) -> None:
    name = await server.clone(template)
    try:
        conn = await asyncpg.connect(server.url(name))
        try:
            from datetime import UTC, datetime

            entry = AuditEntry(
                at=datetime(2026, 11, 2, tzinfo=UTC),
                actor="JW-X",
                actor_role="discipline",
                department=None,
                operation="Q",
                record_type="member",
                record_id="1",
                fields=("name",),
                request_id="r",
                reason="核查",
            )
            await audit.append(conn, entries=[replace(entry, reason=None), entry])
            assert (await audit.verify(conn)).ok
            await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
            await conn.execute(
                "UPDATE audit_log SET reason = NULL WHERE actor = 'JW-X' AND reason IS NOT NULL"
            )
            result = await audit.verify(conn)
            assert not result.ok and "改动" in (result.reason or "")
        finally:
            await conn.close()
    finally:
        await server.drop(name)


async def test_discipline_finds_who_read_a_person_and_what_an_officer_read(
    trail_client: httpx.AsyncClient, pool: asyncpg.Pool, notice: dict[str, Any], token: Callable[..., str]
) -> None:
    variables = {"village": notice["village"], "fund": notice["fund"], "period": notice["period"]}
    await ask(
        trail_client,
        NOTICE,
        variables,
        bearer=token("department", notice["dept"], "W-AUD"),
        reason="公示前核对",
    )
    inspector = token("discipline", staff="JW-AUD")
    status, body = await ask(
        trail_client,
        TRAIL,
        {"filter": {"idNumber": notice["id_number"]}},
        bearer=inspector,
        reason="信访件核查",
    )
    assert status == 200, body
    trail = body["data"]["auditRecords"]
    readers = {n["reader"]["subject"] for n in trail["nodes"]}
    assert "W-AUD" in readers
    read = next(n for n in trail["nodes"] if n["reader"]["subject"] == "W-AUD")
    assert read["reason"] == "公示前核对" and read["operation"] == "NoticeForAudit"
    assert read["recordType"] == "payment" and set(read["fields"]) == {"name", "idNumber"}
    assert read["reader"]["role"] == "department" and read["reader"]["roleLabel"] == "部门"
    assert read["reader"]["department"]["code"] == notice["dept"]
    assert read["at"].endswith("+08:00")
    assert trail["totalCount"] >= len(trail["nodes"])
    # What one officer read, page by page, newest first.
    first = (
        await ask(
            trail_client, TRAIL, {"filter": {"reader": "W-AUD"}, "first": 1}, bearer=inspector, reason="核查"
        )
    )[1]["data"]["auditRecords"]
    total = first["totalCount"]
    assert total == len(await entries_of(pool, "W-AUD")) >= 2
    seen = [first["nodes"][0]]
    cursor = first["pageInfo"]["endCursor"]
    while cursor is not None:
        page = (
            await ask(
                trail_client,
                TRAIL,
                {"filter": {"reader": "W-AUD"}, "first": 1, "after": cursor},
                bearer=inspector,
                reason="核查",
            )
        )[1]["data"]["auditRecords"]
        seen += page["nodes"]
        cursor = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert len(seen) == total
    assert [n["at"] for n in seen] == sorted((n["at"] for n in seen), reverse=True)
    # A date range that ends before the reads finds none of them.
    none = (
        await ask(
            trail_client,
            TRAIL,
            {"filter": {"reader": "W-AUD", "fromDay": "2020-01-01", "toDay": "2020-12-31"}},
            bearer=inspector,
            reason="核查",
        )
    )[1]["data"]["auditRecords"]
    assert none["totalCount"] == 0 and none["nodes"] == []
    # Reading the trail is itself in the trail, with its reason; the ID number is kept masked.
    searches = [r for r in await entries_of(pool, "JW-AUD") if r["record_type"] == "audit_search"]
    assert searches and searches[0]["reason"] == "信访件核查"
    assert notice["id_number"] not in searches[0]["record_id"]
    assert any(r["record_type"] == "audit_log" for r in await entries_of(pool, "JW-AUD"))


async def test_only_discipline_reads_the_trail_and_only_with_a_reason(
    trail_client: httpx.AsyncClient, notice: dict[str, Any], token: Callable[..., str]
) -> None:
    for bearer in (token("department", notice["dept"]), token("township", region=notice["village"][:9])):
        status, body = await ask(trail_client, TRAIL, {}, bearer=bearer, reason="好奇")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    status, body = await ask(trail_client, TRAIL, {}, bearer=token("discipline"))
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "REASON_REQUIRED"
    status, body = await ask(
        trail_client, TRAIL, {"after": "bm9wZQ"}, bearer=token("discipline"), reason="核查"
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_a_reason_may_come_percent_encoded_in_the_x_access_reason_header(
    trail_client: httpx.AsyncClient, pool: asyncpg.Pool, notice: dict[str, Any], token: Callable[..., str]
) -> None:
    variables = {"village": notice["village"], "fund": notice["fund"], "period": notice["period"]}
    headers = {
        "Authorization": f"Bearer {token('discipline', staff='JW-H1')}",
        "X-Access-Reason": urllib.parse.quote("核查：低保复审"),
    }
    response = await trail_client.post(
        "/graphql", json={"query": NOTICE, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.json()
    assert {r["reason"] for r in await entries_of(pool, "JW-H1")} == {"核查：低保复审"}
    headers["X-Access-Reason"] = "%FF%FE"
    response = await trail_client.post(
        "/graphql", json={"query": NOTICE, "variables": variables}, headers=headers
    )
    assert (
        response.status_code == 400 and response.json()["errors"][0]["extensions"]["code"] == "INVALID_REASON"
    )
