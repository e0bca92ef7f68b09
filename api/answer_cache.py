"""The public's answers to the catalogue documents, kept until the catalogue changes.

Powers, their maps, departments, regions and funds change a few times a year and are read by
every kiosk all day; the answer to a catalogue document (``CATALOGUE_OPERATIONS``) depends only on
the document and its variables. This process keeps those answers (least recently used first out)
and drops all of them whenever the catalogue changes: migration 0006 sends a NOTIFY on
``sunshine_catalogue`` with every committed write to those tables, and :func:`listening` holds a
connection of its own that LISTENs for it. While that connection is not up (start-up, a lost
connection, a restarting server) nothing is kept or served, so a missed notification can never
leave a stale answer behind.

An answer computed while a change arrived is not kept: :meth:`AnswerCache.put` takes the
generation read before the answer was computed, and every change starts a new one. Nor is an
answer read on a replica that may not have the last change yet (api/replica.py): a change is
committed before its notification arrives, so a read that holds every commit made before the
notification (its ``as_of`` is not earlier) has it; one read from further back may be served, as
any replica read is, but not kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson

from api.tasks import in_background

log = logging.getLogger("sunshine.answer_cache")

CHANNEL = "sunshine_catalogue"
LISTENER_NAME = "sunshine-catalogue-listener"
Key = tuple[str, bytes]


class AnswerCache:
    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[Key, dict[str, Any]] = OrderedDict()
        self._max_entries = max_entries
        self.generation = 0
        self.invalidated_at = -math.inf  # when the last change was heard of (time.monotonic)
        self.listening = False  # set only while changes are sure to reach us

    @staticmethod
    def key(document_id: str, variables: dict[str, Any] | None) -> Key:
        return document_id, orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)

    def get(self, key: Key) -> dict[str, Any] | None:
        if not self.listening:
            return None
        answer = self._entries.get(key)
        if answer is not None:
            self._entries.move_to_end(key)
        return answer

    def put(self, key: Key, answer: dict[str, Any], *, generation: int, as_of: float = math.inf) -> None:
        """Keep ``answer`` unless the catalogue changed since ``generation`` was read, or the answer
        was read from data older (``as_of``: it holds the commits made before this monotonic time)
        than the last change."""
        if not self.listening or generation != self.generation or as_of < self.invalidated_at:
            return
        self._entries[key] = answer
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def invalidate(self) -> None:
        self.generation += 1
        self.invalidated_at = time.monotonic()
        self._entries.clear()

    @property
    def size(self) -> int:
        return len(self._entries)


@contextlib.asynccontextmanager
async def listening(cache: AnswerCache, database_url: str) -> AsyncIterator[None]:
    """Keep ``cache`` told of catalogue changes for as long as the block runs."""
    async with in_background(_listen(cache, database_url)):
        yield


async def _listen(cache: AnswerCache, database_url: str) -> None:
    wait_s = 0.5
    while True:
        try:
            conn = await asyncpg.connect(database_url, server_settings={"application_name": LISTENER_NAME})
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("catalogue listener cannot connect, retrying", extra={"error": repr(exc)})
            await asyncio.sleep(wait_s)
            wait_s = min(wait_s * 2, 30)
            continue
        try:
            await _follow(cache, conn)
            wait_s = 0.5
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("catalogue listener failed, retrying", extra={"error": repr(exc)})
        finally:
            cache.listening = False
            cache.invalidate()
            if not conn.is_closed():
                await conn.close()
        await asyncio.sleep(wait_s)


async def _follow(cache: AnswerCache, conn: asyncpg.Connection) -> None:
    """Drop the cache on every change announced on ``conn``, until the connection is lost."""
    lost = asyncio.Event()
    conn.add_termination_listener(lambda _conn: lost.set())
    await conn.add_listener(CHANNEL, lambda *_args: cache.invalidate())
    # Whatever changed while nobody listened is unknown: start empty.
    cache.invalidate()
    cache.listening = True
    await lost.wait()
    log.warning("catalogue listener lost its connection; answers are not kept until it is back")
