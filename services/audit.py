"""Signed checkpoints of the audit chain, and verification that trusts them.

A checkpoint is the chain's head (the last entry's id and hash) signed with an Ed25519 key kept
outside the database (``AUDIT_SIGNING_KEY``). Whoever controls the database can disable its
triggers, rewrite rows and re-hash the chain from there, or empty the table: the chain alone then
looks whole. A checkpoint cannot be re-signed without the key, so :func:`verify` finds, and names,
any entry changed or removed up to the last checkpoint.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

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


async def verify(db: Executor, *, public_key: Ed25519PublicKey | None) -> VerifyResult:
    """The chain walked against every checkpoint signed by ``public_key`` (without a key, the
    chain alone). A checkpoint whose signature does not hold is itself a break."""
    if public_key is None:
        return await audit.verify(db)
    trusted = []
    for c in await audit.list_checkpoints(db):
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
