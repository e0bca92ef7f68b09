"""What browsers need over HTTP: CORS for pages on other sites (the public from anywhere, officials'
tokens only from registered origins) and compressed answers."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import brotli
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from tests.conftest import running

CONSOLE = "https://console.county.gov.cn"
ELSEWHERE = "https://transparency.example.org"


@pytest.fixture(scope="module")
async def cors_client(settings: Settings, shared_db: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(
        create_app(replace(settings, cors_origins=frozenset({CONSOLE})), database_url=shared_db)
    ) as c:
        yield c


def preflight(origin: str, method: str = "POST", headers: str = "content-type") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_any_site_may_call_the_public_api_without_credentials(cors_client: httpx.AsyncClient) -> None:
    allowed = await cors_client.options("/graphql", headers=preflight(ELSEWHERE))
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "*"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    answer = await cors_client.get("/public/Regions", headers={"Origin": ELSEWHERE})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "ETag" in answer.headers["access-control-expose-headers"]


async def test_only_registered_origins_may_send_an_officials_token(
    cors_client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    refused = await cors_client.options(
        "/graphql", headers=preflight(ELSEWHERE, headers="authorization, content-type")
    )
    assert refused.status_code == 400, refused.content
    assert "access-control-allow-origin" not in refused.headers
    assert refused.json()["errors"][0]["extensions"]["code"] == "CORS_REFUSED"
    allowed = await cors_client.options(
        "/graphql", headers=preflight(CONSOLE, headers="authorization, content-type")
    )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == CONSOLE
    assert "authorization" in allowed.headers["access-control-allow-headers"]
    answer = await cors_client.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={"Origin": CONSOLE, "Authorization": f"Bearer {token('discipline')}"},
    )
    assert answer.headers["access-control-allow-origin"] == CONSOLE
    assert answer.json()["data"]["viewer"]["role"] == "discipline"


async def test_answers_over_a_kilobyte_are_compressed(client: httpx.AsyncClient) -> None:
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        async with client.stream(
            "GET", "/public/Departments", headers={"Accept-Encoding": encoding}
        ) as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        assert response.headers["content-encoding"] == encoding
        assert decode(raw).decode("utf-8").startswith('{"data"')
    small = await client.get("/healthz", headers={"Accept-Encoding": "br, gzip"})
    assert "content-encoding" not in small.headers
