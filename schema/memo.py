"""What the schema works out once per document text and keeps: bounded, least recently used first
out, because officials may send any text.

A document's validation and what it selects depend only on its text (and the schema, fixed for a
process). Keyed by the text itself (a ``str`` keeps its own hash), not by the parsed document,
whose hash walks the whole tree on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    def __init__(self, maxsize: int) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._maxsize = maxsize

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for ``key``, made by ``make()`` and kept when there is none."""
        try:
            value = self._entries[key]
        except KeyError:
            value = self._entries[key] = make()
            if len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return value

    def __len__(self) -> int:
        return len(self._entries)
