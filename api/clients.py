"""Front ends that identify themselves (client keys) and the rate limits of anonymous callers.

A front end sends ``X-Client-Key``; the key names it (kiosk-07, wechat, a transparency site),
its kind and its budget. Without a key a caller is counted by IP address with the default budget.
Each vetted operation costs units against the budget per minute; a lookup of personal data costs
more than a list of powers. Over budget: HTTP 429 with ``Retry-After``; every answer carries the
budget's state in the IETF draft's ``RateLimit-Policy`` and ``RateLimit`` fields.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import orjson

from db.ratelimit import Limiter, Verdict

KINDS = ("kiosk", "wechat", "site")
DEFAULT_PER_MINUTE = 120
# Units per request; every other operation costs 1.
OPERATION_COSTS = {
    "HouseholdSubsidies": 20,
    "CaseStatus": 5,
    "RateCase": 5,
    "SubmitComplaint": 10,
    "TrackComplaint": 5,
    "RateComplaint": 5,
    "NoticeList": 3,
    "SubsidyAggregates": 3,
    "PowerSearch": 2,
    # Bulk downloads, by size: the power list with every map is the largest answer the service has.
    "open-data:powers": 30,
    "open-data:case-statistics": 20,
    "open-data:fund-aggregates": 10,
    "open-data:department-rankings": 3,
}


@dataclass(frozen=True, slots=True)
class Client:
    name: str
    kind: str
    per_minute: int


class ClientRegistry:
    """Keys are kept as SHA-256 digests: the configuration file need not hold the secrets."""

    def __init__(self, clients: dict[str, Client], *, anonymous_per_minute: int = DEFAULT_PER_MINUTE) -> None:
        self._by_digest = clients
        self.anonymous = Client("anonymous", "anonymous", anonymous_per_minute)

    @classmethod
    def from_json(cls, text: str) -> ClientRegistry:
        """``[{"key" | "key_sha256": ..., "name": ..., "kind": "kiosk|wechat|site", "per_minute": n}]``"""
        entries = orjson.loads(text) if text.strip() else []
        clients = {}
        for entry in entries:
            if entry.get("kind") not in KINDS:
                raise ValueError(f"客户端 {entry.get('name')} 的类型应为 {'、'.join(KINDS)}")
            digest = entry.get("key_sha256") or hashlib.sha256(str(entry["key"]).encode()).hexdigest()
            clients[digest] = Client(
                entry["name"], entry["kind"], int(entry.get("per_minute", DEFAULT_PER_MINUTE))
            )
        return cls(clients)

    @classmethod
    def from_setting(
        cls, value: str | None, *, anonymous_per_minute: int = DEFAULT_PER_MINUTE
    ) -> ClientRegistry:
        """CLIENT_KEYS: the JSON itself, or the path of a file holding it."""
        path = Path(value) if value else None
        text = path.read_text(encoding="utf-8") if path is not None and path.is_file() else (value or "")
        registry = cls.from_json(text)
        return cls(registry._by_digest, anonymous_per_minute=anonymous_per_minute)

    def find(self, key: str) -> Client | None:
        digest = hashlib.sha256(key.encode()).hexdigest()
        for known, client in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return client
        return None


WINDOW_S = 60


@dataclass(frozen=True, slots=True)
class Charged:
    """What charging one request found: who called, and their budget's state after it."""

    client: Client
    verdict: Verdict

    @property
    def headers(self) -> dict[str, str]:
        """The IETF draft's RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers),
        and Retry-After when the request was refused."""
        v = self.verdict
        headers = {
            "RateLimit-Policy": f'"budget";q={v.limit};w={WINDOW_S}',
            "RateLimit": f'"budget";r={v.remaining};t={v.reset_s}',
        }
        if not v.allowed:
            headers["Retry-After"] = str(v.retry_after_s)
        return headers


class UnknownClientKey(Exception):
    pass


async def charge(
    limiter: Limiter, registry: ClientRegistry, *, key: str | None, address: str, operation: str
) -> Charged:
    """Count one anonymous request against its client's budget (or its address's)."""
    if key:
        found = registry.find(key)
        if found is None:
            raise UnknownClientKey
        client, bucket = found, f"client:{found.name}"
    else:
        client, bucket = registry.anonymous, f"ip:{address}"
    cost = OPERATION_COSTS.get(operation, 1)
    verdict = await limiter.hit(bucket, limit=client.per_minute, window_s=WINDOW_S, cost=cost)
    return Charged(client, verdict)
