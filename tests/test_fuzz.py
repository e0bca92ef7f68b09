"""No input breaks it: generated variables for every vetted document (sent as text, by id and over
GET) and generated officials' documents never get an HTTP 5xx or ``INTERNAL_ERROR``; every answer
is JSON, and every error in it carries a stable code.

CI runs a bounded number of examples (``FUZZ_EXAMPLES``, default 25 per document and form);
``python3 dev.py bench --fuzz`` runs at least 10,000 per public document and reports the counts.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import httpx
import orjson
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    OperationDefinitionNode,
    parse,
    type_from_ast,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

from api.app import create_app
from api.public_queries import PublicDocument, PublicQueries
from api.settings import Settings
from schema import build_schema
from tests.conftest import Server, running

DOCUMENTS = PublicQueries.load()
SCHEMA = build_schema(Settings().document_limits)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

# Values that have broken services like this one: NUL bytes, surrogates, control characters,
# numbers outside every column, dates at and past the calendar's ends, codes of the wrong level.
NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "' OR 1=1 --",
        "%",
        "_",
        "\\",
        "食品\x00",
        "0000-01",
        "9999-12",
        "0000Q1",
        "2026Q5",
        "2026-13",
        "2026/11/22",
        "2026年11月22日",
        "0001-01-01",
        "9999-12-31",
        "510799",
        "510799001",
        "510799001001",
        "5107990010019999",
        "DIBAO",
        "x" * 5000,
        "SUBMITTED",
        "OPEN",
    ]
)
TEXT = st.one_of(NASTY_TEXT, st.text(max_size=60))
HUGE_INTS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 32767, 32768, 2**31, 2**31 - 1, -(2**31) - 1, 2**53 + 1, 40000, 10**6]),
)
DATES = st.one_of(st.dates().map(date.isoformat), NASTY_TEXT)


def value_for(t: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of the declared type and, often, of another one: what a careless client sends."""
    if isinstance(t, GraphQLNonNull):
        return value_for(t.of_type, depth)
    wrong = st.one_of(
        st.none(),
        TEXT,
        HUGE_INTS,
        st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.just([]),
    )
    if isinstance(t, GraphQLList):
        inner = value_for(t.of_type, depth + 1)
        right: st.SearchStrategy[Any] = st.lists(inner, max_size=4)
    elif isinstance(t, GraphQLInputObjectType):
        if depth > 3:
            return st.none()
        right = st.fixed_dictionaries(
            {}, optional={name: value_for(f.type, depth + 1) for name, f in t.fields.items()}
        )
    elif isinstance(t, GraphQLEnumType):
        right = st.one_of(st.sampled_from(sorted(t.values)), TEXT)
    elif isinstance(t, GraphQLScalarType) and t.name == "Int":
        right = HUGE_INTS
    elif isinstance(t, GraphQLScalarType) and t.name == "Boolean":
        right = st.booleans()
    elif isinstance(t, GraphQLScalarType) and t.name == "Float":
        right = st.floats(allow_nan=False, allow_infinity=False)
    elif isinstance(t, GraphQLScalarType) and t.name in {"Date", "DateTime"}:
        right = DATES
    else:
        right = TEXT
    return st.one_of(right, right, right, wrong)


def variables_for(document: PublicDocument) -> st.SearchStrategy[dict[str, Any]]:
    [operation] = [d for d in parse(document.text).definitions if isinstance(d, OperationDefinitionNode)]
    fields = {}
    for definition in operation.variable_definitions or ():
        declared = type_from_ast(SCHEMA._schema, definition.type)
        assert declared is not None
        fields[definition.variable.name.value] = value_for(declared)  # type: ignore[arg-type]  # input types only here
    return st.fixed_dictionaries({}, optional=fields)


