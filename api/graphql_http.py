"""GraphQL over HTTP: parse the request, decide who asks, hold anonymous callers to the vetted
documents, execute with a time limit, answer in UTF-8 JSON."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api.answer_cache import AnswerCache, Key
from api.auth import TokenVerifier, viewer_for
from api.clients import ClientRegistry, UnknownClientKey, charge
from api.errors import DATABASE_UNAVAILABLE, LIMIT_CODES, HTTPError, error_body, format_error
from api.graphiql import GraphiQLPage
from api.observability import Metrics, request_id_of
from api.public_queries import CACHED_OPERATIONS, PublicDocument, PublicQueries
from api.replica import Read, ReadRouter, ReplicaFailed, replica_failure
from api.responses import JSONResponse
from db import audit
from db.executor import CountingExecutor
from db.ratelimit import Limiter
from domain.calendar import china_day
from domain.errors import DomainError
from domain.viewer import Viewer
from schema.compiled import CompiledDocument
from schema.context import Context, Limits
from schema.reasons import REASON_MAX_LENGTH
from schema.text import check_variables
from services.attempts import CodeGuard

log = logging.getLogger("sunshine.graphql")


class SubscriptionNeedsWebSocket(HTTPError):
    """A subscription sent over plain HTTP: it is pushed over a WebSocket only (api/subscriptions.py)."""

    def __init__(self) -> None:
        super().__init__(
            400,
            "SUBSCRIPTION_NEEDS_WEBSOCKET",
            "订阅须经 WebSocket 连接 /graphql（graphql-transport-ws 协议），不能用普通 HTTP 请求",
        )


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    # What logs and metrics call it: the operation name, else the vetted document's file name.
    label: str = "anonymous"
    public_operation: str | None = None  # the vetted document's operation, for anonymous callers
    document_id: str | None = None  # the vetted document's SHA-256, for anonymous callers
    reason: str | None = None  # an official's reason of access (extensions.reason), for the trail

    @classmethod
    def vetted(
        cls, doc: PublicDocument, variables: dict[str, Any] | None, operation_name: str | None = None
    ) -> GraphQLRequest:
        """A request to run the vetted document ``doc``."""
        return cls(
            doc.text,
            variables,
            operation_name,
            label=doc.name,
            public_operation=doc.operation,
            document_id=doc.sha256,
        )

    @property
    def vetted_document(self) -> str | None:
        """The vetted document's id when it runs as written (no other operation named in it)."""
        if self.document_id is None or self.operation_name not in (None, self.public_operation):
            return None
        return self.document_id


