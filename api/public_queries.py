"""The vetted documents anonymous clients may run (``public_queries/*.graphql``).

A document is known by the SHA-256 of its text (the Apollo persisted-query id); an anonymous
request names it by that id, or sends exactly its text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "public_queries"


@dataclass(frozen=True, slots=True)
class PublicDocument:
    name: str
    text: str
    sha256: str


def document_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PublicQueries:
    def __init__(self, documents: list[PublicDocument]) -> None:
        self._by_id = {doc.sha256: doc for doc in documents}
        self._by_name = {doc.name: doc for doc in documents}

    @classmethod
    def load(cls, directory: Path = DEFAULT_DIR) -> PublicQueries:
        return cls(
            [
                PublicDocument(name=path.stem, text=text, sha256=document_id(text))
                for path in sorted(directory.glob("*.graphql"))
                for text in [path.read_text(encoding="utf-8")]
            ]
        )

    def by_id(self, sha256: str) -> PublicDocument | None:
        return self._by_id.get(sha256.lower())

    def by_text(self, text: str) -> PublicDocument | None:
        return self._by_id.get(document_id(text))

    def by_name(self, name: str) -> PublicDocument | None:
        return self._by_name.get(name)

    def manifest(self) -> dict[str, str]:
        return {doc.name + ".graphql": doc.sha256 for doc in self._by_name.values()}
