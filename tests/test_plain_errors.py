"""Refusals read in plain Chinese: each names what was wrong and what was expected, with no English
sentence of graphql-core's and no regular expression, over POST and over GET."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

from api.public_queries import PublicQueries
from api.settings import Settings
from schema import build_schema

DOCUMENTS = PublicQueries.load()
_SCHEMA = build_schema(Settings().document_limits)._schema


def _schema_names() -> set[str]:
    """Every name the schema declares: types, fields, arguments, enum values, input fields."""
    names: set[str] = set()
    for type_ in _SCHEMA.type_map.values():
        names.add(type_.name)
        if isinstance(type_, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                names.add(field_name)
                names.update(getattr(field, "args", {}))
        if isinstance(type_, GraphQLEnumType):
            names.update(type_.values)
    return names


CJK = re.compile(r"[\u4e00-\u9fff]")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What a regular expression shows that a message never needs: classes, anchors, quantifiers.
REGEX = re.compile(r"\\[dDwWsS]|\[[^\]]*-[^\]]*\]|\{\d+(,\d*)?\}|\^")
# The words of graphql-core's messages: none may pass as an identifier, even where the schema
# happens to declare one of them.
ENGLISH = {
    *("Cannot", "cannot", "query", "field", "Field", "Expected", "expected", "found", "value"),
    *("Variable", "invalid", "represent", "integer", "Syntax", "Error", "Unknown", "argument"),
    *("type", "provided", "required", "does", "exist", "enum", "non", "null", "must", "have"),
}
PROTOCOL = {"POST", "JSON"}  # the method and the format a request is written in
ALLOWED = (_schema_names() - ENGLISH) | PROTOCOL


def assert_plain(message: str, *, written: str) -> None:
    """In Chinese; any ASCII word of three letters or more is an identifier the caller wrote (in the
    document, the variables or the path) or one the schema declares; no regular expression."""
    assert CJK.search(message), message
    words = {w for w in IDENTIFIER.findall(message) if sum(c.isalpha() for c in w) >= 3}
    caller = set(IDENTIFIER.findall(written)) - ENGLISH
    assert words <= ALLOWED | caller, (message, words - ALLOWED - caller)
    assert not REGEX.search(message), message


def text(name: str) -> str:
    document = DOCUMENTS.by_name(name)
    assert document is not None
    return document.text


PUBLIC_POSTS: list[tuple[str, dict[str, Any], str, list[str]]] = [
    ("power_search", {"first": "abc"}, "BAD_VARIABLES", ["$first", "整数"]),
    ("power_search", {"first": 1.5}, "BAD_VARIABLES", ["$first", "整数"]),
    ("power_search", {"first": 2**40}, "BAD_VARIABLES", ["$first", "2147483647"]),
    ("power_search", {"filter": {"category": "PLANET"}}, "BAD_VARIABLES", ["$filter.category", "LICENSING"]),
    ("power_search", {"filter": {"keyword": 5}}, "BAD_VARIABLES", ["$filter.keyword", "文本"]),
    ("power_search", {"filter": {"colour": "red"}}, "BAD_VARIABLES", ["colour", "keyword"]),
    ("power_search", {"filter": "食品"}, "BAD_VARIABLES", ["$filter", "对象"]),
    ("regions", {"level": "PLANET"}, "BAD_VARIABLES", ["$level", "VILLAGE"]),
    (
        "notice_list",
        {"villageCode": "510799001001", "fundCode": "DIBAO", "period": "2026-13-01"},
        "BAD_VARIABLES",
        ["$period", "日期"],
    ),
    ("case_status", {"caseNo": "20260315SCJG000123"}, "BAD_VARIABLES", ["$queryCode", "缺少"]),
    ("case_status", {"caseNo": None, "queryCode": "123456"}, "BAD_VARIABLES", ["$caseNo", "不能为空"]),
    ("case_status", {"caseNo": "2026\x00", "queryCode": "123456"}, "BAD_VARIABLES", ["$caseNo"]),
    ("subsidy_aggregates", {"year": "二〇二六"}, "BAD_VARIABLES", ["$year", "整数"]),
    ("subsidy_aggregates", {"year": 2026, "byVillage": "yes"}, "BAD_VARIABLES", ["$byVillage", "布尔值"]),
    ("complaint_submit", {"complaint": {"kind": "complaint"}}, "BAD_VARIABLES", ["$complaint", "content"]),
    ("power_detail", {"code": "not-a-code"}, "INVALID_POWER_CODE", ["not-a-code"]),
]


@pytest.mark.parametrize(
    ("document", "variables", "code", "names"),
    PUBLIC_POSTS,
    ids=[f"{d}-{i}" for i, (d, *_) in enumerate(PUBLIC_POSTS)],
)
async def test_public_refusals_over_post_read_in_chinese(
    client: httpx.AsyncClient, document: str, variables: dict[str, Any], code: str, names: list[str]
) -> None:
    response = await client.post("/graphql", json={"query": text(document), "variables": variables})
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code, error
    assert all(name in error["message"] for name in names), error["message"]
    assert_plain(error["message"], written=text(document) + repr(variables))


OFFICIAL_POSTS: list[tuple[str, str, list[str]]] = [
    ("{ powers ", "GRAPHQL_PARSE_FAILED", ["第 1 行", "意外结束"]),
    ("{ powers(first: 5) ) }", "GRAPHQL_PARSE_FAILED", ["第 1 行", ")"]),
    ("{ powers { nodes { colour } } }", "GRAPHQL_VALIDATION_FAILED", ["Power", "colour"]),
    ('{ powers(first: "five") { nodes { code } } }', "GRAPHQL_VALIDATION_FAILED", ["first", "整数"]),
    ("{ powers(filter: {category: PLANET}) { nodes { code } } }", "GRAPHQL_VALIDATION_FAILED", ["REWARD"]),
    ("{ powers(limit: 5) { nodes { code } } }", "GRAPHQL_VALIDATION_FAILED", ["limit", "first"]),
    ("{ power { code } }", "GRAPHQL_VALIDATION_FAILED", ["power", "code", "必填"]),
    ("{ regions }", "GRAPHQL_VALIDATION_FAILED", ["regions", "子字段"]),
    ("{ regions { code { x } } }", "GRAPHQL_VALIDATION_FAILED", ["子字段"]),
    ("query Q($unused: Int) { regions { code } }", "GRAPHQL_VALIDATION_FAILED", ["$unused"]),
    ("query Q($l: Strin) { regions(parentCode: $l) { code } }", "GRAPHQL_VALIDATION_FAILED", ["Strin"]),
    ("{ " + "regions { parent { " * 7 + "code" + " } }" * 7 + " }", "QUERY_TOO_DEEP", ["嵌套"]),
]


@pytest.mark.parametrize(("query", "code", "names"), OFFICIAL_POSTS, ids=[c for _, c, _ in OFFICIAL_POSTS])
async def test_officials_refusals_read_in_chinese(
    client: httpx.AsyncClient, token: Callable[..., str], query: str, code: str, names: list[str]
) -> None:
    bearer = {"Authorization": f"Bearer {token('discipline')}"}
    response = await client.post("/graphql", json={"query": query}, headers=bearer)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code, error
    assert error["extensions"]["detail"]  # graphql-core's own words, for developers
    assert all(name in error["message"] for name in names), error["message"]
    assert_plain(error["message"], written=query)


REQUESTS: list[tuple[str, dict[str, Any], str, list[str]]] = [
    ("not json", {"content": b"{not json", "headers": {"content-type": "application/json"}}, "BAD_JSON", []),
    ("variables a list", {"json": {"query": text("regions"), "variables": [1]}}, "BAD_VARIABLES", []),
    ("not vetted", {"json": {"query": "{ regions { code } }"}}, "QUERY_NOT_ALLOWED", []),
    ("unknown id", {"json": {"id": "0" * 64}}, "PERSISTED_QUERY_NOT_FOUND", []),
    (
        "other operation",
        {"json": {"query": text("regions"), "operationName": "Nope"}},
        "OPERATION_NOT_FOUND",
        ["Nope"],
    ),
]


@pytest.mark.parametrize(("name", "request_", "code", "names"), REQUESTS, ids=[r[0] for r in REQUESTS])
async def test_refusals_of_the_request_itself_read_in_chinese(
    client: httpx.AsyncClient, name: str, request_: dict[str, Any], code: str, names: list[str]
) -> None:
    response = await client.post("/graphql", **request_)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code, error
    assert all(n in error["message"] for n in names), error["message"]
    assert_plain(error["message"], written=repr(request_))


GETS: list[tuple[str, dict[str, str], str, list[str]]] = [
    ("/public/Regions", {"level": "PLANET"}, "BAD_VARIABLES", ["$level", "COUNTY"]),
    ("/public/PowerSearch", {"first": "abc"}, "BAD_VARIABLES", ["$first", "整数"]),
    ("/public/PowerSearch", {"filter": "食品"}, "BAD_VARIABLES", ["$filter", "对象"]),
    ("/public/PowerSearch", {"limit": "5"}, "BAD_VARIABLES", ["limit", "keyword", "filter"]),
    ("/public/PowerSearch", {"variables": "{first: 5}"}, "BAD_VARIABLES", ["variables"]),
    (
        "/public/PowerAsOf",
        {"code": "510799-XK-00001", "date": "2025-02-30"},
        "BAD_VARIABLES",
        ["$date", "日期"],
    ),
    ("/public/CaseStatus", {"caseNo": "20260315SCJG000123"}, "BAD_VARIABLES", ["$queryCode"]),
    ("/public/Departments", {"serviceLevel": "PROVINCE"}, "BAD_VARIABLES", ["$serviceLevel", "COUNTY"]),
    ("/public/PowerDetail", {"code": "abc"}, "INVALID_POWER_CODE", ["abc"]),
    ("/public/Everything", {}, "UNKNOWN_OPERATION", ["Everything"]),
    ("/nowhere", {}, "NOT_FOUND", []),
]


@pytest.mark.parametrize(("path", "params", "code", "names"), GETS, ids=[f"{p}-{c}" for p, _, c, _ in GETS])
async def test_refusals_over_get_read_in_chinese(
    client: httpx.AsyncClient, path: str, params: dict[str, str], code: str, names: list[str]
) -> None:
    response = await client.get(path, params=params)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code, error
    assert all(name in error["message"] for name in names), error["message"]
    assert_plain(error["message"], written=path + repr(params))


async def test_get_reads_each_parameter_as_the_document_declares_it(client: httpx.AsyncClient) -> None:
    # an enum's name bare, a code that looks like a number as text, an input object as JSON
    county = await client.get("/public/Departments", params={"serviceLevel": "COUNTY"})
    assert county.status_code == 200 and county.json()["data"]["departments"], county.text
    food = await client.get("/public/PowerSearch", params={"filter": '{"keyword": "食品"}', "first": "2"})
    assert food.status_code == 200 and "errors" not in food.json(), food.text
    villages = await client.get("/public/Regions", params={"parentCode": "510799001"})
    assert villages.status_code == 200 and "errors" not in villages.json(), villages.text
