"""Validation that cannot stall the server: a document whose validation would be slow is refused
before it runs.

graphql-core's "overlapping fields can be merged" rule compares every pair of fields that share a
response key in a selection set (fragments included), and then their sub-selections: a ~2,000-token
document of one field repeated takes hundreds of milliseconds of the only event loop. The work is
estimated first, cheaply, from the parsed document (``merge_work``); past ``MAX_MERGE_WORK`` (about
35 ms of validation on this service's machine) the document is refused. Otherwise validation runs.
Either outcome is kept by the document's text (:class:`~schema.memo.Memo`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.memo import Memo

MAX_MERGE_WORK = 10_000  # measured: 40 repeats of a small field take ~35 ms to validate
_MAX_DEPTH = 30  # fragments nested past this are cut short here; the depth limit refuses them


def merge_work(document: DocumentNode) -> int:
    """Roughly how many field pairs the merge rule compares: for every selection set (fragments
    spread in place), the square of how often each response key occurs in it, weighted by the
    size of what those fields select."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    work = 0

    def fields(selection_set: SelectionSetNode, depth: int, seen: frozenset[str]) -> Iterator[FieldNode]:
        spread: set[str] = set()  # a fragment spread twice in one place is compared once
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from fields(selection.selection_set, depth, seen)
            elif isinstance(selection, FragmentSpreadNode) and depth < _MAX_DEPTH:
                name = selection.name.value
                if name in fragments and name not in seen and name not in spread:
                    spread.add(name)
                    yield from fields(fragments[name].selection_set, depth + 1, seen | {name})

    def size(selection_set: SelectionSetNode, depth: int, seen: frozenset[str]) -> int:
        nonlocal work
        found = list(fields(selection_set, depth, seen))
        counts = Counter(f.alias.value if f.alias else f.name.value for f in found)
        total = len(found)
        below = 0
        for f in found:
            if f.selection_set is not None and depth < _MAX_DEPTH:
                below += size(f.selection_set, depth + 1, seen)
        work += sum(k * k for k in counts.values() if k > 1) * (1 + below // max(total, 1))
        return total + below

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            size(definition.selection_set, 0, frozenset())
    return work


Validated = Memo[str, list[GraphQLError]]


def _validate(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    if merge_work(document) > MAX_MERGE_WORK:
        return [
            GraphQLError(
                "查询过于复杂（同名字段重复过多），校验代价超过上限，请合并重复的字段",
                extensions={"code": "QUERY_TOO_COMPLEX"},
            )
        ]
    return validate_document(schema, document, rules)


class BoundedValidation(SchemaExtension):
    """Validation that refuses first what would take too long to validate, kept by document text
    in ``validated`` (made once with the schema: the extension itself is made per request)."""

    def __init__(self, validated: Validated) -> None:
        self.validated = validated

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, text = context.graphql_document, context.query
        if document is not None and text is not None:
            schema, rules = context.schema._schema, tuple(context.validation_rules)
            errors = self.validated.get(text, lambda: _validate(schema, document, rules))
            context.pre_execution_errors = errors
        yield
