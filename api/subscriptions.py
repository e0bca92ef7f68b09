"""GraphQL subscriptions over WebSocket on ``/graphql`` (the ``graphql-transport-ws`` protocol),
on strawberry's ASGI view and its protocol handler, with this service's rules added:

- **Who asks** is settled at ``connection_init``: ``payload.authorization`` (``Bearer <token>``, as
  the HTTP header; a browser cannot set headers on a WebSocket) or none for the public, and
  ``payload.clientKey`` for a named front end. An official's token is checked as over HTTP, and
  the connection is closed when the token's ``exp`` passes; a page on another origin may send an
  official's token only from ``CORS_ORIGINS``, as over HTTP.
- **What may run**: subscriptions only (queries and mutations go over HTTP); the public only a
  vetted document of ``public_queries/`` (by its text or its id in
  ``extensions.persistedQuery.sha256Hash``), charged to its budget like a request; an official's
  subscription that selects personal data needs ``extensions.reason``, and every unmasked read is
  appended to the audit trail before the event carrying it is sent.
- **Limits**: subscriptions per connection and per client, connections per client, a ping every
  ``WS_PING_INTERVAL_S`` answered within ``WS_PONG_TIMEOUT_S``, and a connection with no
  subscription closed after ``WS_IDLE_TIMEOUT_S``.

A refusal of one subscription is that subscription's ``error`` message, with the same
``extensions.code`` as over HTTP. A refusal of the connection closes it with a code of
:data:`CLOSE_CODES` and the stable code as the close reason (README, "The live feed").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, OperationType, parse
from graphql.utilities import get_operation_ast
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.websocket_origin import is_same_origin
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    PongMessage,
    SubscribeMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from api.auth import AuthError, viewer_for
from api.clients import UnknownClientKey, charge
from api.errors import HTTPError, error_body, format_error
from api.graphql_http import GraphQLEndpoint
from api.settings import Settings
from db import audit
from db.executor import CountingExecutor
from domain.viewer import ANONYMOUS, Viewer
from schema.context import Context
from schema.reasons import selects_personal_data
from schema.refusals import plain

log = logging.getLogger("sunshine.subscriptions")

# Why a connection is closed: the close code, and the stable code sent as the close reason.
CLOSE_CODES = {
    4400: "a message that is not the protocol's (BAD_MESSAGE)",
    4401: "subscribe before connection_ack (UNAUTHORIZED)",
    4403: "the token or client key refused at connection_init (TOKEN_INVALID, TOKEN_EXPIRED, "
    "UNKNOWN_CLIENT_KEY, ORIGIN_NOT_ALLOWED), or the token expired while connected (TOKEN_EXPIRED)",
    4406: "no graphql-transport-ws subprotocol offered",
    4408: "no connection_init in time (INIT_TIMEOUT), no pong to a ping (PING_TIMEOUT), "
    "no subscription for too long (IDLE_TIMEOUT)",
    4409: "a subscription id already in use",
    4429: "too many connections from this client (TOO_MANY_CONNECTIONS), or a second connection_init",
}


class Refused(Exception):
    """The connection is refused: closed with ``close_code`` and ``code`` as the reason."""

    def __init__(self, close_code: int, code: str) -> None:
        super().__init__(code)
        self.close_code = close_code
        self.code = code


class SubscriptionRefused(Exception):
    """One subscription is refused: its ``error`` message carries ``code`` and ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Session:
    """One WebSocket connection: who is on it, settled at ``connection_init``."""

    websocket: WebSocket
    address: str
    viewer: Viewer = ANONYMOUS
    client: str = ""  # whom the per-client limits count: token subject, client key or address
    client_key: str | None = None
    expires_at: float | None = None  # the token's exp (epoch seconds)
    admitted: bool = False
    connection_params: dict[str, Any] = field(default_factory=dict)


class ClientCounts:
    """Connections and subscriptions per client in this process."""

    def __init__(self) -> None:
        self.connections: Counter[str] = Counter()
        self.subscriptions: Counter[str] = Counter()

    def release(self, counter: Counter[str], client: str) -> None:
        counter[client] -= 1
        if counter[client] <= 0:
            del counter[client]


