"""The Starlette application assembled: routes (each in its own module), the error edge, the
lifespan (the database pool, background workers) and middleware."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator

import asyncpg
from brotli_asgi import BrotliMiddleware
from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute

from api import changes, health, open_data, public_files, public_get, web
from api.answer_cache import AnswerCache, listening
from api.auth import TokenVerifier
from api.clients import ClientRegistry
from api.cors import CORSMiddleware
from api.errors import EXCEPTION_HANDLERS, UncachedErrors
from api.graphiql import ROLE_SWITCH_PATH, GraphiQLPage, dev_token
from api.graphql_http import GraphQLEndpoint
from api.observability import Metrics, RequestLogMiddleware
from api.public_get import SERVICE_OPERATIONS
from api.public_queries import PublicQueries
from api.replica import reading
from api.settings import Settings
from api.static_files import static_files
from api.subscriptions import feed_socket
from api.workers import background
from db import migrate
from db.admin import APP_ROLE
from db.executor import keep_session
from db.ratelimit import make_limiter
from schema import build_schema
from schema.compiled import COMPILED
from services.feed import FeedHub


def create_app(
    settings: Settings, *, database_url: str, public_queries: PublicQueries | None = None
) -> Starlette:
    public_queries = public_queries or PublicQueries.load()
    metrics = Metrics(
        known_operations=frozenset(d.operation for d in public_queries if d.operation) | SERVICE_OPERATIONS
    )
    schema = build_schema(settings.document_limits, fast_paths=settings.compiled_documents)
    endpoint = GraphQLEndpoint(
        schema=schema,
        verifier=TokenVerifier(settings),
        public_queries=public_queries,
        limits=settings.request_limits,
        metrics=metrics,
        request_timeout_s=settings.request_timeout_s,
        max_body_bytes=settings.max_body_bytes,
        graphiql=GraphiQLPage(schema, public_queries, dev=settings.dev) if settings.graphiql else None,
        clients=ClientRegistry.from_setting(
            settings.client_keys, anonymous_per_minute=settings.anonymous_per_minute
        ),
    )
    endpoint.max_tokens = settings.max_query_tokens
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
                "role": APP_ROLE,  # least privilege: the owner runs only migrations and loads
            },
            reset=keep_session,
        )
        app.state.pool = pool
        app.state.limiter = make_limiter(settings.redis_url)
        try:
            async with contextlib.AsyncExitStack() as stack:
                # Where each request reads: the primary, or DATABASE_REPLICA_URL (api/replica.py).
                app.state.reads = await stack.enter_async_context(
                    reading(settings, pool, observe=metrics.observe_read)
                )
                await stack.enter_async_context(background(settings, pool))
                if endpoint.answers is not None:
                    await stack.enter_async_context(listening(endpoint.answers, database_url))
                # The live feed: one listening connection for the process, shared by every subscriber.
                app.state.feed = await stack.enter_async_context(
                    FeedHub(pool, today=endpoint.today).running(database_url)
                )
                yield
        finally:
            await app.state.limiter.close()
            await pool.close()

    app = Starlette(
        routes=[
            Route("/graphql", endpoint.handle, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", feed_socket(endpoint, settings)),  # subscriptions
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz),
            Route("/metrics", health.prometheus),
            Route("/maps/{code}.svg", public_get.process_map_svg),
            # The fixed paths before the pattern that would take them as an operation.
            Route("/public/manifest.json", public_files.manifest),
            Route("/public/schema.graphql", public_files.schema_sdl),
            Route("/public/documents/{file}", public_files.document),
            Route("/public/{operation}", public_get.public_get),
            Route("/open-data/changes.jsonl", changes.changes),  # before the pattern that would take it
            Route("/open-data/{dataset}.{fmt}", open_data.open_data),
            Route("/", web.home),
            Route("/console/", web.console),
            Route("/screen/", web.screen),
            Mount("/static", app=static_files()),
            # Development tokens for GraphiQL's role switch: the route exists only in development.
            *([Route(ROLE_SWITCH_PATH, dev_token)] if settings.dev else []),
        ],
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    # Outermost first at the bottom: log every request, answer CORS, compress what is sent, and
    # keep every error out of caches.
    app.add_middleware(UncachedErrors)
    app.add_middleware(BrotliMiddleware, minimum_size=1024, gzip_fallback=True)
    app.add_middleware(CORSMiddleware, official_origins=settings.cors_origins)
    app.add_middleware(RequestLogMiddleware, metrics=metrics)
    app.state.settings = settings
    app.state.endpoint = endpoint
    app.state.answers = endpoint.answers
    app.state.metrics = metrics
    app.state.migration_head = migrate.head()
    return app


def settle_heap() -> None:
    """Keep the garbage collector off what lives as long as the process: called by a serving
    process once its app is built (not by tests, which build many apps in one process).

    The schema (strawberry's and graphql-core's types, resolvers, the parsed public documents) is
    hundreds of thousands of objects made at start-up and never freed; every full collection
    walked all of them again, and a request allocates enough to set one off every few requests
    (a profile under load put a quarter of the CPU in collections). Frozen, they are left out;
    collections of what requests make go on as before, a little less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