class SyncClient:
    """The app on an event loop of its own, so hypothesis (which is synchronous) can drive it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient) -> None:
        self.loop = loop
        self.client = client

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if "content" in kwargs:
            kwargs["headers"] = {"content-type": "application/json", **kwargs.get("headers", {})}
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))


@contextmanager
def sync_client(settings: Settings, database_url: str) -> Iterator[SyncClient]:
    loop = asyncio.new_event_loop()
    roomy = replace(
        settings, lookups_per_client=10**9, lookups_per_id_number=10**9, code_attempts_per_day=10**9
    )
    context = running(create_app(roomy, database_url=database_url))
    client = loop.run_until_complete(context.__aenter__())
    try:
        yield SyncClient(loop, client)
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()


# What every example was answered, by document: the counts `python3 dev.py bench --fuzz` reports.
OUTCOMES: defaultdict[str, Counter[str]] = defaultdict(Counter)


def assert_coded(response: httpx.Response, document: str) -> None:
    """Below 500, JSON, and every error with a stable code that is not INTERNAL_ERROR."""
    OUTCOMES[document][f"HTTP {response.status_code}"] += 1
    assert response.status_code < 500, response.text[:500]
    if response.status_code == 304:
        return
    body = orjson.loads(response.content)
    assert isinstance(body, dict), body
    for error in body.get("errors", []):
        code = error["extensions"]["code"]
        OUTCOMES[document][code] += 1
        assert code and code.isupper() and code != "INTERNAL_ERROR", error


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    """With ``FUZZ_REPORT`` set, the counts per document are written there as JSON at the end."""
    yield
    if path := os.environ.get("FUZZ_REPORT"):
        Path(path).write_bytes(orjson.dumps(OUTCOMES, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def as_json(body: dict[str, Any]) -> bytes:
    """JSON as Python's encoder writes it: a lone surrogate becomes an escape the server must refuse."""
    return json.dumps(body).encode()


# The schema's own scalars, as literals in generated documents: well-formed and not.
SCALARS = {
    "Date": DATES.map(nodes.String),
    "DateTime": st.one_of(st.datetimes().map(lambda d: d.isoformat()), NASTY_TEXT).map(nodes.String),
    "Decimal": st.one_of(st.decimals(allow_nan=False).map(str), NASTY_TEXT).map(nodes.String),
    "JSON": TEXT.map(nodes.String),
}

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def public_client(settings: Settings, fresh_module_db: str) -> Iterator[SyncClient]:
    with sync_client(settings, fresh_module_db) as client:
        yield client


@pytest.fixture(scope="module")
async def fresh_module_db(server: Server, template: str) -> AsyncIterator[str]:
    """A copy of the demo county for this module: the fuzzing files complaints and ratings."""
    name = await server.clone(template)
    yield server.url(name)
    await server.drop(name)


@pytest.mark.parametrize("document", list(DOCUMENTS), ids=lambda d: d.name)
def test_no_variables_break_a_public_document(document: PublicDocument, public_client: SyncClient) -> None:
    @FUZZ
    @given(variables=variables_for(document), form=st.sampled_from(["text", "id", "get"]))
    def check(variables: dict[str, Any], form: str) -> None:
        if form == "text":
            response = public_client.request(
                "POST", "/graphql", content=as_json({"query": document.text, "variables": variables})
            )
        elif form == "id":
            persisted = {"persistedQuery": {"version": 1, "sha256Hash": document.sha256}}
            response = public_client.request(
                "POST", "/graphql", content=as_json({"extensions": persisted, "variables": variables})
            )
        else:
            # Built by hand: a lone surrogate goes out as the invalid UTF-8 a careless client sends.
            raw = json.dumps(variables, ensure_ascii=False).encode("utf-8", "surrogatepass")
            url = f"/public/{document.operation}?variables={quote_from_bytes(raw)}"
            response = public_client.request("GET", url)
            if document.is_mutation:
                assert response.status_code == 405, response.text
        assert_coded(response, document.name)

    check()


def test_generated_officials_documents_never_break_it(
    settings: Settings, fresh_module_db: str, token: Any
) -> None:
    bearer = {"Authorization": f"Bearer {token('discipline')}"}
    with sync_client(settings, fresh_module_db) as client:

        @FUZZ
        @given(
            query=st.one_of(
                from_schema(SCHEMA.as_str(), allow_x00=True, codec=None, custom_scalars=SCALARS),
                from_schema(SCHEMA.as_str(), custom_scalars=SCALARS, mode=Mode.NEGATIVE),
            )
        )
        def check(query: object) -> None:
            response = client.request(
                "POST", "/graphql", content=as_json({"query": str(query)}), headers=bearer
            )
            assert_coded(response, "officials' generated documents")

        check()
