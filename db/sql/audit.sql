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
    prev_hash, hash, reason
)
SELECT e.at, e.actor, e.actor_role, e.department, e.operation, e.record_type, e.record_id,
       ARRAY(
           SELECT f.value
           FROM jsonb_array_elements_text(e.fields) WITH ORDINALITY AS f (value, n)
           ORDER BY f.n
       ),
       e.request_id, e.prev_hash, e.hash, e.reason
FROM unnest(
    $1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::jsonb[], $9::text[], $10::bytea[], $11::bytea[], $12::text[]
) WITH ORDINALITY AS e (
    at, actor, actor_role, department, operation, record_type, record_id, fields, request_id,
    prev_hash, hash, reason, n
)
ORDER BY e.n;

-- name: list_entries_after
SELECT id, at, actor, actor_role, department, operation, record_type, record_id, fields, request_id,
       reason, prev_hash, hash
FROM audit_log
WHERE id > $1
ORDER BY id
LIMIT $2;

-- name: list_entries_by_record
SELECT id, at, actor, actor_role, department, operation, record_type, record_id, fields, request_id,
       reason
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

-- name: list_subject_refs
-- The records that hold one person's data, as the trail names them (schema audit_ref): their
-- household-member rows, the payments to them (the notice list's reference) and the cases they
-- applied for.
SELECT 'member' AS record_type, m.id::text AS record_id
FROM household_members m WHERE m.id_number = $1
UNION
SELECT 'payment', p.payment_no
FROM payments p JOIN household_members m ON m.id = p.member_id
WHERE m.id_number = $1
UNION
SELECT 'household', h.household_no
FROM households h JOIN household_members m ON m.household_id = h.id
WHERE m.id_number = $1
UNION
SELECT 'case', c.case_no FROM cases c WHERE c.applicant_id_number = $1;

-- name: list_entries
-- The trail narrowed to some records ($1 types, $2 ids: null for any), one reader ($3), a time
-- range [$4, $5); newest first, keyset on id below $6.
SELECT id, at, actor, actor_role, department, operation, record_type, record_id, fields, request_id,
       reason
FROM audit_log
WHERE ($1::text[] IS NULL
       OR (record_type, record_id) IN (SELECT * FROM unnest($1::text[], $2::text[])))
  AND ($3::text IS NULL OR actor = $3)
  AND ($4::timestamptz IS NULL OR at >= $4)
  AND ($5::timestamptz IS NULL OR at < $5)
  AND ($6::bigint IS NULL OR id < $6)
ORDER BY id DESC
LIMIT $7;

-- name: count_entries
SELECT count(*)
FROM audit_log
WHERE ($1::text[] IS NULL
       OR (record_type, record_id) IN (SELECT * FROM unnest($1::text[], $2::text[])))
  AND ($3::text IS NULL OR actor = $3)
  AND ($4::timestamptz IS NULL OR at >= $4)
  AND ($5::timestamptz IS NULL OR at < $5);
