"""The public part of the schema as SDL, for third-party sites: only what an anonymous caller can
reach, which is what the vetted documents (``public_queries/``) select.

A field is printed when some vetted document selects it *and* its declared visibility lets the
public have it (:func:`schema.visibility.decide`: public, or personal data the public sees masked)
and no ``callers=`` restriction shuts the public out. So an owner's or the discipline committee's
field never appears, even if a document were to name it. Every argument of a printed field is
printed with its type; input objects, enums and scalars they use are printed whole.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import strawberry
from graphql import (
    DocumentNode,
    FieldDefinitionNode,
    FieldNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    print_ast,
    print_schema,
    visit,
)

from domain.viewer import ANONYMOUS, Role
from schema.visibility import CALLERS_KEY, VISIBILITY_KEY, Decision, Visibility, decide


class _Selections(Visitor):
    """Collects (type, field) for every field a document selects."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: set[tuple[str, str]] = set()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.found.add((parent.name, node.name.value))


def _open_to_public(field: GraphQLField) -> bool:
    definition = field.extensions.get("strawberry-definition")
    if definition is None:
        return False  # not declared through schema.visibility.field: not shown
    visibility: Visibility | None = definition.metadata.get(VISIBILITY_KEY)
    callers: frozenset[Role] | None = definition.metadata.get(CALLERS_KEY)
    if visibility is None or (callers is not None and Role.PUBLIC not in callers):
        return False
    return decide(visibility, ANONYMOUS, None) is not Decision.HIDE


def public_fields(schema: GraphQLSchema, documents: Iterable[str]) -> dict[str, set[str]]:
    """Type name → the fields of it the public can reach through ``documents``."""
    fields: dict[str, set[str]] = {}
    for text in documents:
        type_info = TypeInfo(schema)
        selections = _Selections(type_info)
        visit(parse(text), TypeInfoVisitor(type_info, selections))
        for type_name, field_name in selections.found:
            owner = schema.get_type(type_name)
            if not isinstance(owner, GraphQLObjectType) or field_name not in owner.fields:
                continue  # __typename and the like
            if _open_to_public(owner.fields[field_name]):
                fields.setdefault(type_name, set()).add(field_name)
    return fields


def _used_types(schema: GraphQLSchema, fields: dict[str, set[str]]) -> set[str]:
    """Every named type the printed fields return or take, input objects followed through."""
    pending: list[GraphQLNamedType] = []
    for type_name, names in fields.items():
        owner = schema.get_type(type_name)
        assert isinstance(owner, GraphQLObjectType)  # noqa: S101  # public_fields keeps objects only
        for name in names:
            field = owner.fields[name]
            pending.append(get_named_type(field.type))
            pending.extend(get_named_type(arg.type) for arg in field.args.values())
    used: set[str] = set(fields)
    while pending:
        named = pending.pop()
        if named.name in used:
            continue
        used.add(named.name)
        if isinstance(named, GraphQLInputObjectType):
            pending.extend(get_named_type(f.type) for f in named.fields.values())
    return used


def public_sdl(schema: strawberry.Schema, documents: Iterable[str]) -> str:
    """The SDL of what ``documents`` let the public reach, in the full schema's order."""
    graphql_schema = schema._schema  # strawberry keeps graphql-core's schema here
    fields = public_fields(graphql_schema, documents)
    used = _used_types(graphql_schema, fields)
    full = parse(print_schema(graphql_schema))
    kept = []
    for definition in full.definitions:
        name = getattr(getattr(definition, "name", None), "value", None)
        if name is None:
            kept.append(definition)  # directive definitions and the like
        elif name not in used:
            continue
        elif isinstance(definition, ObjectTypeDefinitionNode):
            kept_fields: tuple[FieldDefinitionNode, ...] = tuple(
                f for f in definition.fields or () if f.name.value in fields.get(name, set())
            )
            kept.append(dataclasses.replace(definition, fields=kept_fields))
        else:
            kept.append(definition)  # enums, scalars and input objects: printed whole
    return print_ast(DocumentNode(definitions=tuple(kept))) + "\n"