@dataclass(slots=True)
class GraphQLEndpoint:
    schema: strawberry.Schema
    verifier: TokenVerifier
    public_queries: PublicQueries
    limits: Limits
    metrics: Metrics
    request_timeout_s: float
    max_body_bytes: int
    graphiql: GraphiQLPage | None  # the page a browser gets at GET /graphql, when it is on
    clients: ClientRegistry = field(default_factory=lambda: ClientRegistry({}))
    today: Callable[[], date] = field(default=lambda: china_day(datetime.now(UTC)))
    compiled: Mapping[str, CompiledDocument] = field(default_factory=dict)  # by document SHA-256
    answers: AnswerCache | None = None  # the public's answers kept until their data changes
    max_tokens: int = 3000  # a document longer than this is refused unread (MAX_QUERY_TOKENS)

    async def handle(self, request: Request) -> Response:
        page = self.graphiql
        if request.method == "GET" and "text/html" in request.headers.get("accept", "") and page is not None:
            return page.response()
        payload = await self._payload(request)
        viewer = await self._viewer(request)
        gql = self._admit(payload, viewer, request.headers.get("x-access-reason"))
        if not viewer.is_official:
            await self.charge(request, gql.public_operation or gql.label)
        return await self.execute(request, gql, viewer, request_id_of(request))

    async def charge(self, request: Request, operation: str) -> None:
        """Count an anonymous request against its client's (or address's) budget; the answer
        carries the budget's state (RateLimit headers, added by the request middleware)."""
        try:
            charged = await charge(
                request.app.state.limiter,
                self.clients,
                key=request.headers.get("x-client-key"),
                address=_client_of(request),
                operation=operation,
            )
        except UnknownClientKey:
            raise HTTPError(401, "UNKNOWN_CLIENT_KEY", "客户端密钥无效") from None
        state = request.scope.setdefault("state", {})
        state["client_name"] = charged.client.name
        state["response_headers"] = charged.headers
        if not charged.verdict.allowed:
            wait = charged.verdict.retry_after_s
            raise HTTPError(429, "RATE_LIMITED", f"请求过于频繁，请 {wait} 秒后再试", headers=charged.headers)

    async def execute(
        self, request: Request, gql: GraphQLRequest, viewer: Viewer, request_id: str
    ) -> Response:
        status, body = await self.run(request, gql, viewer, request_id)
        # An answer with errors is never kept, whatever its status (README, "HTTP 状态码").
        headers = {"Cache-Control": "no-store"} if "errors" in body else None
        return JSONResponse(body, status_code=status, headers=headers)

    async def run(
        self, request: Request, gql: GraphQLRequest, viewer: Viewer, request_id: str
    ) -> tuple[int, dict[str, Any]]:
        """Execute one operation; the HTTP status and the response body."""
        if problem := check_variables(gql.variables):
            raise HTTPError(400, "BAD_VARIABLES", problem)
        reads: ReadRouter = request.app.state.reads
        kind = _operation_kind(gql.query, gql.operation_name, self.max_tokens)
        operation = gql.operation_name or _operation_name(gql.query) or gql.label
        started = time.perf_counter()
        answers = self.answers
        cache_key = self._cache_key(gql, viewer) if answers is not None else None
        body = answers.get(cache_key) if answers is not None and cache_key is not None else None
        if cache_key is not None:
            self.metrics.observe_answer_cache(hit=body is not None)
        statements = 0
        try:
            if body is None:
                generation = answers.generation if answers is not None else ()
                async with asyncio.timeout(self.request_timeout_s):
                    # Queries read where the router says; anything else reads and writes on the primary.
                    read = (
                        await reads.route(writer_of(request, viewer))
                        if kind is OperationType.QUERY
                        else reads.for_mutation()
                    )
                    fresh, read, statements = await reads.attempt(
                        read, lambda at: self._answer(request, gql, viewer, at, request_id, operation)
                    )
                body = fresh
                if kind is OperationType.MUTATION:
                    await reads.wrote(writer_of(request, viewer))
                if answers is not None and cache_key is not None and "errors" not in fresh:
                    answers.put(cache_key, fresh, generation=generation, as_of=read.as_of)
        except TimeoutError:
            return 504, {
                "errors": [error_body("TIMEOUT", f"请求处理超时（上限 {self.request_timeout_s:g} 秒）")]
            }
        self.metrics.observe_operation(operation, time.perf_counter() - started)
        request.state.log_extra = {
            "operation": operation,
            "sql_statements": statements,
            "role": viewer.role.value,
            # "sql" when one statement made the answer (schema/sql_answers.py), else "executor"
            "answered_by": request.scope.get("state", {}).get("answered_by", "executor"),
        }
        return _status_of(body, request), body

    def _cache_key(self, gql: GraphQLRequest, viewer: Viewer) -> Key | None:
        """Where the public's answer to a document kept until its data changes is kept; None for
        any other request."""
        document = gql.vetted_document
        channels = CACHED_OPERATIONS.get(gql.public_operation or "")
        if viewer.is_official or document is None or channels is None:
            return None
        return AnswerCache.key(document, gql.variables, channels)

    async def _answer(
        self,
        request: Request,
        gql: GraphQLRequest,
        viewer: Viewer,
        read: Read,
        request_id: str,
        operation: str,
    ) -> tuple[dict[str, Any], Read, int]:
        """The answer read where ``read`` says; where it was read, and the statements it took."""
        db = CountingExecutor(read.pool)
        body = await self._compiled(gql, viewer, db, request.app.state.limiter, request_id)
        if body is None:
            body = await self._execute(request, gql, viewer, db, request_id, operation, read)
        return body, read, db.statements

    async def _compiled(
        self, gql: GraphQLRequest, viewer: Viewer, db: CountingExecutor, limiter: Limiter, request_id: str
    ) -> dict[str, Any] | None:
        """The public's answer from the document's compiled form, where it has one and can give it.
        A refusal is answered as the executor answers it: the error at the document's root field."""
        document = gql.vetted_document
        compiled = None if viewer.is_official or document is None else self.compiled.get(document)
        if compiled is None:
            return None
        try:
            guard = CodeGuard(limiter, self.limits.code_attempts_per_day)
            data = await compiled.answer(db, guard, gql.variables or {}, self.today())
        except DomainError as exc:
            error, data = compiled.refusal(gql.query, exc)
            return {"errors": [format_error(error, request_id=request_id)], "data": data}
        return None if data is None else {"data": data}

    async def _execute(
        self,
        request: Request,
        gql: GraphQLRequest,
        viewer: Viewer,
        db: CountingExecutor,
        request_id: str,
        operation: str,
        read: Read,
    ) -> dict[str, Any]:
        context = Context(
            viewer=viewer,
            db=db,
            limits=self.limits,
            pool=request.app.state.pool,  # the primary, whatever ``db`` reads
            limiter=request.app.state.limiter,
            client=_client_of(request),
            request_id=request_id,
            operation=operation,
            today=self.today(),
            reason=gql.reason,
            received=request.scope.get("state", {}).get("received", time.monotonic()),
        )
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            result = await self.schema.execute(
                gql.query,
                variable_values=gql.variables,
                context_value=context,
                operation_name=gql.operation_name,
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise SubscriptionNeedsWebSocket() from None
            raise HTTPError(
                405, "METHOD_NOT_ALLOWED", "变更操作只能用 POST 方法提交", headers={"Allow": "POST"}
            ) from None
        except CannotGetOperationTypeError:
            raise HTTPError(
                400, "OPERATION_NOT_FOUND", f"文档中没有名为 {gql.operation_name} 的操作"
            ) from None
        if read.on_replica and (failure := replica_failure(result.errors or ())) is not None:
            raise ReplicaFailed(operation) from failure
        request.scope.setdefault("state", {})["answered_by"] = context.answered_by
        entries = context.audit_entries()
        if entries:
            # Recorded before the answer leaves: no unmasked read goes unrecorded.
            async with request.app.state.pool.acquire() as conn:
                await audit.append(conn, entries=entries)
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [format_error(e, request_id=request_id) for e in result.errors]
        if result.data is not None or not result.errors:
            body["data"] = result.data
        # The answer is whole; it leaves when its resolvers allow (the real-name lookup's floor).
        if (wait := context.not_before - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        return body

    async def _payload(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            params = request.query_params
            payload: dict[str, Any] = {
                key: params[key] for key in ("query", "operationName", "id") if key in params
            }
            for key in ("variables", "extensions"):
                if key in params:
                    payload[key] = _json_param(params[key], key)
            return payload
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise HTTPError(413, "BODY_TOO_LARGE", f"请求体过大（上限 {self.max_body_bytes} 字节）")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body_bytes:
                raise HTTPError(413, "BODY_TOO_LARGE", f"请求体过大（上限 {self.max_body_bytes} 字节）")
        if "application/json" not in request.headers.get("content-type", ""):
            raise HTTPError(415, "UNSUPPORTED_MEDIA_TYPE", "请求体须为 application/json")
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise HTTPError(400, "BAD_JSON", "请求体不是合法的 JSON 文本") from None
        if not isinstance(payload, dict):
            raise HTTPError(400, "BAD_REQUEST", "请求体应为一个对象（不支持批量请求）")
        return payload

    async def _viewer(self, request: Request) -> Viewer:
        return await viewer_for(
            request.headers.get("authorization"), self.verifier, CountingExecutor(request.app.state.pool)
        )

    def _admit(
        self, payload: dict[str, Any], viewer: Viewer, reason_header: str | None = None
    ) -> GraphQLRequest:
        query = payload.get("query")
        variables = payload.get("variables")
        operation_name = payload.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            raise HTTPError(400, "BAD_VARIABLES", "变量（variables）应为对象")
        if operation_name is not None and not isinstance(operation_name, str):
            raise HTTPError(400, "BAD_REQUEST", "操作名（operationName）应为文本")
        if query is not None and not isinstance(query, str):
            raise HTTPError(400, "BAD_REQUEST", "查询（query）应为文本")
        document_id = _persisted_id(payload)
        if viewer.is_official:
            if query is None and document_id is not None:
                doc = self.public_queries.by_id(document_id)
                if doc is None:
                    raise HTTPError(400, "PERSISTED_QUERY_NOT_FOUND", "没有这个编号的公开查询")
                query = doc.text
            if not query:
                raise HTTPError(400, "QUERY_REQUIRED", "请求中缺少查询（query）")
            return GraphQLRequest(query, variables, operation_name, reason=_reason(payload, reason_header))
        # The public may run only the vetted documents, named by id or sent as their exact text.
        doc = self.public_queries.by_id(document_id) if document_id else None
        if doc is None and query is not None:
            doc = self.public_queries.by_text(query)
        if doc is None:
            if document_id:
                raise HTTPError(400, "PERSISTED_QUERY_NOT_FOUND", "没有这个编号的公开查询")
            raise HTTPError(
                403,
                "QUERY_NOT_ALLOWED",
                "匿名调用只能执行已审核的公开查询，请按其编号调用或发送其原文",
            )
        return GraphQLRequest.vetted(doc, variables, operation_name)


_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)", re.MULTILINE)


@functools.lru_cache(maxsize=1024)
def _operation_name(query: str) -> str | None:
    """The first named operation of a document, for logs, metrics and the audit trail."""
    match = _OPERATION.search(query)
    return match.group(1) if match else None


@functools.lru_cache(maxsize=1024)
def _operation_kind(query: str, operation_name: str | None, max_tokens: int) -> OperationType | None:
    """Whether the document's operation is a query or a mutation; None when it has no such one
    (unparsable, too long, no operation of that name): the executor refuses those unread."""
    try:
        operation = get_operation_ast(parse(query, max_tokens=max_tokens), operation_name)
    except GraphQLError:
        return None
    return OperationType(operation.operation.value) if operation is not None else None


def writer_of(request: Request, viewer: Viewer) -> str:
    """Whose own writes a request reads back (api/replica.py): an official by the token's
    subject, anyone else as the caller its budget counts (client key, else address)."""
    if viewer.subject:
        return f"subject:{viewer.subject}"
    return f"caller:{_client_of(request)}"


def _status_of(body: dict[str, Any], request: Request) -> int:
    """The HTTP status of a GraphQL answer (README, "HTTP 状态码"): 503 when the database was away
    (Retry-After), 429 when a limit refused the operation (the per-caller lookup budget, a locked
    case or complaint number; Retry-After, inside GraphQL or not), 400 when the request was refused
    before anything ran (its syntax, its document, its variables: errors and no data, none of them
    at a field), else 200 — field errors included, the answer's ``data`` beside them."""
    errors = body.get("errors", ())
    codes = {e["extensions"]["code"] for e in errors}
    headers = request.scope.setdefault("state", {}).setdefault("response_headers", {})
    if DATABASE_UNAVAILABLE in codes:
        headers["Retry-After"] = "5"
        return 503
    waits = [e["extensions"].get("retryAfter", 60) for e in errors if e["extensions"]["code"] in LIMIT_CODES]
    if waits:
        headers["Retry-After"] = str(max(waits))
        return 429
    if errors and "data" not in body and not any("path" in e for e in errors):
        return 400
    return 200


def _client_of(request: Request) -> str:
    """Who is calling, for rate limits: a keyed front end by its name, anyone else by address."""
    name = request.scope.get("state", {}).get("client_name")
    if name and name != "anonymous":
        return f"client:{name}"
    return request.client.host if request.client else "unknown"


def _json_param(value: str, name: str) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise HTTPError(400, "BAD_REQUEST", f"参数 {name} 不是合法的 JSON 文本") from None


def _reason(payload: dict[str, Any], header: str | None) -> str | None:
    """An official's reason of access: the request's ``extensions.reason``, else the
    ``X-Access-Reason`` header (percent-encoded UTF-8, for tools that set headers but not
    extensions); text of 1–200 characters (blank is none). Anything else is refused, never recorded
    as something it is not."""
    extensions = payload.get("extensions")
    reason = extensions.get("reason") if isinstance(extensions, dict) else None
    if reason is None and header is not None:
        try:
            reason = urllib.parse.unquote(header, errors="strict")
        except UnicodeDecodeError:
            raise HTTPError(400, "INVALID_REASON", "X-Access-Reason 应为百分号编码的 UTF-8 文本") from None
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise HTTPError(400, "INVALID_REASON", "访问事由（extensions.reason）应为文本")
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise HTTPError(400, "INVALID_REASON", f"访问事由不得超过 {REASON_MAX_LENGTH} 字")
    if any(not c.isprintable() for c in reason):
        raise HTTPError(400, "INVALID_REASON", "访问事由不能含有控制字符")
    return reason or None


def _persisted_id(payload: dict[str, Any]) -> str | None:
    extensions = payload.get("extensions")
    if isinstance(extensions, dict):
        persisted = extensions.get("persistedQuery")
        if isinstance(persisted, dict) and isinstance(persisted.get("sha256Hash"), str):
            return str(persisted["sha256Hash"])
    doc_id = payload.get("id")
    return doc_id if isinstance(doc_id, str) else None
