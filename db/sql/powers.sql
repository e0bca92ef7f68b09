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
-- With its department (columns prefixed d_), which nearly every reading of a power shows.
SELECT p.id, p.code, p.name, p.category, p.department_id, p.status, p.service_level, p.legal_basis,
       p.conditions, p.procedure, p.fee_yuan, p.fee_basis, p.statutory_limit_days, p.promised_limit_days,
       p.visits_needed, p.parallel_approval, p.consultation_channel, p.complaint_channel, p.internal_note,
       p.published_on, p.updated_at,
       d.id AS d_id, d.code AS d_code, d.name AS d_name, d.short_name AS d_short_name,
       d.region_code AS d_region_code, d.service_level AS d_service_level, d.hall AS d_hall,
       d.phone AS d_phone, d.address AS d_address
FROM powers p
JOIN departments d ON d.id = p.department_id
WHERE p.code = $3
  AND (p.status <> 'draft' OR $1::boolean OR p.department_id = ANY($2::int[]));

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

-- name: list_maps_by_power
-- The steps (part 0) and edges (part 1) of each power's map in one statement: a step row with
-- the edge's columns null, an edge row (its steps' keys) with the step's columns null.
SELECT s.power_id, 0 AS part, s.position AS first_position, 0 AS second_position,
       s.id, s.key, s.name, s.post_name, s.department_id, s.limit_days, s.counts_toward_limit, s.checks,
       s.position, NULL::text AS source, NULL::text AS target, NULL::text AS condition
FROM process_steps s
WHERE s.power_id = ANY($1::int[])
UNION ALL
SELECT e.power_id, 1, f.position, t.position,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, f.key, t.key, e.condition
FROM process_edges e
JOIN process_steps f ON f.id = e.from_step_id
JOIN process_steps t ON t.id = e.to_step_id
WHERE e.power_id = ANY($1::int[])
ORDER BY power_id, part, first_position, second_position;

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
