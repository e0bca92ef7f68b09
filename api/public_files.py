"""What a third-party site needs to build on the public API, as plain files:

- ``/public/manifest.json``: every vetted document by file name, with its SHA-256 id and operation
  (the same text as ``public_queries/manifest.json``);
- ``/public/documents/<file>.graphql``: one vetted document's text, by the file name the
  manifest lists (``power_detail.graphql``);
- ``/public/schema.graphql``: the SDL of the public part of the schema (:mod:`schema.public_sdl`).

They change only with a release, so they are made once per process and answered with a strong
ETag (``304 Not Modified`` for a matching ``If-None-Match``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from api.errors import HTTPError
from api.graphql_http import GraphQLEndpoint
from api.public_queries import manifest_text
from schema.public_sdl import public_sdl

JSON = "application/json; charset=utf-8"
GRAPHQL = "text/plain; charset=utf-8"  # readable in a browser; GraphQL has no registered type


@dataclass(frozen=True, slots=True)
class PublicFile:
    body: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, text: str, media_type: str) -> PublicFile:
        body = text.encode("utf-8")
        return cls(body, media_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


@dataclass(frozen=True, slots=True)
class PublicFiles:
    manifest: PublicFile
    schema: PublicFile
    documents: dict[str, PublicFile]

    @classmethod
    def of(cls, endpoint: GraphQLEndpoint) -> PublicFiles:
        queries = endpoint.public_queries
        return cls(
            manifest=PublicFile.of(manifest_text(queries), JSON),
            schema=PublicFile.of(public_sdl(endpoint.schema, [d.text for d in queries]), GRAPHQL),
            documents={d.name + ".graphql": PublicFile.of(d.text, GRAPHQL) for d in queries},
        )


def _files(request: Request) -> PublicFiles:
    """The app's files, made on first use (printing the SDL takes a moment; no app pays it at
    import or start unless asked)."""
    state = request.app.state
    files: PublicFiles | None = getattr(state, "public_files", None)
    if files is None:
        files = state.public_files = PublicFiles.of(state.endpoint)
    return files


def _answer(request: Request, file: PublicFile) -> Response:
    headers = {"ETag": file.etag, "Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding"}
    match = request.headers.get("if-none-match", "")
    if file.etag in {tag.strip() for tag in match.split(",")} or match.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(file.body, headers=headers, media_type=file.media_type)


async def manifest(request: Request) -> Response:
    return _answer(request, _files(request).manifest)


async def schema_sdl(request: Request) -> Response:
    return _answer(request, _files(request).schema)


async def document(request: Request) -> Response:
    file = _files(request).documents.get(request.path_params["file"])
    if file is None:
        raise HTTPError(404, "UNKNOWN_DOCUMENT", "没有这个公开查询文档，见 /public/manifest.json")
    return _answer(request, file)
