-- Powers (权力清单), their materials, adjustments, process maps and integrity risk points.
--
-- Who may see a draft is decided by the caller and arrives as plain parameters: $1 "every draft"
-- and $2 "drafts of these departments". The SQL knows nothing of roles.

-- name: list_powers
SELECT id, code, name, category, department_id, status, service_level, legal_basis, conditions,
       procedure, fee_yuan, fee_basis, statutory_limit_days, promised_limit_days, visits_needed,
       parallel_approval, consultation_channel, complaint_channel, internal_note, published_on,
       updated_at
FROM powers
WHERE (status <> 'draft' OR $1::boolean OR department_id = ANY($2::int[]))
  AND status = ANY($3::text[])
  AND ($4::text IS NULL OR category = $4)
  AND ($5::int IS NULL OR department_id = $5)
  AND ($6::text[] IS NULL OR search_bigrams @> $6)
  AND ($7::text[] IS NULL OR lower(name || ' ' || code) LIKE ALL ($7))
  AND ($8::text IS NULL OR code > $8)
ORDER BY code
LIMIT $9;

-- name: count_powers
SELECT count(*)
FROM powers
WHERE (status <> 'draft' OR $1::boolean OR department_id = ANY($2::int[]))
  AND status = ANY($3::text[])
  AND ($4::text IS NULL OR category = $4)
  AND ($5::int IS NULL OR department_id = $5)
  AND ($6::text[] IS NULL OR search_bigrams @> $6)
  AND ($7::text[] IS NULL OR lower(name || ' ' || code) LIKE ALL ($7));

-- name: get_power_by_code
SELECT id, code, name, category, department_id, status, service_level, legal_basis, conditions,
       procedure, fee_yuan, fee_basis, statutory_limit_days, promised_limit_days, visits_needed,
       parallel_approval, consultation_channel, complaint_channel, internal_note, published_on,
       updated_at
FROM powers
WHERE code = $3
  AND (status <> 'draft' OR $1::boolean OR department_id = ANY($2::int[]));

-- name: list_powers_by_id
SELECT id, code, name, category, department_id, status, service_level, legal_basis, conditions,
       procedure, fee_yuan, fee_basis, statutory_limit_days, promised_limit_days, visits_needed,
       parallel_approval, consultation_channel, complaint_channel, internal_note, published_on,
       updated_at
FROM powers
WHERE id = ANY($1::int[]);

-- name: count_published_powers_by_department
SELECT department_id, count(*) AS total
FROM powers
WHERE department_id = ANY($1::int[]) AND status = 'published'
GROUP BY department_id;

-- name: list_materials_by_power
SELECT power_id, position, name, copies, original_required, note
FROM power_materials
WHERE power_id = ANY($1::int[])
ORDER BY power_id, position;

-- name: list_adjustments_by_power
SELECT id, power_id, kind, effective_on, reason, document_no, recorded_at
FROM power_adjustments
WHERE power_id = ANY($1::int[])
ORDER BY power_id, effective_on DESC, id DESC;

-- name: get_elements_as_of
SELECT id, power_id, kind, effective_on, reason, document_no, elements
FROM power_adjustments
WHERE power_id = $1 AND effective_on <= $2
ORDER BY effective_on DESC, id DESC
LIMIT 1;

-- name: list_steps_by_power
SELECT id, power_id, key, name, post_name, department_id, limit_days, counts_toward_limit, checks,
       position
FROM process_steps
WHERE power_id = ANY($1::int[])
ORDER BY power_id, position;

-- name: list_edges_by_power
SELECT e.power_id, f.key AS source, t.key AS target, e.condition
FROM process_edges e
JOIN process_steps f ON f.id = e.from_step_id
JOIN process_steps t ON t.id = e.to_step_id
WHERE e.power_id = ANY($1::int[])
ORDER BY e.power_id, f.position, t.position;

-- name: list_risk_points_by_step
SELECT id, step_id, power_id, description, level
FROM risk_points
WHERE step_id = ANY($1::int[])
ORDER BY step_id, id;

-- name: list_risk_points_by_power
SELECT id, step_id, power_id, description, level
FROM risk_points
WHERE power_id = ANY($1::int[])
ORDER BY power_id, id;

-- name: list_measures_by_risk_point
SELECT id, risk_point_id, description
FROM control_measures
WHERE risk_point_id = ANY($1::int[])
ORDER BY risk_point_id, id;
