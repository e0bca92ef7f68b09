"""The files a third-party site builds on: the manifest, each vetted document, the public SDL."""

from __future__ import annotations

import httpx
from graphql import GraphQLObjectType, build_schema, parse, validate

from api.public_queries import DEFAULT_DIR, MANIFEST, PublicQueries
from schema.visibility import Access

VISIBILITY = DEFAULT_DIR.parent / "schema" / "visibility.txt"


async def test_manifest_is_the_checked_in_file_with_a_strong_etag_and_304(client: httpx.AsyncClient) -> None:
    response = await client.get("/public/manifest.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == (DEFAULT_DIR / MANIFEST).read_bytes()
    etag = response.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in response.headers["cache-control"]
    again = await client.get("/public/manifest.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


async def test_every_document_is_served_by_its_manifest_file_name(client: httpx.AsyncClient) -> None:
    manifest = (await client.get("/public/manifest.json")).json()
    for name in manifest:
        response = await client.get(f"/public/documents/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.text == (DEFAULT_DIR / name).read_text(encoding="utf-8")
        again = await client.get(
            f"/public/documents/{name}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304


async def test_an_unknown_document_is_404_with_a_code(client: httpx.AsyncClient) -> None:
    response = await client.get("/public/documents/cases.graphql")
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "UNKNOWN_DOCUMENT"


async def test_the_fixed_public_paths_do_not_shadow_operations(client: httpx.AsyncClient) -> None:
    response = await client.get("/public/Departments")
    assert response.status_code == 200
    assert response.json()["data"]["departments"]


async def test_public_sdl_validates_every_vetted_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/public/schema.graphql")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert (
        await client.get("/public/schema.graphql", headers={"If-None-Match": response.headers["etag"]})
    ).status_code == 304
    public = build_schema(response.text)
    for document in PublicQueries.load():
        assert validate(public, parse(document.text)) == [], document.name


async def test_public_sdl_has_no_owner_or_discipline_field(client: httpx.AsyncClient) -> None:
    public = build_schema((await client.get("/public/schema.graphql")).text)
    hidden = [
        tuple(line.split()[0].split("."))
        for line in VISIBILITY.read_text(encoding="utf-8").splitlines()
        if line.split()[1] in (Access.OWNER.value, Access.DISCIPLINE.value)
    ]
    assert ("Power", "riskPoints") in hidden and ("Power", "internalNote") in hidden
    for type_name, field_name in hidden:
        owner = public.get_type(type_name)
        assert not (isinstance(owner, GraphQLObjectType) and field_name in owner.fields), (
            f"{type_name}.{field_name}"
        )
    assert public.get_type("RiskPoint") is None
    power = public.get_type("Power")
    assert isinstance(power, GraphQLObjectType) and "code" in power.fields
