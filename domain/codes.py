"""Codes that open one record to whoever holds them (a case's receipt query code, a complaint's
tracking code), stored only as hashes and compared so that timing tells nothing."""

from __future__ import annotations

import hmac

_NOTHING = bytes(32)


def code_holds(stored_hash: bytes | None, given_hash: bytes) -> bool:
    """Whether the given code's hash is the stored one. The comparison runs in constant time, and
    runs even when nothing is stored (an unknown number), so a miss and a wrong code take alike."""
    matches = hmac.compare_digest(stored_hash if stored_hash is not None else _NOTHING, given_hash)
    return stored_hash is not None and matches
