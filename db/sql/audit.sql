-- The audit trail of unmasked personal-data reads: an append-only, hash-chained log.

-- name: lock_chain
-- Held to the end of the transaction, so appends from every process form one chain.
SELECT pg_advisory_xact_lock(hashtext('sunshine-audit-log'));

-- name: insert_entries
-- One row per array position. fields arrives as one JSON array per row, because unnest flattens
-- a two-dimensional text[] and could not carry rows with different numbers of fields. Rows are
-- inserted in array order, so their ids follow the order of the chain.
INSERT INTO audit_log (
    at, actor, actor_role, department, operation, record_type, record_id, fields, request_id,
    prev_hash, hash
)
SELECT e.at, e.actor, e.actor_role, e.department, e.operation, e.record_type, e.record_id,
       ARRAY(
           SELECT f.value
           FROM jsonb_array_elements_text(e.fields) WITH ORDINALITY AS f (value, n)
           ORDER BY f.n
       ),
       e.request_id, e.prev_hash, e.hash
FROM unnest(
    $1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::jsonb[], $9::text[], $10::bytea[], $11::bytea[]
) WITH ORDINALITY AS e (
    at, actor, actor_role, department, operation, record_type, record_id, fields, request_id,
    prev_hash, hash, n
)
ORDER BY e.n;

-- name: list_entries_after
SELECT id, at, actor, actor_role, department, operation, record_type, record_id, fields, request_id,
       prev_hash, hash
FROM audit_log
WHERE id > $1
ORDER BY id
LIMIT $2;

-- name: list_entries_by_record
SELECT id, at, actor, actor_role, department, operation, record_type, record_id, fields, request_id
FROM audit_log
WHERE record_type = $1 AND record_id = $2
ORDER BY id DESC
LIMIT $3;

-- name: get_head
-- The last entry of the chain, which a checkpoint signs.
SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1;

-- name: insert_checkpoint
INSERT INTO audit_checkpoints (entry_id, entry_hash, signed_at, key_id, signature)
VALUES ($1, $2, $3, $4, $5) RETURNING id;

-- name: list_checkpoints
SELECT entry_id, entry_hash, signed_at, key_id, signature FROM audit_checkpoints ORDER BY id;
