"""Relations fetched up front for a list, so that its items' resolvers answer at once.

graphql-core makes a task for every field whose resolver returns an awaitable, and gathers them
per item and per list: a page of 20 powers with their departments and maps was over a hundred
tasks, a good part of the request's CPU. A list's resolver instead looks at what its items'
selection asks for and loads those relations for all items together (the same DataLoaders, the
same one statement per relation), before it returns; the items' resolvers then find the rows
already held (:meth:`~schema.loaders.Loader.held`) and answer synchronously. A resolver asked
outside such a list (one power by its code) still loads as before: :func:`at_once` returns an
awaitable when the rows are not there yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from schema.context import Info
from schema.loaders import ABSENT, Loader, Loaders

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
T = TypeVar("T")
Item = TypeVar("Item")

# Loads one relation for all the items of a list (through the request's loaders).
Relation = Callable[[Loaders, Sequence[Item]], Awaitable[object]]
# Where a connection's items sit in its selection.
LIST_ITEMS: tuple[tuple[str, ...], ...] = (("nodes",), ("edges", "node"))


def at_once(loader: Loader[K, R], key: K, then: Callable[[R], T]) -> T | Awaitable[T]:
    """``then`` of ``key``'s value: at once when the loader holds it, else when it is loaded.

    For relation fields (public or owner-only), never for a personal field: its mask applies to a
    value, not to an awaitable (schema/visibility.py)."""
    held = loader.held(key)
    if held is not ABSENT:
        return then(held)

    async def later() -> T:
        return then(await loader.load(key))

    return later()


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def selected_below(info: Info, path: Sequence[str]) -> set[str]:
    """The names of the fields selected under ``path`` (field names from the current field down,
    fragments spread in place)."""
    level = [child for f in _fields(info.selected_fields) for child in _fields(f.selections)]
    for name in path:
        level = [child for f in level if f.name == name for child in _fields(f.selections)]
    return {f.name for f in level}


async def prefetch(
    info: Info,
    items: Sequence[Item],
    relations: Mapping[str, Relation[Item]],
    *,
    under: Sequence[Sequence[str]] = ((),),
) -> None:
    """Load, for all ``items`` together, each of ``relations`` (by GraphQL field name) that the
    selection asks for under any of the paths ``under`` (the items' own place in the answer)."""
    if not items:
        return
    wanted: set[str] = set()
    for path in under:
        wanted |= selected_below(info, path)
    loads: list[Awaitable[Any]] = [
        relation(info.context.loaders, items) for name, relation in relations.items() if name in wanted
    ]
    if loads:
        await asyncio.gather(*loads)
