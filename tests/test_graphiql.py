"""GraphiQL from this server alone (no CDN): the page and the vendored files over HTTP, then the
page in headless Chromium — it renders, runs a public document without a token, and in development
the role switch sends a discipline token that sees what the public does not."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import httpx
import jwt
import orjson
import pytest
from playwright.async_api import Page, expect

from api.app import create_app
from api.graphiql import EXAMPLES, WELCOME, GraphiQLPage
from api.public_queries import PublicQueries
from api.settings import Settings
from api.static_files import WEB_DIR
from schema import build_schema
from tests.browsing import Browsing, shot
from tests.conftest import running

HTML = {"Accept": "text/html"}
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.")
VENDORED = {
    "/static/vendor/graphiql-3.9.0/graphiql.min.js": "text/javascript; charset=utf-8",
    "/static/vendor/graphiql-3.9.0/graphiql.min.css": "text/css; charset=utf-8",
    "/static/vendor/react-18.3.1/react.production.min.js": "text/javascript; charset=utf-8",
    "/static/vendor/react-dom-18.3.1/react-dom.production.min.js": "text/javascript; charset=utf-8",
}
# The discipline committee sees every power's risk points; the public sees null.
RISK_POINTS = "query Inside { powers(first: 3) { edges { node { code riskPoints { description } } } } }"


class References(HTMLParser):
    """Every URL a page names: src and href attributes, and url( ) in style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("src", "href", "action", "poster", "srcset"):
                self.urls.append(value)
            elif name == "style":
                self.urls.extend(css_urls(value))


def css_urls(css: str) -> list[str]:
    imports = re.findall(r"@import\s+['\"]([^'\"]+)['\"]", css)
    return imports + [u.strip("'\" ") for u in re.findall(r"url\(([^)]*)\)", css)]


def stays_home(url: str) -> bool:
    """A URL the browser resolves on this server, or one it does not fetch (data:)."""
    return url.startswith("data:") or (url.startswith("/") and not url.startswith("//"))


@pytest.fixture(scope="module")
async def dev_client(settings: Settings, shared_db: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(replace(settings, graphiql=True), database_url=shared_db)) as c:
        yield c


@pytest.fixture(scope="module")
async def production_client(settings: Settings, shared_db: str) -> AsyncIterator[httpx.AsyncClient]:
    production = replace(settings, dev=False, graphiql=True)
    async with running(create_app(production, database_url=shared_db)) as c:
        yield c


def page_config(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="graphiql-config">(.*?)</script>', html, re.S)
    assert match is not None
    config: dict[str, Any] = orjson.loads(match.group(1))
    return config


async def test_graphiql_page_names_no_url_of_another_host(dev_client: httpx.AsyncClient) -> None:
    response = await dev_client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="zh-CN">' in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    parser = References()
    parser.feed(response.text)
    assert parser.urls, "the page names its scripts and styles"
    assert [u for u in parser.urls if not stays_home(u)] == []
    stylesheets = [u for u in parser.urls if u.endswith(".css")]
    assert len(stylesheets) == 2
    for sheet in stylesheets:
        css = (await dev_client.get(sheet)).text
        assert [u for u in css_urls(css) if not stays_home(u)] == [], sheet


@pytest.mark.parametrize(("path", "media_type"), VENDORED.items())
async def test_vendored_files_are_served_with_their_type_and_kept_a_year(
    dev_client: httpx.AsyncClient, path: str, media_type: str
) -> None:
    response = await dev_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == (WEB_DIR / path.removeprefix("/static/")).read_bytes()


async def test_unversioned_page_files_are_revalidated(dev_client: httpx.AsyncClient) -> None:
    response = await dev_client.get("/static/graphiql/graphiql.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    again = await dev_client.get(
        "/static/graphiql/graphiql.js", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/update.py",
        "/static/vendor/graphiql-3.9.0/LICENSE",
        "/static/vendor/README.md",
        "/static/../pyproject.toml",
        "/static/%2e%2e/pyproject.toml",
    ],
)
async def test_only_files_pages_load_are_served(dev_client: httpx.AsyncClient, path: str) -> None:
    assert (await dev_client.get(path)).status_code == 404


def test_every_public_document_opens_as_a_tab_with_variables_it_declares(settings: Settings) -> None:
    queries = PublicQueries.load()
    tabs = GraphiQLPage(build_schema(settings.document_limits), queries, dev=False).tabs()
    assert tabs[0] == {"query": WELCOME}
    assert sorted(t["query"] for t in tabs[1:]) == sorted(doc.text for doc in queries)
    assert set(EXAMPLES) == {doc.name for doc in queries}
    for doc in queries:
        assert set(EXAMPLES[doc.name]) <= set(doc.variable_types()), doc.name


async def test_outside_development_the_page_has_no_role_switch_and_no_token(
    production_client: httpx.AsyncClient,
) -> None:
    html = (await production_client.get("/graphql", headers=HTML)).text
    assert 'id="role"' not in html
    assert page_config(html)["tokenUrl"] is None
    assert JWT.search(html) is None
    assert (await production_client.get("/dev/token?role=discipline")).status_code == 404


