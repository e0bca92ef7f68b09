"""The audit trail of unmasked personal-data reads (DOMAIN.md "Personal data"): its entries, the
hash chain that makes a changed or deleted entry detectable, and the per-request recorder.

The chain, so that an outside auditor can recompute it without this code::

    hash(entry n) = SHA-256( prev_hash || canonical(entry n) )
    prev_hash     = hash(entry n-1), or 32 zero bytes (GENESIS) for the first entry

``prev_hash`` is always exactly 32 bytes, so the concatenation needs no separator.
``canonical(entry)`` is the UTF-8 encoding of one JSON array (RFC 8259) with no whitespace and
non-ASCII characters written as themselves (not ``\\u`` escapes), holding, in this order:

1. ``at``: the time of the read in UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fraction digits);
2. ``actor``, 3. ``actor_role``: strings;
4. ``department``: a string, or ``null`` when the actor has none;
5. ``operation``, 6. ``record_type``, 7. ``record_id``: strings;
8. ``fields``: an array of strings, in the stored order;
9. ``request_id``: a string (empty when unknown);
10. ``reason``: the reason of access the official gave (a string), present only in entries that
    carry one. Entries appended before reasons were recorded (migration 0011) have no reason and
    their array ends at ``request_id``: their hashes read exactly as when they were written, so the
    chain of old rows verifies unchanged, while a reason added to or removed from any row breaks it.

In Python's standard library, ``json.dumps([...], ensure_ascii=False, separators=(",", ":"))``
followed by ``.encode("utf-8")`` gives the same bytes. The database id of a row is not hashed (it
is assigned on insert); the order of the chain is carried by ``prev_hash``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

GENESIS = bytes(32)
"""The ``prev_hash`` of the first entry of the chain."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One read of unmasked personal data: who, when, which record, which fields, which operation."""

    at: datetime
    actor: str
    actor_role: str
    department: str | None
    operation: str
    record_type: str
    record_id: str
    fields: tuple[str, ...]
    request_id: str
    reason: str | None = None

    def __post_init__(self) -> None:
        # A naive time has no single UTC reading, so its hash would depend on the machine's zone.
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("AuditEntry.at must be timezone-aware")


def canonical(entry: AuditEntry) -> bytes:
    """The documented byte encoding of ``entry`` that :func:`chain_hash` covers."""
    at = entry.at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    parts: list[object] = [
        at,
        entry.actor,
        entry.actor_role,
        entry.department,
        entry.operation,
        entry.record_type,
        entry.record_id,
        list(entry.fields),
        entry.request_id,
    ]
    if entry.reason is not None:
        parts.append(entry.reason)
    return orjson.dumps(parts)


def chain_hash(prev_hash: bytes, entry: AuditEntry) -> bytes:
    """SHA-256 over the previous entry's hash and the canonical encoding of ``entry``."""
    if len(prev_hash) != len(GENESIS):
        raise ValueError("prev_hash must be a 32-byte SHA-256 digest")
    return hashlib.sha256(prev_hash + canonical(entry)).digest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of walking the chain.

    ``checked`` counts the entries found intact (all of them when ``ok``; those before
    ``first_broken_id`` otherwise). ``last_hash`` is the hash of the last intact entry: deleting
    entries from the end of the chain leaves no broken link, so keep this value somewhere outside
    the database and check that a later walk still passes through it.
    """

    ok: bool
    checked: int
    first_broken_id: int | None
    reason: str | None
    last_hash: bytes


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain's head at one moment, signed with a key the database never holds: a row changed,
    re-hashed or removed up to ``entry_id`` no longer matches it, whoever did it."""

    entry_id: int
    entry_hash: bytes
    signed_at: datetime
    key_id: str
    signature: bytes


def checkpoint_message(entry_id: int, entry_hash: bytes, signed_at: datetime) -> bytes:
    """What a checkpoint's Ed25519 signature covers: ``sunshine-audit-checkpoint``, the entry id,
    the signing time in UTC (ISO 8601) and the entry's hash in hex, one a line."""
    if signed_at.tzinfo is None:
        raise ValueError("signed_at must carry its time zone")
    moment = signed_at.astimezone(UTC).isoformat()
    return f"sunshine-audit-checkpoint\n{entry_id}\n{moment}\n{entry_hash.hex()}".encode()


