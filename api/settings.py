"""Settings, read once from the environment (twelve-factor); nothing else reads ``os.environ``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from schema import DocumentLimits
from schema.context import Limits

DEFAULT_POWER_CODE_PATTERN = r"^[0-9]{6}-[A-Z]{2}-[0-9]{5}$"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Settings:
    # Where the data lives. Without DATABASE_URL the service runs its own embedded PostgreSQL in
    # ``data_dir``; with it, it never touches the embedded one.
    database_url: str | None = None
    # A streaming replica of DATABASE_URL for the public's reads and officials' queries
    # (api/replica.py); read from only while it is within replica_max_lag_s of the primary.
    database_replica_url: str | None = None
    replica_max_lag_s: float = 5.0
    data_dir: Path = Path(".sunshine")
    dev: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    pool_min: int = 2
    pool_max: int = 10
    statement_timeout_ms: int = 5000
    request_timeout_s: float = 10.0
    max_body_bytes: int = 256 * 1024
    max_page_size: int = 100
    # What one GraphQL document may ask (schema/__init__.py enforces them at validation).
    max_query_depth: int = 12
    max_query_aliases: int = 20
    max_query_tokens: int = 3000
    max_query_cost: int = 50_000
    power_code_pattern: str = DEFAULT_POWER_CODE_PATTERN
    graphiql: bool = False
    # Tokens: the algorithm is pinned, and a key is either a public key (PEM text or a file) or
    # a JWKS URL. In development without either, a local Ed25519 key pair is made under data_dir.
    jwt_algorithm: str = "EdDSA"
    jwt_public_key: str | None = None
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "sunshine"
    jwt_audience: str = "sunshine-api"
    jwt_leeway_s: int = 30
    # A token that lives longer than this (exp − iat) is refused: a leaked one must expire soon.
    jwt_max_lifetime_s: int = 12 * 3600
    # Whose X-Forwarded-For is believed (comma-separated addresses or networks, as uvicorn's
    # forwarded_allow_ips); none by default, so no client can pick the address it is budgeted by.
    trusted_proxies: str = ""
    # The Ed25519 key that signs audit checkpoints (PEM file; kept off the database server). In
    # development it is made under data_dir; `audit-verify` needs only its public half.
    audit_signing_key: Path | None = None
    audit_public_key: Path | None = None
    # Browser origins (comma-separated) allowed to send an official's token; the public API is
    # open to every origin without credentials.
    cors_origins: frozenset[str] = frozenset()
    # When set, GET /metrics asks for "Authorization: Bearer <this>".
    metrics_token: str | None = None
    redis_url: str | None = None
    log_level: str = "INFO"
    # Pins "today" (Asia/Shanghai) for on-time checks and the supervision sweep: demos and
    # tests replay a fixed month. Unset in production.
    today: date | None = None
    supervision_interval_s: float = 0  # 0: no in-process sweep; `sunshine supervise` runs it
    notify_interval_s: float = 0  # 0: no in-process delivery; `sunshine notify` runs it
    notify_webhook_url: str | None = None
    # The real-name subsidy lookup, per hour: from one caller, and for one ID number from anywhere.
    lookups_per_client: int = 20
    client_keys: str | None = None  # JSON list of front ends, or a file holding it (api/clients.py)
    anonymous_per_minute: int = 120  # cost units a minute for a caller without a client key, per IP
    lookups_per_id_number: int = 5
    # Attempts at one case's receipt code or one complaint's tracking code a day, from everyone
    # together (services/attempts.py): 20 keeps a six-digit code's yearly guessing chance under 1 %.
    code_attempts_per_day: int = 20
    # Officials give a reason of access (extensions.reason) for reads of unmasked personal data;
    # off only while an official client is taught to send one.
    access_reason_required: bool = True
    # The public hot paths: vetted documents answered by their compiled form (schema/compiled.py),
    # and answers of the catalogue documents kept until the data under them changes.
    compiled_documents: bool = True
    answer_cache_entries: int = 20_000  # 0: no answer cache
    # The live feed over WebSocket (api/subscriptions.py): subscriptions at once on one connection
    # and from one client (an official's token subject, else the client key or address) in one
    # process; connections from one client; the wait for connection_init; a ping every so often and
    # the wait for its pong; how long a connection with no subscription stays open.
    ws_subscriptions_per_connection: int = 5
    ws_subscriptions_per_client: int = 20
    ws_connections_per_client: int = 10
    ws_init_timeout_s: float = 10.0
    ws_ping_interval_s: float = 20.0
    ws_pong_timeout_s: float = 10.0
    ws_idle_timeout_s: float = 120.0

    @property
    def dev_key_path(self) -> Path:
        return self.data_dir / "dev-jwt-ed25519.pem"

    @property
    def audit_key_path(self) -> Path:
        return self.audit_signing_key or self.data_dir / "audit-ed25519.pem"

    @property
    def audit_checkpoint_log(self) -> Path:
        """The signed checkpoints, one JSON line each, kept beside the key, off the database."""
        return self.audit_key_path.with_name("audit-checkpoints.jsonl")

    @property
    def document_limits(self) -> DocumentLimits:
        return DocumentLimits(
            max_depth=self.max_query_depth,
            max_aliases=self.max_query_aliases,
            max_tokens=self.max_query_tokens,
            max_cost=self.max_query_cost,
            page_max=self.max_page_size,
        )

    @property
    def request_limits(self) -> Limits:
        return Limits(
            max_page_size=self.max_page_size,
            power_code_pattern=re.compile(self.power_code_pattern),
            lookups_per_client=self.lookups_per_client,
            lookups_per_id_number=self.lookups_per_id_number,
            code_attempts_per_day=self.code_attempts_per_day,
            reason_required=self.access_reason_required,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        dev = _bool(env.get("SUNSHINE_DEV"), False)
        pattern = env.get("POWER_CODE_PATTERN") or DEFAULT_POWER_CODE_PATTERN
        re.compile(pattern)  # a broken pattern stops the start, not the first request
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            database_replica_url=env.get("DATABASE_REPLICA_URL") or None,
            replica_max_lag_s=float(env.get("REPLICA_MAX_LAG_S") or 5),
            data_dir=Path(env.get("SUNSHINE_DATA_DIR") or ".sunshine"),
            dev=dev,
            host=env.get("HOST") or "127.0.0.1",
            port=int(env.get("PORT") or 8000),
            pool_min=int(env.get("DB_POOL_MIN") or 2),
            pool_max=int(env.get("DB_POOL_MAX") or 10),
            statement_timeout_ms=int(env.get("STATEMENT_TIMEOUT_MS") or 5000),
            request_timeout_s=float(env.get("REQUEST_TIMEOUT_S") or 10),
            max_body_bytes=int(env.get("MAX_BODY_BYTES") or 256 * 1024),
            max_page_size=int(env.get("MAX_PAGE_SIZE") or 100),
            max_query_depth=int(env.get("MAX_QUERY_DEPTH") or 12),
            max_query_aliases=int(env.get("MAX_QUERY_ALIASES") or 20),
            max_query_tokens=int(env.get("MAX_QUERY_TOKENS") or 3000),
            max_query_cost=int(env.get("MAX_QUERY_COST") or 50_000),
            power_code_pattern=pattern,
            graphiql=_bool(env.get("GRAPHIQL"), dev),
            jwt_algorithm=env.get("JWT_ALGORITHM") or "EdDSA",
            jwt_public_key=env.get("JWT_PUBLIC_KEY") or None,
            jwt_jwks_url=env.get("JWT_JWKS_URL") or None,
            jwt_issuer=env.get("JWT_ISSUER") or "sunshine",
            jwt_audience=env.get("JWT_AUDIENCE") or "sunshine-api",
            jwt_max_lifetime_s=int(float(env.get("JWT_MAX_LIFETIME_H") or 12) * 3600),
            trusted_proxies=env.get("TRUSTED_PROXIES") or "",
            metrics_token=env.get("METRICS_TOKEN") or None,
            cors_origins=frozenset(
                o.strip() for o in (env.get("CORS_ORIGINS") or "").split(",") if o.strip()
            ),
            audit_signing_key=Path(env["AUDIT_SIGNING_KEY"]) if env.get("AUDIT_SIGNING_KEY") else None,
            audit_public_key=Path(env["AUDIT_PUBLIC_KEY"]) if env.get("AUDIT_PUBLIC_KEY") else None,
            redis_url=env.get("REDIS_URL") or None,
            log_level=env.get("LOG_LEVEL") or "INFO",
            today=date.fromisoformat(env["SUNSHINE_TODAY"]) if env.get("SUNSHINE_TODAY") else None,
            supervision_interval_s=float(env.get("SUPERVISION_INTERVAL_S") or 0),
            notify_interval_s=float(env.get("NOTIFY_INTERVAL_S") or 0),
            notify_webhook_url=env.get("NOTIFY_WEBHOOK_URL") or None,
            lookups_per_client=int(env.get("LOOKUPS_PER_CLIENT") or 20),
            client_keys=env.get("CLIENT_KEYS") or None,
            anonymous_per_minute=int(env.get("ANONYMOUS_PER_MINUTE") or 120),
            lookups_per_id_number=int(env.get("LOOKUPS_PER_ID_NUMBER") or 5),
            code_attempts_per_day=int(env.get("CODE_ATTEMPTS_PER_DAY") or 20),
            access_reason_required=_bool(env.get("ACCESS_REASON_REQUIRED"), True),
            compiled_documents=_bool(env.get("COMPILED_DOCUMENTS"), True),
            answer_cache_entries=int(env.get("ANSWER_CACHE_ENTRIES") or 20_000),
            ws_subscriptions_per_connection=int(env.get("WS_SUBSCRIPTIONS_PER_CONNECTION") or 5),
            ws_subscriptions_per_client=int(env.get("WS_SUBSCRIPTIONS_PER_CLIENT") or 20),
            ws_connections_per_client=int(env.get("WS_CONNECTIONS_PER_CLIENT") or 10),
            ws_init_timeout_s=float(env.get("WS_INIT_TIMEOUT_S") or 10),
            ws_ping_interval_s=float(env.get("WS_PING_INTERVAL_S") or 20),
            ws_pong_timeout_s=float(env.get("WS_PONG_TIMEOUT_S") or 10),
            ws_idle_timeout_s=float(env.get("WS_IDLE_TIMEOUT_S") or 120),
        )
