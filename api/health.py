"""Liveness, readiness and metrics: what an orchestrator and Prometheus ask."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

import asyncpg
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from api.demo_load import DemoLoad
from api.errors import HTTPError
from api.responses import JSONResponse
from db import migrate
from db.executor import UNAVAILABLE
from domain.calendar import china_day
from services import calendar

# The database away, or answering with an error: not ready either way.
_NOT_READY: tuple[type[BaseException], ...] = (*UNAVAILABLE, asyncpg.PostgresError, TimeoutError)


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


def _demo(request: Request) -> str:
    """How far the demo county's load has come. ``serve`` sets the load on the app it assembled;
    an app it did not start (production, tests) loads no demo."""
    load: DemoLoad = getattr(request.app.state, "demo_load", None) or DemoLoad.none()
    return load.state().value


async def readyz(request: Request) -> Response:
    """Ready when the database answers and its schema is at this release's migration head; also
    says whether the demo county is still loading (``demo``), which years in use have no
    working-day calendar (``calendar_missing_years``, with ``warnings``) and, with a replica, its
    state (``replica``: ok, lagging or away, and its lag), none of which keeps it from ready: reads
    go to the primary while the replica is not ok."""
    head = request.app.state.migration_head
    demo = _demo(request)
    try:
        current = await migrate.get_version(request.app.state.pool, timeout=2)
    except _NOT_READY as exc:
        return JSONResponse(
            {"status": "unavailable", "reason": f"数据库不可用：{type(exc).__name__}", "demo": demo}, 503
        )
    if current != head:
        return JSONResponse(
            {
                "status": "unavailable",
                "reason": f"数据库迁移版本 {current} 不是 {head}，请先执行 sunshine migrate",
                "demo": demo,
            },
            503,
        )
    try:
        missing = await _calendar_missing(request)
    except _NOT_READY as exc:
        return JSONResponse(
            {"status": "unavailable", "reason": f"数据库不可用：{type(exc).__name__}", "demo": demo}, 503
        )
    # A year in use without its calendar is a warning, not unreadiness: its days count Monday to
    # Friday until `sunshine calendar load` brings the State Council's arrangements.
    warnings = [
        f"未载入{year}年的工作日历：该年的时限暂按周一至周五计算，"
        f"国务院公布放假安排后请执行 sunshine calendar load（载入后自动重算在办件的办结日期）"
        for year in missing
    ]
    body = {
        "status": "ready",
        "migration": current,
        "demo": demo,
        "calendar_missing_years": missing,
        "warnings": warnings,
    }
    if (replica := request.app.state.reads.report()) is not None:
        body["replica"] = replica
    return JSONResponse(body)


async def _calendar_missing(request: Request) -> list[int]:
    """The years in use (this year, the years open cases fall due in) without a calendar."""
    settings = request.app.state.settings
    today = settings.today or china_day(datetime.now(UTC))
    async with request.app.state.pool.acquire(timeout=2) as conn:
        return await calendar.missing_years(conn, today=today)


async def prometheus(request: Request) -> Response:
    """Prometheus's scrape; behind ``METRICS_TOKEN`` when that is set."""
    expected = request.app.state.settings.metrics_token
    if expected is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPError(
                401, "UNAUTHENTICATED", "指标须凭 METRICS_TOKEN 读取", headers={"WWW-Authenticate": "Bearer"}
            )
    metrics = request.app.state.metrics
    metrics.sample_pool(request.app.state.pool)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
