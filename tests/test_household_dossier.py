"""A household's dossier for discipline and for its township, and the township role, over HTTP
with real tokens: members, every payment with the four monitoring points and who recorded each,
red flags, audited reads with a reason; a township sees its own villages' money and nothing else
beyond the public's view."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from api.app import create_app
from api.auth import mint_dev_token
from api.settings import Settings
from domain.viewer import Role
from tests.conftest import ROOT, Server, ask, county_of_its_own, running

DOSSIER = """
query Dossier($no: String, $id: String, $first: Int, $after: String) {
  household(householdNo: $no, memberIdNumber: $id) {
    householdNo villageCode address landMu village { code name }
    members { name idNumber relation isHead deceasedOn }
    payments(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        paymentNo fundCode fundName batchNo period amountYuan beneficiary
        stages { stage stageLabel onDay amountYuan form recordedBy recordedByName recordedAt corrects }
      }
    }
    redFlags { cardId ruleCode ruleLabel color status raisedOn paymentNo }
  }
}"""
NOTICE = """
query TownshipNotice($village: String!, $fund: String!, $period: Date!) {
  noticeList(villageCode: $village, fundCode: $fund, period: $period, first: 5) { nodes { name idNumber } }
}"""


@pytest.fixture(scope="module")
async def dossier_db(server: Server, template: str) -> AsyncIterator[str]:
    """The demo county with a little of its subsidy money, and a red flag on one household."""
    async with county_of_its_own(server, template, cases=False) as url:
        yield url


@pytest.fixture(scope="module")
async def dossier_client(settings: Settings, dossier_db: str) -> AsyncIterator[httpx.AsyncClient]:
    strict = replace(settings, access_reason_required=True)
    async with running(create_app(strict, database_url=dossier_db)) as client:
        yield client


@pytest.fixture(scope="module")
async def pool(dossier_db: str) -> AsyncIterator[asyncpg.Pool]:
    p = await asyncpg.create_pool(dossier_db, min_size=1, max_size=2)
    yield p
    await p.close()


@pytest.fixture(scope="module")
async def house(pool: asyncpg.Pool) -> dict[str, Any]:
    """The household with the most payments whose batches went through all three stages, a flag on
    one of its payments, and a village of another township."""
    row = await pool.fetchrow(
        """
        SELECT h.id, h.household_no, h.village_code, count(*) AS payments
        FROM households h JOIN payments p ON p.household_id = h.id
        WHERE (SELECT count(DISTINCT stage) FROM batch_stages s WHERE s.batch_id = p.batch_id) = 3
          AND EXISTS (SELECT 1 FROM disbursements d WHERE d.year = p.year AND d.payment_id = p.id)
        GROUP BY h.id ORDER BY count(*) DESC, h.id LIMIT 1
        """
    )
    assert row is not None and row["payments"] >= 3
    payment = await pool.fetchrow(
        "SELECT p.year, p.id, p.payment_no, p.member_id, f.department_id FROM payments p"
        " JOIN funds f ON f.id = p.fund_id WHERE p.household_id = $1 ORDER BY p.id LIMIT 1",
        row["id"],
    )
    assert payment is not None
    await pool.execute(
        "INSERT INTO cards (payment_year, payment_id, member_id, rule_code, color, subject, department_id,"
        " evidence, raised_on) VALUES ($1, $2, $3, 'PAID_AFTER_DEATH', 'red', 'dossier-test', $4, '{}',"
        " '2026-06-03') ON CONFLICT DO NOTHING",
        payment["year"],
        payment["id"],
        payment["member_id"],
        payment["department_id"],
    )
    member = await pool.fetchrow(
        "SELECT id, id_number, name FROM household_members WHERE household_id = $1 ORDER BY id LIMIT 1",
        row["id"],
    )
    assert member is not None
    other = await pool.fetchval(
        "SELECT code FROM regions WHERE level = 2 AND code <> $1 ORDER BY code LIMIT 1",
        row["village_code"][:9],
    )
    notice = await pool.fetchrow(
        """
        SELECT p.village_code, f.code AS fund, p.period FROM payments p JOIN funds f ON f.id = p.fund_id
        WHERE f.disclosure = 'notice' AND p.village_code = $1 ORDER BY p.id LIMIT 1
        """,
        row["village_code"],
    )
    return {
        "no": row["household_no"],
        "village": row["village_code"],
        "township": row["village_code"][:9],
        "other_township": other,
        "payments": row["payments"],
        "payment_no": payment["payment_no"],
        "member_id_number": member["id_number"],
        "member_name": member["name"],
        "notice": notice,
    }


async def test_discipline_reads_a_household_dossier_with_every_payment_and_its_four_stages(
    dossier_client: httpx.AsyncClient, pool: asyncpg.Pool, house: dict[str, Any], token: Callable[..., str]
) -> None:
    inspector = token("discipline", staff="JW-D1")
    status, body = await ask(
        dossier_client, DOSSIER, {"no": house["no"], "first": 2}, bearer=inspector, reason="专项检查"
    )
    assert status == 200, body
    dossier = body["data"]["household"]
    assert dossier["householdNo"] == house["no"] and dossier["village"]["code"] == house["village"]
    assert "*" not in dossier["address"]
    assert house["member_id_number"] in {m["idNumber"] for m in dossier["members"]}
    assert dossier["members"][0]["isHead"] is True
    payments = dossier["payments"]
    assert payments["totalCount"] == await pool.fetchval(
        "SELECT count(*) FROM payments p JOIN households h ON h.id = p.household_id"
        " WHERE h.household_no = $1",
        house["no"],
    )
    nodes = list(payments["nodes"])
    cursor = payments["pageInfo"]["endCursor"]
    while payments["pageInfo"]["hasNextPage"]:
        status, body = await ask(
            dossier_client,
            DOSSIER,
            {"no": house["no"], "first": 2, "after": cursor},
            bearer=inspector,
            reason="专项检查",
        )
        payments = body["data"]["household"]["payments"]
        nodes += payments["nodes"]
        cursor = payments["pageInfo"]["endCursor"]
    assert len(nodes) == payments["totalCount"] == len({n["paymentNo"] for n in nodes})
    assert [n["period"] for n in nodes] == sorted((n["period"] for n in nodes), reverse=True)
    complete = [
        n
        for n in nodes
        if {s["stage"] for s in n["stages"]} == {"plan", "approval", "allocation", "disbursement"}
    ]
    assert complete, "no payment with all four monitoring points"
    stage = complete[0]["stages"][0]
    assert (
        stage["stageLabel"] == "用款计划申请"
        and stage["recordedBy"]
        and stage["recordedAt"].endswith("+08:00")
    )
    assert [s["onDay"] for s in complete[0]["stages"]] == sorted(s["onDay"] for s in complete[0]["stages"])
    paid = [s for s in complete[0]["stages"] if s["stage"] == "disbursement"]
    assert paid[0]["form"] in {"一卡通", "现金"}
    flags = body["data"]["household"]["redFlags"]
    assert any(f["ruleCode"] == "PAID_AFTER_DEATH" and f["paymentNo"] == house["payment_no"] for f in flags)
    assert all(f["ruleLabel"] for f in flags)
    # The dossier and each member shown unmasked are in the trail, with the reason.
    rows = await pool.fetch(
        "SELECT record_type, record_id, reason, operation FROM audit_log WHERE actor = 'JW-D1'"
    )
    kinds = {r["record_type"] for r in rows}
    assert {"household", "member", "payment"} <= kinds
    assert {r["reason"] for r in rows} == {"专项检查"} and {r["operation"] for r in rows} == {"Dossier"}


async def test_a_dossier_is_found_by_a_member_id_number_and_asked_for_with_a_reason(
    dossier_client: httpx.AsyncClient, house: dict[str, Any], token: Callable[..., str]
) -> None:
    inspector = token("discipline")
    status, body = await ask(
        dossier_client, DOSSIER, {"id": house["member_id_number"].lower()}, bearer=inspector
    )
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "REASON_REQUIRED"
    just_the_number = "query($no: String) { household(householdNo: $no) { householdNo } }"
    status, body = await ask(dossier_client, just_the_number, {"no": house["no"]}, bearer=inspector)
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "REASON_REQUIRED"
    status, body = await ask(
        dossier_client, DOSSIER, {"id": house["member_id_number"]}, bearer=inspector, reason="核查"
    )
    assert body["data"]["household"]["householdNo"] == house["no"]
    for variables, code in (
        ({"no": "NO-SUCH-HOUSEHOLD"}, "HOUSEHOLD_NOT_FOUND"),
        ({}, "INVALID_FIELD"),
        ({"no": house["no"], "id": house["member_id_number"]}, "INVALID_FIELD"),
    ):
        status, body = await ask(dossier_client, DOSSIER, variables, bearer=inspector, reason="核查")
        assert body["errors"][0]["extensions"]["code"] == code, body


async def test_only_discipline_and_the_households_township_read_its_dossier(
    dossier_client: httpx.AsyncClient, pool: asyncpg.Pool, house: dict[str, Any], token: Callable[..., str]
) -> None:
    dept = await pool.fetchval("SELECT code FROM departments ORDER BY id LIMIT 1")
    for bearer in (None, token("department", dept)):
        status, body = await ask(dossier_client, DOSSIER, {"no": house["no"]}, bearer=bearer, reason="核查")
        assert body["errors"][0]["extensions"]["code"] in {"FORBIDDEN", "QUERY_NOT_ALLOWED"}, body
    own = token("township", staff="ZJ-01", region=house["township"])
    status, body = await ask(dossier_client, DOSSIER, {"no": house["no"]}, bearer=own, reason="镇级复核")
    assert status == 200, body
    dossier = body["data"]["household"]
    assert house["member_id_number"] in {m["idNumber"] for m in dossier["members"]}
    assert dossier["payments"]["nodes"][0]["stages"][0]["recordedBy"]
    assert dossier["redFlags"]
    rows = await pool.fetch("SELECT actor_role, department, reason FROM audit_log WHERE actor = 'ZJ-01'")
    assert rows and {(r["actor_role"], r["department"], r["reason"]) for r in rows} == {
        ("township", house["township"], "镇级复核")
    }
    foreign = token("township", region=house["other_township"])
    status, body = await ask(dossier_client, DOSSIER, {"no": house["no"]}, bearer=foreign, reason="核查")
    assert body["errors"][0]["extensions"]["code"] == "HOUSEHOLD_NOT_FOUND"


async def test_a_township_sees_its_own_villages_notice_list_unmasked_and_others_masked(
    dossier_client: httpx.AsyncClient, house: dict[str, Any], token: Callable[..., str]
) -> None:
    notice = house["notice"]
    assert notice is not None, "the household's village has no notice-listed payment"
    variables = {
        "village": notice["village_code"],
        "fund": notice["fund"],
        "period": notice["period"].isoformat(),
    }
    own = (
        await ask(
            dossier_client,
            NOTICE,
            variables,
            bearer=token("township", region=house["township"]),
            reason="公示核对",
        )
    )[1]
    assert own["data"]["noticeList"]["nodes"] and all(
        "*" not in n["name"] for n in own["data"]["noticeList"]["nodes"]
    )
    other = (
        await ask(
            dossier_client,
            NOTICE,
            variables,
            bearer=token("township", region=house["other_township"]),
            reason="看看",
        )
    )[1]
    assert all("*" in n["idNumber"] for n in other["data"]["noticeList"]["nodes"])


async def test_a_township_sees_nothing_else_beyond_the_public(
    dossier_client: httpx.AsyncClient, house: dict[str, Any], token: Callable[..., str]
) -> None:
    township = token("township", region=house["township"])
    for query in (
        "{ cards { nodes { rule } } }",
        "{ cases { nodes { caseNo } } }",
        "{ complaints { nodes { trackingNo } } }",
    ):
        status, body = await ask(dossier_client, query, bearer=township, reason="核查")
        assert body["errors"][0]["extensions"]["code"] in {"FORBIDDEN"}, (query, body)
    status, body = await ask(dossier_client, "{ viewer { role } }", bearer=township)
    assert status == 200, body


def test_township_tokens_name_a_nine_digit_township(settings: Settings) -> None:
    for region in (None, "5107991", "510799101001"):
        with pytest.raises(ValueError, match="乡镇"):
            mint_dev_token(settings, role=Role.TOWNSHIP, region_code=region)
    claims = jwt.decode(
        mint_dev_token(settings, role=Role.TOWNSHIP, region_code="510799101"),
        options={"verify_signature": False},
    )
    assert claims["role"] == "township" and claims["region"] == "510799101"
    env = {"SUNSHINE_DEV": "1", "SUNSHINE_DATA_DIR": str(settings.data_dir), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "token", "--role", "township", "--region", "510799101"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed = jwt.decode(done.stdout.strip(), options={"verify_signature": False})
    assert printed["region"] == "510799101"


async def test_a_township_token_for_an_unknown_or_non_township_region_is_refused(
    dossier_client: httpx.AsyncClient, house: dict[str, Any], settings: Settings
) -> None:
    for region in ("999999999", house["village"][:6] + "000"):
        bearer = mint_dev_token(settings, role=Role.TOWNSHIP, region_code=region)
        status, body = await ask(dossier_client, "{ viewer { role } }", bearer=bearer)
        assert status == 401 and body["errors"][0]["extensions"]["code"] == "TOKEN_INVALID", body
    forged = jwt.encode(
        {"iss": "sunshine", "aud": "sunshine-api", "sub": "x", "role": "township", "iat": 1, "exp": 2**31},
        "k" * 32,
        algorithm="HS256",
    )
    status, body = await ask(dossier_client, "{ viewer { role } }", bearer=forged)
    assert status == 401


async def test_a_township_sees_its_own_villages_aggregates_without_withholding(
    dossier_client: httpx.AsyncClient, house: dict[str, Any], token: Callable[..., str]
) -> None:
    query = """
    query($township: String!) {
      subsidyAggregates(year: 2026, townshipCode: $township, byVillage: true) {
        cells { fundCode regionCode withheld amountYuan beneficiaries }
      }
    }"""
    variables = {"township": house["township"]}
    township = (
        await ask(dossier_client, query, variables, bearer=token("township", region=house["township"]))
    )[1]
    cells = township["data"]["subsidyAggregates"]["cells"]
    assert cells and not any(c["withheld"] for c in cells)
    assert all(c["regionCode"].startswith(house["township"]) for c in cells)
    other = token("township", region=house["other_township"])
    seen_by_other = (await ask(dossier_client, query, variables, bearer=other))[1]["data"][
        "subsidyAggregates"
    ]
    discipline = (await ask(dossier_client, query, variables, bearer=token("discipline")))[1]["data"]
    # Another township gets the public's answer: what discipline (who sees everything) gets too,
    # since aggregates carry no personal field.
    assert seen_by_other == discipline["subsidyAggregates"]
    withheld = [c for c in seen_by_other["cells"] if c["withheld"]]
    shown = {(c["fundCode"], c["regionCode"]): c for c in cells}
    assert all(shown[(c["fundCode"], c["regionCode"])]["beneficiaries"] is not None for c in withheld)
