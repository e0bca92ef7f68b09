"""Powers as the public, a department and the discipline committee see them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import GraphQL

PUBLIC = Path(__file__).resolve().parent.parent / "public_queries"


def doc(name: str) -> str:
    return (PUBLIC / f"{name}.graphql").read_text(encoding="utf-8")


def codes(body: dict[str, Any]) -> list[str]:
    return [n["code"] for n in body["data"]["powers"]["nodes"]]


async def test_keyword_search_finds_food_powers_in_chinese(gql: GraphQL, db: asyncpg.Pool) -> None:
    body = await gql(doc("power_search"), {"filter": {"keyword": "食品"}, "first": 100})
    found = body["data"]["powers"]["nodes"]
    expected = await db.fetchval(
        "SELECT count(*) FROM powers WHERE status = 'published' AND name LIKE '%食品%'"
    )
    assert expected > 0
    assert body["data"]["powers"]["totalCount"] == expected
    assert len(found) == min(expected, 100)
    assert all("食品" in n["name"] for n in found)


async def test_keyword_of_one_character_and_several_words(gql: GraphQL, db: asyncpg.Pool) -> None:
    one = await gql(doc("power_search"), {"filter": {"keyword": "证"}, "first": 100})
    assert one["data"]["powers"]["totalCount"] == await db.fetchval(
        "SELECT count(*) FROM powers WHERE status = 'published' AND name LIKE '%证%'"
    )
    two = await gql(doc("power_search"), {"filter": {"keyword": "食品 许可"}, "first": 100})
    assert all("食品" in n["name"] and "许可" in n["name"] for n in two["data"]["powers"]["nodes"])


async def test_keyword_matches_code(gql: GraphQL, db: asyncpg.Pool) -> None:
    code = await db.fetchval("SELECT code FROM powers WHERE status = 'published' ORDER BY code LIMIT 1")
    body = await gql(doc("power_search"), {"filter": {"keyword": code.lower()}})
    assert codes(body) == [code]


async def test_filter_by_category_and_department(gql: GraphQL, db: asyncpg.Pool) -> None:
    dept = await db.fetchval(
        "SELECT d.code FROM departments d JOIN powers p ON p.department_id = d.id "
        "WHERE p.category = 'licensing' AND p.status = 'published' "
        "GROUP BY d.code ORDER BY count(*) DESC LIMIT 1"
    )
    body = await gql(
        doc("power_search"), {"filter": {"category": "LICENSING", "departmentCode": dept}, "first": 100}
    )
    nodes = body["data"]["powers"]["nodes"]
    assert nodes
    assert {n["category"] for n in nodes} == {"LICENSING"}
    assert {n["department"]["code"] for n in nodes} == {dept}
    assert all(n["categoryLabel"] == "行政许可" for n in nodes)


async def test_pages_walk_every_published_power_once_in_code_order(gql: GraphQL, db: asyncpg.Pool) -> None:
    seen: list[str] = []
    after = None
    while True:
        body = await gql(doc("power_search"), {"first": 100, "after": after})
        page = body["data"]["powers"]
        seen += [n["code"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = [
        r["code"] for r in await db.fetch("SELECT code FROM powers WHERE status = 'published' ORDER BY code")
    ]
    assert seen == expected


async def test_bad_cursor_and_page_size_are_refused_with_codes(gql: GraphQL) -> None:
    bad = await gql(doc("power_search"), {"after": "not-a-cursor!"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert "游标" in bad["errors"][0]["message"]
    big = await gql(doc("power_search"), {"first": 1000})
    assert big["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def test_unknown_department_filter_names_the_code(gql: GraphQL) -> None:
    body = await gql(doc("power_search"), {"filter": {"departmentCode": "NOPE"}})
    assert body["errors"][0]["extensions"]["code"] == "DEPARTMENT_NOT_FOUND"
    assert "NOPE" in body["errors"][0]["message"]


async def test_power_detail_has_every_element(gql: GraphQL, db: asyncpg.Pool) -> None:
    row = await db.fetchrow(
        "SELECT p.* FROM powers p WHERE status = 'published' AND fee_yuan IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM power_materials m WHERE m.power_id = p.id) ORDER BY code LIMIT 1"
    )
    assert row is not None
    body = await gql(doc("power_detail"), {"code": row["code"]})
    power = body["data"]["power"]
    assert power["name"] == row["name"]
    assert power["legalBasis"] == row["legal_basis"] and power["legalBasis"]
    assert power["conditions"] == row["conditions"]
    assert power["fee"]["amountYuan"] == str(row["fee_yuan"])
    assert power["fee"]["label"] == f"{row['fee_yuan']:.2f}元"
    assert power["statutoryLimitDays"] == row["statutory_limit_days"]
    assert power["promisedLimitDays"] == row["promised_limit_days"]
    assert power["visitsNeeded"] == row["visits_needed"]
    assert power["materials"] and power["materials"][0]["name"]
    assert power["adjustments"][-1]["kind"] == "ADDED"
    assert power["department"]["name"]


async def test_malformed_and_unknown_codes_get_distinct_errors(gql: GraphQL) -> None:
    malformed = await gql(doc("power_detail"), {"code": "drop table"})
    assert malformed["errors"][0]["extensions"]["code"] == "INVALID_POWER_CODE"
    unknown = await gql(doc("power_detail"), {"code": "999999-XK-99999"})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert unknown["data"] == {"power": None}


async def test_process_map_is_a_graph_with_parallel_branches_and_a_drawing(
    gql: GraphQL, db: asyncpg.Pool
) -> None:
    code = await db.fetchval(
        "SELECT p.code FROM powers p WHERE p.parallel_approval AND p.status = 'published' "
        "AND (SELECT count(*) FROM process_steps s WHERE s.power_id = p.id) > 3 ORDER BY code LIMIT 1"
    )
    body = await gql(doc("power_detail"), {"code": code})
    pmap = body["data"]["power"]["processMap"]
    keys = {n["key"] for n in pmap["nodes"]}
    assert pmap["start"] in keys
    assert all(e["source"] in keys and e["target"] in keys for e in pmap["edges"])
    assert pmap["branches"], "a parallel-approval power has parallel branches"
    fork_layers = {n["layer"] for n in pmap["nodes"] if n["key"] in pmap["branches"][0]["steps"][:1]}
    same_layer = [n for n in pmap["nodes"] if n["layer"] in fork_layers]
    assert len({n["lane"] for n in same_layer}) == len(same_layer) >= 2
    svg = ET.fromstring(pmap["svg"])
    text = "".join(svg.itertext())
    assert all(n["name"][:2] in text for n in pmap["nodes"])


async def test_single_step_power_has_a_one_node_map(gql: GraphQL, db: asyncpg.Pool) -> None:
    code = await db.fetchval(
        "SELECT p.code FROM powers p WHERE p.status = 'published' "
        "AND (SELECT count(*) FROM process_steps s WHERE s.power_id = p.id) = 1 ORDER BY code LIMIT 1"
    )
    pmap = (await gql(doc("power_detail"), {"code": code}))["data"]["power"]["processMap"]
    assert len(pmap["nodes"]) == 1 and pmap["edges"] == [] and pmap["branches"] == []


async def test_as_of_shows_the_elements_before_a_change(gql: GraphQL, db: asyncpg.Pool) -> None:
    row = await db.fetchrow(
        """
        SELECT p.code, a.effective_on AS changed_on, b.effective_on AS added_on,
               (b.elements ->> 'promised_limit_days')::int AS old_limit, p.promised_limit_days AS new_limit
        FROM powers p
        JOIN power_adjustments a ON a.power_id = p.id AND a.kind = 'changed'
        JOIN power_adjustments b ON b.power_id = p.id AND b.kind = 'added'
        WHERE p.status = 'published'
          AND (b.elements ->> 'promised_limit_days')::int IS DISTINCT FROM p.promised_limit_days
        ORDER BY p.code LIMIT 1
        """
    )
    assert row is not None
    before = await gql(doc("power_as_of"), {"code": row["code"], "date": str(row["added_on"])})
    after = await gql(doc("power_as_of"), {"code": row["code"], "date": str(row["changed_on"])})
    assert before["data"]["power"]["asOf"]["promisedLimitDays"] == row["old_limit"]
    assert before["data"]["power"]["asOf"]["adjustmentKind"] == "ADDED"
    assert after["data"]["power"]["asOf"]["promisedLimitDays"] == row["new_limit"]
    too_early = await gql(doc("power_as_of"), {"code": row["code"], "date": "2000-01-01"})
    assert too_early["data"]["power"]["asOf"] is None


DRAFT = "query($code: String!) { power(code: $code) { code status statusLabel internalNote } }"


@pytest.fixture(scope="module")
async def draft(db: asyncpg.Pool) -> asyncpg.Record:
    row = await db.fetchrow(
        "SELECT p.code, d.code AS dept FROM powers p JOIN departments d ON d.id = p.department_id "
        "WHERE p.status = 'draft' ORDER BY p.code LIMIT 1"
    )
    assert row is not None
    return row


async def test_draft_is_invisible_to_the_public(gql: GraphQL, draft: asyncpg.Record) -> None:
    body = await gql(doc("power_detail"), {"code": draft["code"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    listed = await gql(doc("power_search"), {"filter": {"keyword": draft["code"].lower()}})
    assert codes(listed) == []


async def test_draft_is_visible_to_its_department_and_discipline_only(
    gql: GraphQL, draft: asyncpg.Record, token: Callable[..., str], db: asyncpg.Pool
) -> None:
    other = await db.fetchval(
        "SELECT code FROM departments WHERE code <> $1 ORDER BY id LIMIT 1", draft["dept"]
    )
    own = await gql(DRAFT, {"code": draft["code"]}, token=token("department", draft["dept"]))
    assert own["data"]["power"]["statusLabel"] == "未公布"
    assert (await gql(DRAFT, {"code": draft["code"]}, token=token("discipline")))["data"]["power"]
    hidden = await gql(DRAFT, {"code": draft["code"]}, token=token("department", other))
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_department_lists_its_drafts_when_it_asks_for_them(
    gql: GraphQL, draft: asyncpg.Record, token: Callable[..., str]
) -> None:
    query = (
        "query($d: String!) { powers(filter: {departmentCode: $d, statuses: [DRAFT]}, first: 100)"
        " { nodes { code status } } }"
    )
    own = await gql(query, {"d": draft["dept"]}, token=token("department", draft["dept"]))
    assert draft["code"] in [n["code"] for n in own["data"]["powers"]["nodes"]]
    assert {n["status"] for n in own["data"]["powers"]["nodes"]} == {"DRAFT"}


async def test_discipline_sees_risk_points_with_level_and_measures(
    gql: GraphQL, token: Callable[..., str], db: asyncpg.Pool
) -> None:
    code = await db.fetchval(
        "SELECT p.code FROM powers p WHERE status = 'published' "
        "AND EXISTS (SELECT 1 FROM risk_points r WHERE r.power_id = p.id) ORDER BY code LIMIT 1"
    )
    query = (
        "query($c: String!) { power(code: $c) {"
        " riskPoints { description level levelLabel measures { description } } } }"
    )
    body = await gql(query, {"c": code}, token=token("discipline"))
    points = body["data"]["power"]["riskPoints"]
    assert points and all(p["level"] in {"HIGH", "MEDIUM", "LOW"} and p["measures"] for p in points)
    assert (await gql(query, {"c": code}))["errors"][0]["extensions"]["code"] == "QUERY_NOT_ALLOWED"


async def test_process_map_svg_is_served_for_kiosks(client: httpx.AsyncClient, db: asyncpg.Pool) -> None:
    code = await db.fetchval("SELECT code FROM powers WHERE status = 'published' ORDER BY code LIMIT 1")
    response = await client.get(f"/maps/{code}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    ET.fromstring(response.text)
    draft = await db.fetchval("SELECT code FROM powers WHERE status = 'draft' ORDER BY code LIMIT 1")
    assert (await client.get(f"/maps/{draft}.svg")).status_code == 404
