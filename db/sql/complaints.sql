-- Complaints and suggestions (投诉建议).

-- name: get_complaint_by_key
SELECT * FROM complaints WHERE idempotency_key = $1;

-- name: get_complaint_by_tracking_no
SELECT * FROM complaints WHERE tracking_no = $1;

-- name: list_complaints_by_id
SELECT * FROM complaints WHERE id = ANY($1::bigint[]);

-- name: lock_complaint
SELECT * FROM complaints WHERE id = $1 FOR UPDATE;

-- name: insert_complaint
INSERT INTO complaints (tracking_no, tracking_code_hash, idempotency_key, kind, about, about_ref, content,
                        contact_name, contact_phone, department_id, to_discipline, submitted_at, accept_due_on)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id;

-- name: update_complaint_decided
UPDATE complaints SET status = $2, decided_at = $3, decided_by = $4, refusal_reason = $5 WHERE id = $1;

-- name: update_complaint_replied
UPDATE complaints SET status = 'replied', reply = $2, replied_at = $3, replied_by = $4 WHERE id = $1;

-- name: update_complaint_rated
UPDATE complaints SET status = 'rated', stars = $2, rated_at = $3 WHERE id = $1;

-- name: list_complaints
SELECT * FROM complaints
-- Discipline ($2) sees every complaint; a department ($1) those routed to it.
WHERE ($2::boolean OR department_id = $1)
  AND ($3::text IS NULL OR status = $3)
  AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC
LIMIT $5;

-- name: list_overdue_undecided_complaints
SELECT id, tracking_no, department_id, accept_due_on
FROM complaints
WHERE status = 'submitted' AND accept_due_on < $1 AND department_id IS NOT NULL;

-- name: insert_complaint_card
INSERT INTO cards (complaint_id, rule_code, color, subject, department_id, evidence, raised_at, raised_on)
VALUES ($1, 'COMPLAINT_NOT_DECIDED', $2, '', $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING id;