async def test_development_tokens_go_only_to_the_servers_own_pages(dev_client: httpx.AsyncClient) -> None:
    elsewhere = await dev_client.get(
        "/dev/token?role=discipline", headers={"Origin": "https://elsewhere.example"}
    )
    cross_site = await dev_client.get("/dev/token?role=discipline", headers={"Sec-Fetch-Site": "cross-site"})
    own = await dev_client.get("/dev/token?role=discipline", headers={"Sec-Fetch-Site": "same-origin"})
    assert (elsewhere.status_code, cross_site.status_code) == (403, 403)
    assert own.status_code == 200
    assert own.headers["cache-control"] == "no-store"
    answer = await dev_client.post(
        "/graphql",
        json={"query": RISK_POINTS},
        headers={"Authorization": f"Bearer {own.json()['token']}"},
    )
    assert "errors" not in answer.json()


async def open_graphiql(page: Page) -> None:
    await page.goto("/graphql")
    await expect(page.locator(".graphiql-container")).to_be_visible()
    await expect(page.get_by_text("正在加载 GraphiQL")).to_have_count(0)
    await expect(page.locator("body")).to_have_attribute("data-role", "public")


async def test_graphiql_runs_the_public_power_search_without_a_token(page: Page) -> None:
    await open_graphiql(page)
    await page.locator(".graphiql-tab-button", has_text=re.compile(r"^PowerSearch$")).click()
    await expect(page.locator(".graphiql-editor-tool")).to_contain_text("食品")
    async with page.expect_response(lambda r: r.url.endswith("/graphql")) as answered:
        await page.locator(".graphiql-execute-button").click()
    response = await answered.value
    headers = await response.request.all_headers()
    body = await response.json()
    assert "authorization" not in headers
    assert response.status == 200
    assert "errors" not in body
    assert body["data"]["powers"]["nodes"], "the demo county has powers about 食品"
    await expect(page.locator(".graphiql-response")).to_contain_text('"totalCount"')
    await shot(page, "graphiql-public-power-search")


async def test_graphiql_as_discipline_sends_a_token_and_sees_risk_points(page: Page) -> None:
    await open_graphiql(page)
    await page.locator("#role").select_option("discipline")
    await expect(page.locator("body")).to_have_attribute("data-role", "discipline")
    await page.evaluate(
        "q => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)",
        RISK_POINTS,
    )
    async with page.expect_response(lambda r: r.url.endswith("/graphql")) as answered:
        await page.locator(".graphiql-execute-button").click()
    response = await answered.value
    headers = await response.request.all_headers()
    body = await response.json()
    assert headers["authorization"].startswith("Bearer ")
    assert "errors" not in body
    nodes = [edge["node"] for edge in body["data"]["powers"]["edges"]]
    assert nodes
    assert all(isinstance(node["riskPoints"], list) for node in nodes)
    assert any(node["riskPoints"] for node in nodes)
    await expect(page.locator(".graphiql-response")).to_contain_text('"riskPoints"')
    await shot(page, "graphiql-discipline-risk-points")


# A personal field: officials read it with a reason of access, or are refused (REASON_REQUIRED).
APPLICANTS = "query Applicants { cases(first: 2) { nodes { caseNo applicantName } } }"


async def test_graphiql_sends_the_reason_typed_in_and_an_official_reads_personal_data_with_it(
    page: Page, browsing: Browsing
) -> None:
    await open_graphiql(page)
    await page.locator("#role").select_option("discipline")
    await expect(page.locator("body")).to_have_attribute("data-role", "discipline")
    await page.locator("#reason").fill("核查信访件（测试）")
    await page.evaluate(
        "q => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)",
        APPLICANTS,
    )
    async with page.expect_response(lambda r: r.url.endswith("/graphql")) as answered:
        await page.locator(".graphiql-execute-button").click()
    response = await answered.value
    headers = await response.request.all_headers()
    body = await response.json()
    assert urllib.parse.unquote(headers["x-access-reason"]) == "核查信访件（测试）"
    assert "errors" not in body, body
    browsing.allow(r"(HTTP 400|status of 400)")  # without a reason the read is refused, as it should
    await page.locator("#reason").fill("")
    async with page.expect_response(lambda r: r.url.endswith("/graphql")) as answered:
        await page.locator(".graphiql-execute-button").click()
    refused = await (await answered.value).json()
    assert refused["errors"][0]["extensions"]["code"] == "REASON_REQUIRED"


async def test_development_tokens_for_a_township_name_its_region(dev_client: httpx.AsyncClient) -> None:
    own = {"Sec-Fetch-Site": "same-origin"}
    township = await dev_client.get("/dev/token?role=township&region=510799101", headers=own)
    assert township.status_code == 200
    claims = jwt.decode(township.json()["token"], options={"verify_signature": False})
    assert (claims["role"], claims["region"]) == ("township", "510799101")
    missing = await dev_client.get("/dev/token?role=township", headers=own)
    assert missing.status_code == 400 and "region" in missing.json()["errors"][0]["message"]
