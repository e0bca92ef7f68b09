"""Tokens: verified against the configured key with the algorithm pinned; a bad token is a 401
with a clear message, never a quiet downgrade to the public."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.auth import AuthError, TokenVerifier, ensure_dev_key, viewer_for
from api.settings import Settings

VIEWER = "query { viewer { role departmentCode staffNo } }"
# A discipline token names no department or township, so nothing is looked up for it.
NO_LOOKUPS: Any = None


def claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "SCJG-0001",
        "role": "discipline",
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(settings: Settings, **overrides: Any) -> str:
    return jwt.encode(claims(settings, **overrides), ensure_dev_key(settings.dev_key_path), algorithm="EdDSA")


async def ask(client: httpx.AsyncClient, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return await client.post("/graphql", json={"query": VIEWER}, headers=headers)


async def test_discipline_token_is_recognised(client: httpx.AsyncClient, token: Callable[..., str]) -> None:
    response = await ask(client, token("discipline", staff="JW-0001"))
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {
        "role": "discipline",
        "departmentCode": None,
        "staffNo": "JW-0001",
    }


async def test_department_token_names_its_department(
    client: httpx.AsyncClient, token: Callable[..., str], db: Any
) -> None:
    dept = await db.fetchval("SELECT code FROM departments ORDER BY id LIMIT 1")
    response = await ask(client, token("department", dept, "X-1"))
    assert response.json()["data"]["viewer"] == {
        "role": "department",
        "departmentCode": dept,
        "staffNo": "X-1",
    }


async def test_no_token_is_the_public(client: httpx.AsyncClient) -> None:
    # The public may run only vetted documents, so the refusal of this one shows the request was
    # taken as the public's.
    response = await ask(client, None)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda s: signed(s, exp=int(time.time()) - 3600), "TOKEN_EXPIRED", "过期"),
        (lambda s: signed(s, aud="someone-else"), "TOKEN_INVALID", "受众"),
        (lambda s: signed(s, iss="evil"), "TOKEN_INVALID", "签发者"),
        (lambda s: signed(s, role="superuser"), "TOKEN_INVALID", "角色"),
        (lambda s: signed(s, role="department"), "TOKEN_INVALID", "部门编码"),
        (lambda s: signed(s, role="department", dept="NO-SUCH"), "TOKEN_INVALID", "部门不存在"),
        (lambda s: signed(s, exp=None), "TOKEN_INVALID", "exp"),
        (lambda s: "not-a-token", "TOKEN_INVALID", "令牌无效"),
        (lambda s: signed(s, exp=int(time.time()) + 13 * 3600), "TOKEN_INVALID", "有效期过长"),
        (lambda s: signed(s, exp=253402300799), "TOKEN_INVALID", "有效期过长"),
    ],
    ids=[
        "expired",
        "audience",
        "issuer",
        "role",
        "department-missing",
        "department-unknown",
        "no-exp",
        "garbage",
        "lives-13-hours",
        "expires-in-9999",
    ],
)
async def test_bad_token_is_refused_with_401(
    client: httpx.AsyncClient, settings: Settings, make: Callable[[Settings], str], code: str, words: str
) -> None:
    response = await ask(client, make(settings))
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    assert words in error["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_token_signed_by_another_key_is_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    forged = jwt.encode(claims(settings), Ed25519PrivateKey.generate(), algorithm="EdDSA")
    response = await ask(client, forged)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "令牌签名无效"


async def test_unsigned_and_hmac_tokens_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    """The algorithm is pinned: neither ``none`` nor HS256 keyed with the public key gets in."""
    public_pem = (
        ensure_dev_key(settings.dev_key_path)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    unsigned = jwt.encode(claims(settings), "", algorithm="none")
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}').decode()
    payload = jwt.utils.base64url_encode(orjson.dumps(claims(settings))).decode()
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    confused = f"{header}.{payload}.{jwt.utils.base64url_encode(signature).decode()}"
    for token in (unsigned, confused):
        response = await ask(client, token)
        assert response.status_code == 401, token


async def test_malformed_authorization_header_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["errors"][0]["message"]


async def test_configured_public_key_verifies_tokens_from_its_private_key(settings: Settings) -> None:
    """Production: the service holds only the public key (PEM text) and verifies with it."""
    private = Ed25519PrivateKey.generate()
    pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    production = replace(settings, dev=False, jwt_public_key=pem)
    verifier = TokenVerifier(production)
    good = jwt.encode(claims(production, role="discipline"), private, algorithm="EdDSA")
    assert (await verifier.verify(good)).role.value == "discipline"


async def test_without_a_key_production_refuses_every_token(settings: Settings) -> None:
    verifier = TokenVerifier(replace(settings, dev=False, jwt_public_key=None))
    with pytest.raises(AuthError, match="未配置"):
        await verifier.verify(signed(settings))


async def test_jwks_url_verifies_tokens_by_key_id(settings: Settings) -> None:
    """Production with a JWKS endpoint (served here on loopback): the key is picked by ``kid``."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    private = Ed25519PrivateKey.generate()
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "EdDSA"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/jwks.json"
        verifier = TokenVerifier(replace(settings, dev=False, jwt_jwks_url=url))
        good = jwt.encode(claims(settings), private, algorithm="EdDSA", headers={"kid": "k1"})
        assert (await verifier.verify(good)).subject == "SCJG-0001"
        unknown_kid = jwt.encode(claims(settings), private, algorithm="EdDSA", headers={"kid": "k2"})
        with pytest.raises(AuthError, match="公钥"):
            await verifier.verify(unknown_kid)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


async def test_a_remembered_token_is_still_refused_once_it_expires(settings: Settings) -> None:
    """The viewer a token gave is remembered by its text, but its expiry is checked at every use."""
    verifier = TokenVerifier(replace(settings, jwt_leeway_s=0))
    soon = signed(settings, exp=int(time.time()) + 2)
    first = await viewer_for(f"Bearer {soon}", verifier, NO_LOOKUPS)
    assert first.role.value == "discipline"
    assert verifier.remembered(soon) == first
    await asyncio.sleep(2.5)
    with pytest.raises(AuthError) as refused:
        await viewer_for(f"Bearer {soon}", verifier, NO_LOOKUPS)
    assert refused.value.code == "TOKEN_EXPIRED"


async def test_a_remembered_token_does_not_vouch_for_another_text(settings: Settings) -> None:
    verifier = TokenVerifier(settings)
    good = signed(settings)
    assert (await viewer_for(f"Bearer {good}", verifier, NO_LOOKUPS)).role.value == "discipline"
    head, body, signature = good.split(".")
    forged = f"{head}.{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    with pytest.raises(AuthError) as refused:
        await viewer_for(f"Bearer {forged}", verifier, NO_LOOKUPS)
    assert refused.value.code == "TOKEN_INVALID"