@dataclass(slots=True)
class ChainWalk:
    """Checks stored entries one by one, in the order they were appended, and each against the
    signed checkpoints that name it (``signed``: entry id → the hash signed for it)."""

    expected_prev: bytes = GENESIS
    checked: int = 0
    signed: dict[int, bytes] = field(default_factory=dict)
    last_id: int = 0
    met: set[int] = field(default_factory=set)  # the signed entries the walk has passed

    def step(
        self, *, row_id: int, prev_hash: bytes, stored_hash: bytes, entry: AuditEntry
    ) -> VerifyResult | None:
        """Check the next entry; the failed result when it breaks the chain, else ``None``."""
        # The link is checked first: after a deletion the next entry is intact in itself, and it
        # is its link that tells what happened.
        if prev_hash != self.expected_prev:
            return self._broken(row_id, f"第 {row_id} 条记录的前一哈希与上一条不符（有记录被删除或插入）")
        if chain_hash(prev_hash, entry) != stored_hash:
            return self._broken(row_id, f"第 {row_id} 条记录的哈希与内容不符（记录被改动）")
        if row_id in self.signed:
            if self.signed[row_id] != stored_hash:
                return self._broken(
                    row_id, f"第 {row_id} 条记录与已签名的检查点不符（此前的记录被改写并重算了哈希）"
                )
            self.met.add(row_id)
        self.expected_prev = stored_hash
        self.checked += 1
        self.last_id = row_id
        return None

    def result(self) -> VerifyResult:
        """The result of a walk that reached the end without a broken link: broken after all when a
        signed checkpoint names an entry the walk never met (entries removed, the table emptied)."""
        missing = sorted(set(self.signed) - self.met)
        if missing:
            return self._broken(
                missing[0],
                f"已签名的检查点覆盖的第 {missing[0]} 条记录不见了（审计链只到第 {self.last_id} 条；"
                "记录被删除或清空）",
            )
        return VerifyResult(
            ok=True, checked=self.checked, first_broken_id=None, reason=None, last_hash=self.expected_prev
        )

    def _broken(self, row_id: int, reason: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            checked=self.checked,
            first_broken_id=row_id,
            reason=reason,
            last_hash=self.expected_prev,
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Read:
    at: datetime
    # A dict keeps the union of fields in first-seen order.
    fields: dict[str, None]


@dataclass(slots=True)
class Recorder:
    """Collects the reads of one request, to be appended to the trail once at its end.

    Repeated reads of the same record through the same operation (a list and its detail, a field
    resolved twice) become one entry with the union of their fields, at the time of the first read.
    """

    actor: str
    actor_role: str
    department: str | None
    request_id: str = ""
    reason: str | None = None
    clock: Callable[[], datetime] = _utc_now
    _reads: dict[tuple[str, str, str], _Read] = field(default_factory=dict, init=False, repr=False)

    def record(self, *, operation: str, record_type: str, record_id: str, fields: Iterable[str]) -> None:
        """Note that ``fields`` of one record were shown unmasked; no fields, nothing to note."""
        names = dict.fromkeys(fields)
        if not names:
            return
        key = (record_type, record_id, operation)
        read = self._reads.get(key)
        if read is None:
            self._reads[key] = _Read(at=self.clock(), fields=names)
        else:
            read.fields.update(names)

    def entries(self) -> list[AuditEntry]:
        """The entries to append, in the order their records were first read."""
        if not self._reads:
            return []
        return [
            AuditEntry(
                at=read.at,
                actor=self.actor,
                actor_role=self.actor_role,
                department=self.department,
                operation=operation,
                record_type=record_type,
                record_id=record_id,
                fields=tuple(read.fields),
                request_id=self.request_id,
                reason=self.reason,
            )
            for (record_type, record_id, operation), read in self._reads.items()
        ]
