"""A static cost limit for queries: every field resolved costs one, times how many parents it is
resolved for. A paginated field multiplies its children by its ``first`` (the page maximum when
``first`` is a variable or missing); any other list by an assumed size. Depth, aliases and tokens
have limits of their own; this one stops a shallow query that still asks for too much."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
)

ASSUMED_LIST_SIZE = 5


def _is_list(t: GraphQLOutputType) -> bool:
    while isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


def _first(node: FieldNode, page_max: int) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value == "first":
            return int(argument.value.value) if isinstance(argument.value, IntValueNode) else page_max
    return None


def make_cost_rule(*, max_cost: int, page_max: int) -> type[ValidationRule]:
    class QueryCost(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.fragments: dict[str, FragmentDefinitionNode] = {
                d.name.value: d for d in context.document.definitions if isinstance(d, FragmentDefinitionNode)
            }

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            root = self.context.schema.get_root_type(node.operation)
            if root is None:
                return
            total = self.cost(node.selection_set, root, 1, set(), paged=False)
            if total > max_cost:
                self.report_error(
                    GraphQLError(
                        f"查询代价 {total} 超过上限 {max_cost}，请减少每页条数或嵌套的列表",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY"},
                    )
                )

        def cost(
            self,
            selections: SelectionSetNode | None,
            parent: GraphQLObjectType,
            multiplier: int,
            seen: set[str],
            *,
            paged: bool,
        ) -> int:
            """``paged``: ``parent`` is a connection whose ``first`` is already in ``multiplier``, so
            its own lists (edges, nodes) add nothing more."""
            total = 0
            for selection in selections.selections if selections else ():
                if isinstance(selection, FieldNode):
                    definition = parent.fields.get(selection.name.value)
                    total += multiplier
                    if definition is None:
                        continue  # an unknown field is another rule's error
                    named = get_named_type(definition.type)
                    if isinstance(named, GraphQLObjectType):
                        first = _first(selection, page_max)
                        if first is not None:
                            factor = first
                        elif _is_list(definition.type) and not paged:
                            factor = ASSUMED_LIST_SIZE
                        else:
                            factor = 1
                        total += self.cost(
                            selection.selection_set,
                            named,
                            multiplier * max(factor, 1),
                            seen,
                            paged=first is not None,
                        )
                elif isinstance(selection, InlineFragmentNode):
                    total += self.cost(selection.selection_set, parent, multiplier, seen, paged=paged)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is None or name in seen:
                        continue  # unknown or cyclic fragments are other rules' errors
                    total += self.cost(fragment.selection_set, parent, multiplier, seen | {name}, paged=paged)
            return total

    return QueryCost
