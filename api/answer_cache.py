"""The public's answers to the documents whose answer depends only on the document, its variables
and the data behind a few notification channels, kept until that data changes.

Powers, their maps, departments, regions and funds change a few times a year and are read by
every kiosk all day; the subsidy statistics and the village notice lists change whenever a
department records money, and are read by every transparency site and big screen. Each document
kept here depends on named channels (api/public_queries.py, ``CACHED_OPERATIONS``): the catalogue
documents on ``sunshine_catalogue`` (migration 0006), the subsidy ones on that and
``sunshine_subsidies`` (migration 0013); every committed write to the tables behind a channel sends
a NOTIFY on it. This process keeps the answers (least recently used first out), and
:func:`listening` holds one connection of its own that LISTENs on every channel. While that
connection is not up (start-up, a lost connection, a restarting server) nothing is kept or served,
so a missed notification can never leave a stale answer behind.

A generation a channel, not one for all: money is recorded all day, a row at a time, and dropping
every answer on each would empty the kiosks' catalogue answers as fast as they are made. A change
counts up its channel's generation; a kept answer carries the generations of its channels as they
were when it was kept and is served only while they still are (one that is not is dropped when next
asked for, or falls out as the least recently used), so a notification costs the same however
many answers are kept.

An answer computed while a change arrived is not kept: :meth:`AnswerCache.put` takes the
generations read before the answer was computed. Nor is an
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

CATALOGUE = "sunshine_catalogue"
SUBSIDIES = "sunshine_subsidies"
CHANNELS = (CATALOGUE, SUBSIDIES)
LISTENER_NAME = "sunshine-catalogue-listener"
# A document, its variables, and the channels its answer depends on.
Key = tuple[str, bytes, tuple[str, ...]]


class AnswerCache:
    def __init__(self, max_entries: int) -> None:
        # Each answer with the generations of its key's channels when it was kept.
        self._entries: OrderedDict[Key, tuple[dict[str, Any], tuple[int, ...]]] = OrderedDict()
        self._max_entries = max_entries
        self._generations = dict.fromkeys(CHANNELS, 0)
        # When the last change on each channel was heard of (time.monotonic).
        self._invalidated_at = dict.fromkeys(CHANNELS, -math.inf)
        self.listening = False  # set only while changes are sure to reach us

    @staticmethod
    def key(
        document_id: str, variables: dict[str, Any] | None, channels: tuple[str, ...] = (CATALOGUE,)
    ) -> Key:
        return document_id, orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS), channels

    @property
    def generation(self) -> tuple[int, ...]:
        """Every channel's generation: read before an answer is computed, handed to :meth:`put`."""
        return tuple(self._generations.values())

    def get(self, key: Key) -> dict[str, Any] | None:
        if not self.listening:
            return None
        kept = self._entries.get(key)
        if kept is None:
            return None
        answer, generations = kept
        if generations != self._generations_of(key):
            del self._entries[key]  # a channel it depends on changed since it was kept
            return None
        self._entries.move_to_end(key)
        return answer

    def put(
        self, key: Key, answer: dict[str, Any], *, generation: tuple[int, ...], as_of: float = math.inf
    ) -> None:
        """Keep ``answer`` unless a channel changed since ``generation`` was read, or the answer was
        read from data older (``as_of``: it holds the commits made before this monotonic time) than
        the last change on a channel it depends on."""
        if not self.listening or generation != self.generation:
            return
        if as_of < max(self._invalidated_at[channel] for channel in key[2]):
            return
        self._entries[key] = (answer, self._generations_of(key))
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def invalidate(self, channel: str | None = None) -> None:
        """A change on ``channel``; on every channel when None (nothing kept is trusted then)."""
        for name in CHANNELS if channel is None else (channel,):
            self._generations[name] += 1
            self._invalidated_at[name] = time.monotonic()
        if channel is None:
            self._entries.clear()

    def _generations_of(self, key: Key) -> tuple[int, ...]:
        return tuple(self._generations[channel] for channel in key[2])

    @property
    def size(self) -> int:
        return len(self._entries)


@contextlib.asynccontextmanager
async def listening(cache: AnswerCache, database_url: str) -> AsyncIterator[None]:
    """Keep ``cache`` told of changes on every channel for as long as the block runs."""
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
    """Follow every change announced on ``conn``, until the connection is lost."""
    lost = asyncio.Event()
    conn.add_termination_listener(lambda _conn: lost.set())
    for channel in CHANNELS:
        await conn.add_listener(channel, lambda _conn, _pid, name, _payload: cache.invalidate(name))
    # Whatever changed while nobody listened is unknown: start empty.
    cache.invalidate()
    cache.listening = True
    await lost.wait()
    log.warning("catalogue listener lost its connection; answers are not kept until it is back")