class FeedOperation(Operation[Session, None]):
    """One subscription, with its own context (its reason, its loaders, its audit entries)."""

    __slots__ = ("context",)

    context: Context

    async def send_initial_errors(self, errors: list[GraphQLError]) -> None:
        message = {"id": self.id, "type": "error", "payload": _formatted(self.handler, errors, self.context)}
        await self.send_operation_message(cast("Message", message))

    async def send_next(self, execution_result: ExecutionResult) -> None:
        payload: dict[str, Any] = {"data": execution_result.data}
        if execution_result.errors:
            payload["errors"] = _formatted(self.handler, execution_result.errors, self.context)
        message = {"id": self.id, "type": "next", "payload": payload}
        await self.send_operation_message(cast("Message", message))


def _formatted(handler: Any, errors: list[GraphQLError], context: Context) -> list[dict[str, Any]]:
    told = plain(errors, handler.schema._schema, {})
    return [format_error(e, request_id=context.request_id) for e in told]


class FeedProtocol(BaseGraphQLTransportWSHandler[Session, None]):
    """strawberry's graphql-transport-ws handler, with this service's auth, limits and audit."""

    view: FeedSocket
    context: Session

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        self._pong = asyncio.Event()
        self._watchers: list[asyncio.Task[None]] = [asyncio.create_task(self._keep_alive())]

    async def shutdown(self) -> None:
        for task in self._watchers:
            task.cancel()
        for task in self._watchers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await super().shutdown()
        self.view.leave(self.context)

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # the peer may be gone already
            await self.websocket.close(code=code, reason=reason)

    async def _keep_alive(self) -> None:
        """Ping every interval; close without a pong, or after too long without a subscription."""
        settings = self.view.settings
        idle_since = time.monotonic()
        while True:
            await asyncio.sleep(settings.ws_ping_interval_s)
            now = time.monotonic()
            if self.operations:
                idle_since = now
            elif now - idle_since >= settings.ws_idle_timeout_s:
                await self._close(4408, "IDLE_TIMEOUT")
                return
            if not self.connection_acknowledged:
                continue
            self._pong.clear()
            try:
                await self.send_message({"type": "ping"})
            except WebSocketDisconnected:
                return
            try:
                # Not asyncio.wait_for, which on Python 3.11 may swallow a cancellation.
                async with asyncio.timeout(settings.ws_pong_timeout_s):
                    await self._pong.wait()
            except TimeoutError:
                await self._close(4408, "PING_TIMEOUT")
                return

    async def handle_pong(self, message: PongMessage) -> None:
        self._pong.set()

    async def _expire(self, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))
        await self._close(4403, "TOKEN_EXPIRED")

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self._close(4400, "BAD_MESSAGE")
            return
        if self.connection_init_received:
            await self._close(4429, "TOO_MANY_INITIALISATION_REQUESTS")
            return
        self.connection_init_received = True
        try:
            await self.view.admit(self.context, payload)
        except Refused as refused:
            await self._close(refused.close_code, refused.code)
            return
        ack: dict[str, Any] = {"role": self.context.viewer.role.value}
        if self.context.expires_at is not None:
            ack["expiresAt"] = int(self.context.expires_at)
            self._watchers.append(asyncio.create_task(self._expire(self.context.expires_at)))
        await self.send_message({"type": "connection_ack", "payload": ack})
        self.connection_acknowledged = True

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged:
            await self._close(4401, "UNAUTHORIZED")
            return
        if message["id"] in self.operations:
            await self._close(4409, "SUBSCRIPTION_ID_IN_USE")
            return
        payload: dict[str, Any] = dict(message.get("payload") or {})
        try:
            context, query = await self.view.admit_subscription(self.context, payload, len(self.operations))
        except SubscriptionRefused as refused:
            error = {
                "id": message["id"],
                "type": "error",
                "payload": [error_body(refused.code, refused.message)],
            }
            await self.send_message(cast("Message", error))
            return
        except GraphQLSyntaxError as exc:
            await self._close(4400, exc.message[:100])
            return
        operation = FeedOperation(
            self, message["id"], query, payload.get("variables"), payload.get("operationName")
        )
        operation.context = context
        operation.task = asyncio.create_task(self.run_operation(operation))
        counts, client = self.view.counts, self.context.client
        operation.task.add_done_callback(lambda _task: counts.release(counts.subscriptions, client))
        operation.task.add_done_callback(self._task_done)
        self.operations[message["id"]] = operation

    async def run_operation(self, operation: Operation[Session, None]) -> None:
        assert isinstance(operation, FeedOperation)  # noqa: S101  # handle_subscribe makes only these
        try:
            result_source = await self.schema.subscribe(
                operation.query,
                variable_values=operation.variables,
                context_value=operation.context,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except asyncio.CancelledError:
            raise
        except WebSocketDisconnected:
            return  # the client went away while an event was on its way: nothing to tell anyone
        except Exception as error:  # a bug: logged, the subscription completed
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)

    async def _send_result_stream(
        self, operation: Operation[Session, None], result_source: StreamResult
    ) -> None:
        assert isinstance(operation, FeedOperation)  # noqa: S101  # handle_subscribe makes only these
        first = True
        async for result in result_source:
            if first and isinstance(result, PreExecutionError):
                await operation.send_initial_errors(result.errors or [])
                return
            first = False
            if not isinstance(result, ExecutionResult):
                return
            # Recorded before the event leaves: no unmasked read goes unrecorded.
            entries = operation.context.take_audit_entries()
            if entries:
                async with operation.context.pool.acquire() as conn:
                    await audit.append(conn, entries=entries)
            await operation.send_next(result)


