"""The public's plain-GET routes: a vetted document by its operation name (``/public/<operation>``)
and a process map as an image (``/maps/<code>.svg``), both answered through the schema so they show
exactly what the public query would."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import orjson
from graphql import GraphQLInputObjectType, GraphQLSchema, get_named_type
from starlette.requests import Request
from starlette.responses import Response

from api.errors import HTTPError
from api.graphql_http import GraphQLEndpoint, GraphQLRequest, SubscriptionNeedsWebSocket
from api.observability import request_id_of
from api.public_queries import PRIVATE_OPERATIONS
from domain.viewer import ANONYMOUS

_MAP_QUERY = (
    "query ProcessMapSvg($code: String!, $layout: MapLayout!, $current: String) "
    "{ power(code: $code) { processMap { svg(layout: $layout, current: $current) } } }"
)
_MAP_LAYOUTS = {"kiosk": "KIOSK", "phone": "PHONE"}
# A refused map may be fine a moment later (a power published, a database back): never kept.
_NO_STORE = {"Cache-Control": "no-store"}
SERVICE_OPERATIONS = frozenset({"ProcessMapSvg"})  # the documents the service runs on its own


_TEXT_TYPES = frozenset({"String", "ID", "Date", "DateTime", "Decimal"})


def _read(raw: str, type_name: str) -> Any:
    """A parameter's text as the document declares it: text stays text (a 12-digit village code is
    a String), numbers, booleans and input objects are JSON; anything else is passed on as written
    (an enum's name written bare, level=VILLAGE, or a wrong value that GraphQL refuses by type)."""
    if type_name in _TEXT_TYPES:
        return raw
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw


@functools.lru_cache(maxsize=64)  # one entry per vetted document: computed once, not per request
def _input_fields(schema: GraphQLSchema, types: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, str]]:
    """The fields of the document's input-object variables that may be written as parameters of
    their own (``keyword=食品`` for ``$filter``'s ``keyword``): name → (variable, field's type), for
    names no variable has and only one input object declares."""
    seen: dict[str, list[tuple[str, str]]] = {}
    for variable, type_name in types:
        declared = schema.get_type(type_name)
        if isinstance(declared, GraphQLInputObjectType):
            for name, field in declared.fields.items():
                seen.setdefault(name, []).append((variable, get_named_type(field.type).name))
    variables = {variable for variable, _ in types}
    return {name: owners[0] for name, owners in seen.items() if len(owners) == 1 and name not in variables}


def _get_variables(request: Request, types: dict[str, str], schema: GraphQLSchema) -> dict[str, Any]:
    params = request.query_params
    if "variables" in params:
        try:
            value = orjson.loads(params["variables"])
        except orjson.JSONDecodeError:
            raise ValueError("参数 variables 不是合法的 JSON 文本") from None
        if not isinstance(value, dict):
            raise ValueError('参数 variables 应为对象，如 {"first": 5}')
        return value
    # Each variable as its own parameter, or a field of an input object as its own parameter.
    fields = _input_fields(schema, tuple(types.items()))
    variables: dict[str, Any] = {}
    parts: dict[str, dict[str, Any]] = {}
    for key, raw in params.items():
        if key in types:
            variables[key] = _read(raw, types[key])
        elif key in fields:
            variable, type_name = fields[key]
            parts.setdefault(variable, {})[key] = _read(raw, type_name)
        else:
            named = [*types, *fields]
            listed = f"，可用的参数：{'、'.join(named)}" if named else "，它没有参数"
            raise ValueError(f"该查询没有参数 {key}{listed}")
    for variable, given in parts.items():
        if variable in variables:
            raise ValueError(f"参数 {'、'.join(given)} 属于 {variable}，不能与参数 {variable} 同时给出")
        variables[variable] = given
    return variables


def _if_none_match(request: Request) -> set[str]:
    header = request.headers.get("if-none-match", "")
    return {tag.strip() for tag in header.split(",") if tag.strip()}


