"""graphql-core's executor, less its per-field ceremony for plain leaves.

Most of what an answer holds are leaves read straight off an object: a name, a code, a date — a
strawberry field with no resolver, no extension (public, so no visibility decision), no
arguments, whose type is a scalar or an enum. graphql-core gives each the full treatment: a
resolve-info object, strawberry's resolver wrapper, the completion dispatch; a page of 20 powers
with their maps has a few hundred of them, and they were most of its CPU.

For those fields alone, :class:`PlainLeaves` reads the attribute and coerces it with the field's
own type, as the default resolver and ``complete_leaf_value`` would; anything else, and anything
unusual on the way (a missing attribute, a value the type will not take, null where null is not
allowed), goes the ordinary way, which then raises or answers exactly as before. Which fields are
plain is worked out once, from the built schema.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField


class Plain(NamedTuple):
    python_name: str
    leaf: GraphQLLeafType
    nullable: bool


def plain_fields(schema: GraphQLSchema) -> dict[str, dict[str, Plain]]:
    """Per object type, its plain leaf fields by name."""
    found: dict[str, dict[str, Plain]] = {}
    for type_name, graphql_type in schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for name, graphql_field in graphql_type.fields.items():
            definition = graphql_field.extensions.get("strawberry-definition")
            if (
                not isinstance(definition, StrawberryField)
                or not definition.is_basic_field
                or graphql_field.args
            ):
                continue
            nullable = not isinstance(graphql_field.type, GraphQLNonNull)
            leaf = graphql_field.type if nullable else graphql_field.type.of_type
            if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
                found.setdefault(type_name, {})[name] = Plain(definition.python_name, leaf, nullable)
    return found


_MISSING = object()


def plain_leaves(schema: GraphQLSchema) -> type[StrawberryGraphQLCoreExecutionContext]:
    """The execution context class for ``schema`` (strawberry's, with the shortcut)."""
    plain = plain_fields(schema)

    class PlainLeaves(StrawberryGraphQLCoreExecutionContext):
        def execute_field(
            self,
            parent_type: GraphQLObjectType,
            source: Any,
            field_details_list: FieldDetailsList,
            path: Path,
            position_context: Any,
        ) -> Any:
            fields = plain.get(parent_type.name)
            spec = fields.get(field_details_list[0].node.name.value) if fields is not None else None
            # Only where no middleware wraps resolvers (strawberry passes an empty manager).
            middleware = self.middleware_manager
            if spec is not None and (middleware is None or not middleware.middlewares):
                value = getattr(source, spec.python_name, _MISSING)
                if value is None and spec.nullable:
                    return None
                if value is not None and value is not _MISSING:
                    try:
                        coerced = spec.leaf.coerce_output_value(value)
                    except Exception:  # the ordinary path raises it where it belongs
                        coerced = Undefined
                    if coerced is not None and coerced is not Undefined:
                        return coerced
            result: AwaitableOrValue[Any] = super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
            return result

    return PlainLeaves