class FeedSocket(GraphQL[Session, None]):
    """The WebSocket side of ``/graphql``: strawberry's ASGI view, graphql-transport-ws only."""

    graphql_transport_ws_handler_class = FeedProtocol

    def __init__(self, endpoint: GraphQLEndpoint, settings: Settings) -> None:
        super().__init__(
            endpoint.schema,
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_s),
            max_subscriptions_per_connection=settings.ws_subscriptions_per_connection,
            # No cookie or other ambient credential rides on the connection: a token is sent in
            # connection_init, and an official's only from the allowed origins (admit).
            allowed_origins=("*",),
        )
        self.endpoint = endpoint
        self.settings = settings
        self.counts = ClientCounts()

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Session:
        assert isinstance(request, WebSocket)  # noqa: S101  # only the WebSocket route reaches this view
        address = request.client.host if request.client else "unknown"
        return Session(websocket=request, address=address)

    async def admit(self, session: Session, payload: Mapping[str, Any]) -> None:
        """Settle who is on the connection from ``connection_init``'s payload, or refuse it."""
        websocket = session.websocket
        authorization = payload.get("authorization") or payload.get("Authorization")
        key = payload.get("clientKey")
        if authorization is not None and not isinstance(authorization, str):
            raise Refused(4403, "TOKEN_INVALID")
        session.client_key = key if isinstance(key, str) and key else None
        verifier = self.endpoint.verifier
        try:
            viewer = await viewer_for(authorization, verifier, CountingExecutor(websocket.app.state.pool))
            # The token's expiry, to close the connection when it passes.
            claims = await verifier.verify(authorization.partition(" ")[2].strip()) if authorization else None
        except AuthError as exc:
            raise Refused(4403, exc.code) from None
        origin = websocket.headers.get("origin")
        if (
            viewer.is_official
            and origin is not None
            and not is_same_origin(origin, websocket.headers.get("host"))
            and origin not in self.settings.cors_origins
        ):
            raise Refused(4403, "ORIGIN_NOT_ALLOWED")
        if session.client_key is not None and self.endpoint.clients.find(session.client_key) is None:
            raise Refused(4403, "UNKNOWN_CLIENT_KEY")
        session.viewer = viewer
        session.expires_at = claims.expires_at if claims is not None else None
        if viewer.is_official:
            session.client = f"official:{viewer.subject}"
        elif session.client_key is not None:
            session.client = f"client:{session.client_key}"
        else:
            session.client = f"ip:{session.address}"
        if self.counts.connections[session.client] >= self.settings.ws_connections_per_client:
            raise Refused(4429, "TOO_MANY_CONNECTIONS")
        self.counts.connections[session.client] += 1
        session.admitted = True

    def leave(self, session: Session) -> None:
        if session.admitted:
            self.counts.release(self.counts.connections, session.client)
            session.admitted = False

    async def admit_subscription(
        self, session: Session, payload: dict[str, Any], active: int
    ) -> tuple[Context, str]:
        """The context and text of a subscription ``session`` may run, or SubscriptionRefused."""
        settings = self.settings
        if active >= settings.ws_subscriptions_per_connection:
            raise SubscriptionRefused(
                "TOO_MANY_SUBSCRIPTIONS",
                f"每个连接最多同时订阅 {settings.ws_subscriptions_per_connection} 项，请先结束不需要的订阅",
            )
        if self.counts.subscriptions[session.client] >= settings.ws_subscriptions_per_client:
            raise SubscriptionRefused(
                "TOO_MANY_SUBSCRIPTIONS",
                f"每个调用方最多同时订阅 {settings.ws_subscriptions_per_client} 项，请先结束不需要的订阅",
            )
        try:
            gql = self.endpoint._admit(payload, session.viewer)  # the HTTP edge's own rule of who runs what
        except HTTPError as exc:
            raise SubscriptionRefused(exc.code, exc.message) from None
        document = parse(gql.query)  # a syntax error closes the connection (the protocol's 4400)
        operation = get_operation_ast(document, gql.operation_name)
        if (
            not isinstance(operation, OperationDefinitionNode)
            or operation.operation is not OperationType.SUBSCRIPTION
        ):
            raise SubscriptionRefused(
                "SUBSCRIPTIONS_ONLY", "WebSocket 上只接受订阅（subscription）；查询与变更请用 HTTP 提交"
            )
        viewer = session.viewer
        endpoint = self.endpoint
        if (
            viewer.is_official
            and gql.reason is None
            and endpoint.limits.reason_required
            and selects_personal_data(endpoint.schema._schema, document, operation)
        ):
            raise SubscriptionRefused(
                "REASON_REQUIRED", "读取未脱敏的个人信息须说明访问事由：请在订阅的 extensions.reason 中填写"
            )
        state = session.websocket.app.state
        if not viewer.is_official:
            await self._charge(session, gql.public_operation or gql.label)
        context = Context(
            viewer=viewer,
            db=state.pool,
            limits=endpoint.limits,
            pool=state.pool,
            limiter=state.limiter,
            client=session.client,
            request_id=f"ws-{uuid.uuid4().hex[:16]}",
            today=endpoint.today(),
            reason=gql.reason,
            feed=state.feed,
        )
        self.counts.subscriptions[session.client] += 1
        return context, gql.query

    async def _charge(self, session: Session, operation: str) -> None:
        try:
            charged = await charge(
                session.websocket.app.state.limiter,
                self.endpoint.clients,
                key=session.client_key,
                address=session.address,
                operation=operation,
            )
        except UnknownClientKey:
            raise SubscriptionRefused("UNKNOWN_CLIENT_KEY", "客户端密钥无效") from None
        if not charged.verdict.allowed:
            wait = charged.verdict.retry_after_s
            raise SubscriptionRefused("RATE_LIMITED", f"请求过于频繁，请 {wait} 秒后再试")


Handler = Callable[[WebSocket], Awaitable[None]]


def feed_socket(endpoint: GraphQLEndpoint, settings: Settings) -> Handler:
    """The WebSocket route's endpoint."""
    view = FeedSocket(endpoint, settings)

    async def serve(websocket: WebSocket) -> None:
        await view.run(websocket)

    return serve