async def process_map_svg(request: Request) -> Response:
    """The process map as an image for kiosks and case pages: ``<img src="/maps/CODE.svg">``,
    ``?layout=phone`` for a phone's width, ``?current=STEP`` (a case's ``currentStepKey``) to
    highlight the step a case is at. Answers carry a strong ETag of their own bytes (so a
    highlighted map has its own) and ``304 Not Modified`` for a matching ``If-None-Match``."""
    params = request.query_params
    layout = _MAP_LAYOUTS.get(params.get("layout", "kiosk"))
    if layout is None:
        raise HTTPError(
            400, "UNKNOWN_MAP_LAYOUT", "参数 layout 只能是 kiosk（触摸屏）或 phone（手机）", headers=_NO_STORE
        )
    endpoint: GraphQLEndpoint = request.app.state.endpoint
    await endpoint.charge(request, "ProcessMapSvg")
    variables = {"code": request.path_params["code"], "layout": layout, "current": params.get("current")}
    gql = GraphQLRequest(_MAP_QUERY, variables, "ProcessMapSvg")
    status, result = await endpoint.run(request, gql, ANONYMOUS, request_id_of(request))
    power = (result.get("data") or {}).get("power")
    if status != 200 or power is None:
        error = result["errors"][0]
        code = error["extensions"]["code"]
        status = {"NOT_FOUND": 404, "DATABASE_UNAVAILABLE": 503, "TIMEOUT": 504}.get(code, 400)
        raise HTTPError(status, code, error["message"], headers=_NO_STORE)
    body = power["processMap"]["svg"].encode()
    headers = {
        "ETag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        # Maps change only when a power is adjusted: shared caches keep one for five minutes and
        # may serve it for a day while they revalidate, which the ETag makes cheap.
        "Cache-Control": "public, max-age=300, stale-while-revalidate=86400",
        "Vary": "Accept-Encoding",
    }
    # If-None-Match compares weakly (RFC 9110 13.1.2): a cache may send the tag back as W/"…".
    if {tag.removeprefix("W/") for tag in _if_none_match(request)} & {headers["ETag"], "*"}:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="image/svg+xml; charset=utf-8", headers=headers)


async def public_get(request: Request) -> Response:
    """A vetted document by its operation name over plain GET, for kiosks, CDNs and sites:
    ``/public/PowerSearch?variables={...}`` (or each variable as its own parameter). Answers
    carry a strong ETag and ``304 Not Modified`` for a matching ``If-None-Match``."""
    endpoint: GraphQLEndpoint = request.app.state.endpoint
    document = endpoint.public_queries.by_operation(request.path_params["operation"])
    if document is None:
        raise HTTPError(404, "UNKNOWN_OPERATION", f"没有名为 {request.path_params['operation']} 的公开查询")
    if document.is_subscription:
        raise SubscriptionNeedsWebSocket()
    if document.is_mutation:
        raise HTTPError(405, "METHOD_NOT_ALLOWED", "变更操作只能用 POST 方法提交", headers={"Allow": "POST"})
    try:
        variables = _get_variables(request, document.variable_types(), endpoint.schema._schema)
    except ValueError as exc:
        raise HTTPError(400, "BAD_VARIABLES", str(exc)) from None
    gql = GraphQLRequest.vetted(document, variables)
    await endpoint.charge(request, document.operation or document.name)
    status, result = await endpoint.run(request, gql, ANONYMOUS, request_id_of(request))
    body = orjson.dumps(result)
    # Errors are never kept by a cache and carry no validator: an error may pass (a database
    # restarting) and must not be served for a minute after. Personal answers are not kept either.
    if status != 200 or "errors" in result:
        headers = {"Cache-Control": "no-store"}
        return Response(body, status_code=status, media_type="application/json", headers=headers)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    shared = document.operation not in PRIVATE_OPERATIONS
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=60, stale-while-revalidate=300" if shared else "no-store",
        "Vary": "Accept-Encoding",
    }
    if etag in _if_none_match(request):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
