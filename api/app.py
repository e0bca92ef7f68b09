"""The Starlette application: routes, lifespan (the database pool) and middleware."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from alembic.config import Config
from alembic.script import ScriptDirectory
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.answer_cache import AnswerCache, listening
from api.auth import TokenVerifier, mint_dev_token
from api.clients import ClientRegistry
from api.errors import error_body
from api.graphql_http import GraphQLEndpoint, GraphQLRequest, JSONResponse, RequestError
from api.observability import Metrics, RequestLogMiddleware, request_id_of
from api.open_data import make_endpoint as make_open_data
from api.public_queries import PRIVATE_OPERATIONS, PublicQueries
from api.settings import Settings
from api.workers import background
from db.ratelimit import make_limiter
from domain.viewer import ANONYMOUS, Role
from schema import build_schema
from schema.compiled import COMPILED
from schema.context import Limits

ROOT = Path(__file__).resolve().parent.parent

_MAP_QUERY = "query ProcessMapSvg($code: String!) { power(code: $code) { processMap { svg } } }"


def _get_variables(request: Request, types: dict[str, str]) -> dict[str, Any]:
    params = request.query_params
    if "variables" in params:
        try:
            value = orjson.loads(params["variables"])
        except orjson.JSONDecodeError:
            raise ValueError("参数 variables 不是合法的 JSON") from None
        if not isinstance(value, dict):
            raise ValueError("参数 variables 应为 JSON 对象")
        return value
    # Each variable as its own parameter, read as the document declares it: text stays text
    # (a 12-digit village code is a String), numbers, booleans and input objects are JSON.
    variables: dict[str, Any] = {}
    for key, raw in params.items():
        if key not in types:
            raise ValueError(f"该查询没有变量 {key}")
        if types[key] in {"String", "ID", "Date", "DateTime", "Decimal"}:
            variables[key] = raw
            continue
        try:
            variables[key] = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ValueError(f"变量 {key} 应为 JSON（{types[key]}）") from None
    return variables


def _if_none_match(request: Request) -> set[str]:
    header = request.headers.get("if-none-match", "")
    return {tag.strip() for tag in header.split(",") if tag.strip()}


def alembic_head() -> str:
    config = Config(str(ROOT / "alembic.ini"))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("migrations/ has no head revision")
    return head


def create_app(
    settings: Settings, *, database_url: str, public_queries: PublicQueries | None = None
) -> Starlette:
    metrics = Metrics()
    head = alembic_head()
    endpoint = GraphQLEndpoint(
        schema=build_schema(),
        verifier=TokenVerifier(settings),
        public_queries=public_queries or PublicQueries.load(),
        limits=Limits(
            max_page_size=settings.max_page_size,
            power_code_pattern=re.compile(settings.power_code_pattern),
            lookups_per_client=settings.lookups_per_client,
            lookups_per_id_number=settings.lookups_per_id_number,
        ),
        metrics=metrics,
        request_timeout_s=settings.request_timeout_s,
        max_body_bytes=settings.max_body_bytes,
        graphiql=settings.graphiql,
        clients=ClientRegistry.from_setting(
            settings.client_keys, anonymous_per_minute=settings.anonymous_per_minute
        ),
        graphiql_token=mint_dev_token(settings, role=Role.DISCIPLINE, staff_no="dev-graphiql")
        if settings.dev and settings.graphiql
        else None,
    )
    if settings.compiled_documents:
        endpoint.compiled = COMPILED
    if settings.answer_cache_entries > 0:
        endpoint.answers = AnswerCache(settings.answer_cache_entries)
    if settings.today is not None:
        fixed = settings.today
        endpoint.today = lambda: fixed

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(
            database_url,
            min_size=settings.pool_min,
            max_size=settings.pool_max,
            server_settings={
                "statement_timeout": str(settings.statement_timeout_ms),
                "application_name": "sunshine",
            },
        )
        app.state.pool = pool
        app.state.limiter = make_limiter(settings.redis_url)
        try:
            async with contextlib.AsyncExitStack() as stack:
                await stack.enter_async_context(background(settings, pool))
                if endpoint.answers is not None:
                    await stack.enter_async_context(listening(endpoint.answers, database_url))
                yield
        finally:
            await app.state.limiter.close()
            await pool.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        """Ready when the database answers and its schema is at this release's migration head."""
        try:
            current = await request.app.state.pool.fetchval(
                "SELECT version_num FROM alembic_version", timeout=2
            )
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            return JSONResponse(
                {"status": "unavailable", "reason": f"数据库不可用：{type(exc).__name__}"}, 503
            )
        if current != head:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "reason": f"数据库迁移版本 {current} 不是 {head}，请先执行 sunshine migrate",
                },
                503,
            )
        return JSONResponse({"status": "ready", "migration": current})

    async def prometheus(request: Request) -> Response:
        metrics.sample_pool(request.app.state.pool)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def process_map_svg(request: Request) -> Response:
        """The process map as an image for kiosks (``<img src="/maps/CODE.svg">``), served through
        the schema so the public sees exactly what the public query would show."""
        code = request.path_params["code"]
        gql = GraphQLRequest(_MAP_QUERY, {"code": code}, "ProcessMapSvg")
        status, result = await endpoint.run(request, gql, ANONYMOUS, request_id_of(request))
        power = (result.get("data") or {}).get("power")
        if status != 200 or power is None:
            errors = result.get("errors", [])
            not_found = any(e["extensions"]["code"] == "NOT_FOUND" for e in errors)
            return JSONResponse({"errors": errors}, status_code=404 if not_found else 400)
        return Response(
            power["processMap"]["svg"],
            media_type="image/svg+xml; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    async def public_get(request: Request) -> Response:
        """A vetted document by its operation name over plain GET, for kiosks, CDNs and sites:
        ``/public/PowerSearch?variables={...}`` (or each variable as its own parameter). Answers
        carry a strong ETag and ``304 Not Modified`` for a matching ``If-None-Match``."""
        document = endpoint.public_queries.by_operation(request.path_params["operation"])
        if document is None:
            return JSONResponse(
                {
                    "errors": [
                        error_body("UNKNOWN_OPERATION", "没有这个公开查询，见 public_queries/manifest.json")
                    ]
                },
                status_code=404,
            )
        try:
            variables = _get_variables(request, document.variable_types())
        except ValueError as exc:
            return JSONResponse({"errors": [error_body("BAD_VARIABLES", str(exc))]}, status_code=400)
        gql = GraphQLRequest.vetted(document, variables)
        try:
            await endpoint.charge(request, document.operation or document.name)
        except RequestError as exc:
            return JSONResponse(
                {"errors": [error_body(exc.code, exc.message)]},
                status_code=exc.status,
                headers={"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s else None,
            )
        status, result = await endpoint.run(request, gql, ANONYMOUS, request_id_of(request))
        body = orjson.dumps(result)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        private = document.operation in PRIVATE_OPERATIONS
        headers = {
            "ETag": etag,
            "Cache-Control": "no-store" if private else "public, max-age=60, stale-while-revalidate=300",
            "Vary": "Accept-Encoding",
        }
        if status == 200 and "errors" not in result and etag in _if_none_match(request):
            return Response(status_code=304, headers=headers)
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    app = Starlette(
        routes=[
            Route("/graphql", endpoint.handle, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", prometheus),
            Route("/maps/{code}.svg", process_map_svg),
            Route("/public/{operation}", public_get),
            Route("/open-data/{dataset}.{fmt}", make_open_data(endpoint.today)),
            Route("/", lambda request: PlainTextResponse("阳光政务 Sunshine：GraphQL 接口在 /graphql\n")),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(RequestLogMiddleware, metrics=metrics)
    app.state.settings = settings
    app.state.answers = endpoint.answers
    return app
