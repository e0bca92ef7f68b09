"""Signed checkpoints of the audit chain, and verification that trusts them.

A checkpoint is the chain's head (the last entry's id and hash) signed with an Ed25519 key kept
outside the database (``AUDIT_SIGNING_KEY``). Whoever controls the database can disable its
triggers, rewrite rows and re-hash the chain from there, or empty the table: the chain alone then
looks whole. A checkpoint cannot be re-signed without the key, so :func:`verify` finds, and names,
any entry changed or removed up to the last checkpoint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from db import audit
from db.executor import Connection, Executor
from domain.audit import Checkpoint, VerifyResult, checkpoint_message


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


async def sign_head(conn: Connection, *, key: Ed25519PrivateKey, at: datetime) -> Checkpoint | None:
    """Sign the chain's current head into a new checkpoint; None while the chain is empty."""
    head = await audit.get_head(conn)
    if head is None:
        return None
    entry_id, entry_hash = head
    checkpoint = Checkpoint(
        entry_id=entry_id,
        entry_hash=entry_hash,
        signed_at=at,
        key_id=key_id(key.public_key()),
        signature=key.sign(checkpoint_message(entry_id, entry_hash, at)),
    )
    await audit.insert_checkpoint(conn, checkpoint=checkpoint)
    return checkpoint


def checkpoint_line(checkpoint: Checkpoint) -> str:
    """One checkpoint as a JSON line, for the copy kept outside the database."""
    c = checkpoint
    return orjson.dumps(
        {
            "entry_id": c.entry_id,
            "entry_hash": c.entry_hash.hex(),
            "signed_at": c.signed_at.isoformat(),
            "key_id": c.key_id,
            "signature": c.signature.hex(),
        }
    ).decode()


def checkpoint_of(line: str) -> Checkpoint:
    d = orjson.loads(line)
    return Checkpoint(
        entry_id=int(d["entry_id"]),
        entry_hash=bytes.fromhex(d["entry_hash"]),
        signed_at=datetime.fromisoformat(d["signed_at"]),
        key_id=str(d["key_id"]),
        signature=bytes.fromhex(d["signature"]),
    )


async def verify(
    db: Executor, *, public_key: Ed25519PublicKey | None, kept: Sequence[Checkpoint] = ()
) -> VerifyResult:
    """The chain walked against every checkpoint signed by ``public_key``: those in the database
    and those ``kept`` outside it (so that deleting checkpoints from the database hides nothing);
    without a key, the chain alone. A checkpoint whose signature does not hold is itself a break,
    and so is a kept checkpoint the database no longer has."""
    if public_key is None:
        return await audit.verify(db)
    stored = await audit.list_checkpoints(db)
    in_database = {(c.entry_id, c.signature) for c in stored}
    for c in kept:
        if (c.entry_id, c.signature) not in in_database:
            return VerifyResult(
                ok=False,
                checked=0,
                first_broken_id=c.entry_id,
                reason=f"覆盖到第 {c.entry_id} 条的签名检查点在数据库中不见了（检查点被删除）",
                last_hash=b"",
            )
    trusted = []
    for c in [*stored, *kept]:
        try:
            public_key.verify(c.signature, checkpoint_message(c.entry_id, c.entry_hash, c.signed_at))
        except InvalidSignature:
            return VerifyResult(
                ok=False,
                checked=0,
                first_broken_id=c.entry_id,
                reason=f"覆盖到第 {c.entry_id} 条的检查点签名无效（检查点被伪造或改动）",
                last_hash=b"",
            )
        trusted.append(c)
    return await audit.verify(db, checkpoints=trusted)
