"""The vetted documents anonymous clients may run (``public_queries/*.graphql``).

A document is known by the SHA-256 of its text (the Apollo persisted-query id); an anonymous
request names it by that id, or sends exactly its text.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
    parse,
)

from api.answer_cache import CATALOGUE, SUBSIDIES

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "public_queries"


MANIFEST = "manifest.json"
_OPERATION = re.compile(r"^\s*(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)", re.MULTILINE)
# Answers about one person (their case, their household) are never stored by a shared cache.
PRIVATE_OPERATIONS = frozenset(
    {"CaseStatus", "HouseholdSubsidies", "RateCase", "SubmitComplaint", "TrackComplaint", "RateComplaint"}
)
# Answers that depend only on the document, its variables and the tables behind these channels,
# not on the day or the caller: the public's answers to these are kept until those tables change
# (api/answer_cache.py): the catalogue (regions, departments, powers with their maps, funds;
# migration 0006 names the tables), and for the subsidy statistics and notice lists the payments
# and households too (migration 0013). The real-name lookup is never kept: one person's answer,
# under a floor and limits that a kept answer would skip.
CACHED_OPERATIONS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("PowerSearch", "PowerDetail", "PowerAsOf", "Departments", "Regions", "Funds"), (CATALOGUE,)
    ),
    **dict.fromkeys(("SubsidyAggregates", "NoticeList"), (CATALOGUE, SUBSIDIES)),
}


@dataclass(frozen=True, slots=True)
class PublicDocument:
    name: str
    text: str
    sha256: str

    @property
    def operation(self) -> str | None:
        match = _OPERATION.search(self.text)
        return match.group(2) if match else None

    @property
    def is_mutation(self) -> bool:
        match = _OPERATION.search(self.text)
        return match is not None and match.group(1) == "mutation"

    @property
    def is_subscription(self) -> bool:
        """Pushed over a WebSocket (api/subscriptions.py), never answered over plain HTTP."""
        match = _OPERATION.search(self.text)
        return match is not None and match.group(1) == "subscription"

    def variable_types(self) -> dict[str, str]:
        """Each variable's named type (``Int``, ``String``, ``PowerFilter`` …)."""
        return _variable_types(self.text)


@functools.cache
def _variable_types(text: str) -> dict[str, str]:
    found = {}
    for definition in parse(text).definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                found[variable.variable.name.value] = _named(variable.type)
    return found


def _named(node: TypeNode) -> str:
    while isinstance(node, NonNullTypeNode | ListTypeNode):
        node = node.type
    assert isinstance(node, NamedTypeNode)  # noqa: S101  # the three kinds of type node
    return node.name.value


def document_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PublicQueries:
    def __init__(self, documents: list[PublicDocument]) -> None:
        self._by_id = {doc.sha256: doc for doc in documents}
        self._by_text = {doc.text: doc for doc in documents}  # the same as by its id, without hashing
        self._by_name = {doc.name: doc for doc in documents}
        self._by_operation = {doc.operation: doc for doc in documents if doc.operation}

    @classmethod
    def load(cls, directory: Path = DEFAULT_DIR) -> PublicQueries:
        return cls(
            [
                PublicDocument(name=path.stem, text=text, sha256=document_id(text))
                for path in sorted(directory.glob("*.graphql"))
                for text in [path.read_text(encoding="utf-8")]
            ]
        )

    def __iter__(self) -> Iterator[PublicDocument]:
        return iter(sorted(self._by_name.values(), key=lambda d: d.name))

    def by_id(self, sha256: str) -> PublicDocument | None:
        return self._by_id.get(sha256.lower())

    def by_text(self, text: str) -> PublicDocument | None:
        return self._by_text.get(text)

    def by_name(self, name: str) -> PublicDocument | None:
        return self._by_name.get(name)

    def by_operation(self, operation: str) -> PublicDocument | None:
        return self._by_operation.get(operation)

    def manifest(self) -> dict[str, dict[str, str]]:
        """What front-end developers (and the checked-in manifest.json) see: file → id and operation."""
        return {
            doc.name + ".graphql": {"sha256": doc.sha256, "operation": doc.operation or ""}
            for doc in sorted(self._by_name.values(), key=lambda d: d.name)
        }


def manifest_text(queries: PublicQueries) -> str:
    import orjson

    return orjson.dumps(queries.manifest(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
