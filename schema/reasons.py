"""The reason of access, and the name of the operation, for the audit trail.

An official's read of unmasked personal data carries a reason (DOMAIN.md "Personal data"): the
request's ``extensions.reason`` (api/graphql_http.py). Whether a row is shown unmasked is known only
once it is read (a department sees its own records unmasked, others' masked), so the rule is decided
from the document, before anything is read: an official's operation that selects any personal
field, or a field declared ``audited``, without a reason is refused with ``REASON_REQUIRED``.

The trail names each read by the operation that ran: the operation definition's name, or for a
document whose operation has none, ``anonymous:`` and the first 16 hex digits of the SHA-256 of the
document's text, the same for the same text wherever it comes from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from schema.context import Context
from schema.memo import Memo
from schema.visibility import AUDITED_KEY, VISIBILITY_KEY, Access, Visibility

REASON_MAX_LENGTH = 200
# Of a document's text and the operation asked for: the trail's label for it, and whether it
# selects personal or audited fields (worked out once per text, kept with the schema).
OperationFacts = Memo[tuple[str, str | None], tuple[str, bool]]

_Parent = GraphQLObjectType | GraphQLInterfaceType


def operation_label(operation: OperationDefinitionNode | None, query: str) -> str:
    """What the trail calls the operation that runs: its name, else a fingerprint of the text."""
    if operation is not None and operation.name is not None:
        return operation.name.value
    return "anonymous:" + hashlib.sha256(query.encode("utf-8")).hexdigest()[:16]


def selects_personal_data(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> bool:
    """Whether ``operation`` (fragments spread in place) selects a personal or an audited field."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    return root is not None and any(_sensitive(schema, fragments, operation.selection_set, root, frozenset()))


def _sensitive(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    selection_set: SelectionSetNode,
    parent: _Parent,
    seen: frozenset[str],
) -> Iterator[bool]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            field = parent.fields.get(selection.name.value)
            if field is None:
                continue  # __typename and the like
            definition = field.extensions.get("strawberry-definition")
            metadata = definition.metadata if definition is not None else {}
            visibility: Visibility | None = metadata.get(VISIBILITY_KEY)
            yield metadata.get(AUDITED_KEY, False) or (
                visibility is not None and visibility.access is Access.PERSONAL
            )
            below = get_named_type(field.type)
            if selection.selection_set is not None and isinstance(below, _Parent):
                yield from _sensitive(schema, fragments, selection.selection_set, below, seen)
        else:
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in fragments:
                    continue
                seen = seen | {name}
                fragment: FragmentDefinitionNode | InlineFragmentNode = fragments[name]
            elif isinstance(selection, InlineFragmentNode):
                fragment = selection
            else:
                continue
            condition = fragment.type_condition
            target = schema.get_type(condition.name.value) if condition is not None else parent
            if isinstance(target, _Parent):
                yield from _sensitive(schema, fragments, fragment.selection_set, target, seen)
            else:  # a union: every member's fields may be selected under it
                for member in getattr(target, "types", ()):
                    yield from _sensitive(schema, fragments, fragment.selection_set, member, seen)


class AccessReasons(SchemaExtension):
    """Names the operation for the trail, and refuses an official's unmasking read without a
    reason before it runs."""

    def __init__(self, facts: OperationFacts) -> None:
        self.facts = facts

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        if isinstance(context, Context) and document is not None:
            schema, query, name = execution.schema._schema, execution.query or "", execution.operation_name

            def work_out() -> tuple[str, bool]:
                operation = get_operation_ast(document, name)
                personal = operation is not None and selects_personal_data(schema, document, operation)
                return operation_label(operation, query), personal

            context.operation, personal = self.facts.get((query, name), work_out)
            if (
                personal
                and context.viewer.is_official
                and context.reason is None
                and context.limits.reason_required
            ):
                execution.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            "读取未脱敏的个人信息须说明访问事由：请在请求的 extensions.reason 中填写"
                            f"（不超过 {REASON_MAX_LENGTH} 字），事由将记入审计",
                            extensions={"code": "REASON_REQUIRED"},
                        )
                    ],
                )
        yield
