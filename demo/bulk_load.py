"""What every part of the demo does around its copies: fewer garbage collections while millions of
short-lived rows are built, the values the demo repeats encoded once each, and the foreign keys
checked once at the end instead of row by row."""

from __future__ import annotations

import contextlib
import gc
import struct
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg

from db import bulk

T = TypeVar("T", datetime, Decimal)
_CACHED_AT_MOST = 50_000

# PostgreSQL's binary timestamptz: microseconds since 2000-01-01 UTC, infinities at the ends.
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_INFINITY = 0x7FFF_FFFF_FFFF_FFFF
_INT8 = struct.Struct("!q")
_NUMERIC_HEAD = struct.Struct("!hhHh")  # digits, weight, sign, display scale
_NUMERIC_NEGATIVE = 0x4000
_SPECIAL = {0xC000: "NaN", 0xD000: "Infinity", 0xF000: "-Infinity"}


def encode_timestamptz(moment: datetime) -> bytes:
    """``moment`` (with its time zone) as PostgreSQL's binary timestamptz."""
    if moment.tzinfo is None:
        raise ValueError(f"a timestamptz needs a time zone: {moment!r}")
    delta = moment - _PG_EPOCH
    return _INT8.pack((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def decode_timestamptz(data: bytes) -> datetime:
    (micros,) = _INT8.unpack(data)
    if micros in (_INFINITY, -_INFINITY - 1):
        return (datetime.max if micros > 0 else datetime.min).replace(tzinfo=UTC)
    return _PG_EPOCH + timedelta(microseconds=micros)


def encode_numeric(value: Decimal) -> bytes:
    """A finite ``value`` as PostgreSQL's binary numeric: base-10000 digits around the point."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"not a finite number: {value!r}")
    scale = max(-exponent, 0)
    whole = int("".join(map(str, digits)) or "0") * 10 ** max(exponent, 0)
    # Pad the fraction to whole base-10000 digits, then split into them.
    padded = (scale + 3) // 4 * 4
    whole *= 10 ** (padded - scale)
    groups: list[int] = []
    while whole:
        whole, group = divmod(whole, 10_000)
        groups.append(group)
    groups.reverse()
    weight = len(groups) - padded // 4 - 1 if groups else 0
    while groups and not groups[-1]:  # PostgreSQL keeps no trailing zero digits
        groups.pop()
    head = _NUMERIC_HEAD.pack(len(groups), weight, _NUMERIC_NEGATIVE if sign else 0, scale)
    return head + struct.pack(f"!{len(groups)}h", *groups)


def decode_numeric(data: bytes) -> Decimal:
    count, weight, sign, scale = _NUMERIC_HEAD.unpack_from(data)
    groups = struct.unpack_from(f"!{count}h", data, _NUMERIC_HEAD.size)
    if sign in _SPECIAL:
        return Decimal(_SPECIAL[sign])
    value = sum(Decimal(group).scaleb(4 * (weight - position)) for position, group in enumerate(groups))
    value = Decimal(value).quantize(Decimal(1).scaleb(-scale))
    return -value if sign == _NUMERIC_NEGATIVE else value


def _cached(encode: Callable[[T], bytes], key: Callable[[T], Hashable]) -> Callable[[T], bytes]:
    """``encode`` once per distinct ``key`` of a value: the demo's moments and amounts repeat
    millions of times."""
    done: dict[Hashable, bytes] = {}

    def encoded(value: T) -> bytes:
        k = key(value)
        found = done.get(k)
        if found is None:
            if len(done) >= _CACHED_AT_MOST:  # the cases' moments rarely repeat: memory stays flat
                done.clear()
            found = done[k] = encode(value)
        return found

    return encoded


def _same(value: T) -> T:
    return value


@asynccontextmanager
async def bulk_load(conn: asyncpg.Connection, *, tables: Sequence[str]) -> AsyncIterator[None]:
    """Inside the part's transaction: copy into ``tables`` in the block; their foreign keys are
    analysed and checked, set-based, when it ends (:func:`db.bulk.reference_checks_deferred`)."""
    # The commit does not wait for the last of the load's WAL to reach the disk (most of a second
    # at scale 1): a load lost to a crash in that moment left an empty database, which the next
    # start loads again.
    await conn.execute("SET LOCAL synchronous_commit = off")
    # Millions of short-lived objects: collect the young generation less often meanwhile.
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    # asyncpg's own encoders work each value out afresh, a good part of a copy's time here. One
    # instant is one encoding whatever its time zone; numbers go by their text, since 1.5 and 1.50
    # are equal and differ in their display scale.
    codecs: tuple[tuple[str, Callable[[Any], bytes], Callable[[bytes], Any]], ...] = (
        ("timestamptz", _cached(encode_timestamptz, _same), decode_timestamptz),
        ("numeric", _cached(encode_numeric, str), decode_numeric),
    )
    for name, encoder, decoder in codecs:
        await conn.set_type_codec(
            name, schema="pg_catalog", encoder=encoder, decoder=decoder, format="binary"
        )
    try:
        async with bulk.reference_checks_deferred(conn, tables=tables):
            yield
    finally:
        gc.set_threshold(*thresholds)
        # In a failed transaction the catalogue cannot be read to reset them; the codecs read and
        # write these types correctly, so a connection that keeps them is none the worse.
        with contextlib.suppress(asyncpg.PostgresError):
            for name, _, _ in codecs:
                await conn.reset_type_codec(name, schema="pg_catalog")
