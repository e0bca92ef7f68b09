-- Bulk open data for third-party sites: published facts only, nothing personal.

-- name: list_powers
-- The nested lists come as JSON text, shaped as the public PowerDetail document shows them.
SELECT p.code, p.name, p.category, d.code AS department_code, d.name AS department_name, p.status,
       p.service_level, p.legal_basis, p.conditions, p.procedure, p.fee_yuan, p.fee_basis,
       p.statutory_limit_days, p.promised_limit_days, p.visits_needed, p.parallel_approval,
       p.consultation_channel, p.complaint_channel, p.published_on, p.updated_at,
       (SELECT coalesce(json_agg(json_build_object('key', s.key, 'name', s.name, 'post', s.post_name,
                                                   'department_code', sd.code, 'limit_days', s.limit_days,
                                                   'counts_toward_limit', s.counts_toward_limit,
                                                   'checks', s.checks) ORDER BY s.position), '[]')
        FROM process_steps s JOIN departments sd ON sd.id = s.department_id
        WHERE s.power_id = p.id)::text AS steps,
       (SELECT coalesce(json_agg(json_build_object('source', f.key, 'target', t.key, 'condition', e.condition)
                                 ORDER BY f.position, t.position), '[]')
        FROM process_edges e JOIN process_steps f ON f.id = e.from_step_id JOIN process_steps t ON t.id = e.to_step_id
        WHERE e.power_id = p.id)::text AS edges,
       (SELECT coalesce(json_agg(json_build_object('name', m.name, 'copies', m.copies,
                                                   'original_required', m.original_required, 'note', m.note)
                                 ORDER BY m.position), '[]')
        FROM power_materials m WHERE m.power_id = p.id)::text AS materials,
       (SELECT coalesce(json_agg(json_build_object('kind', a.kind, 'effective_on', a.effective_on,
                                                   'reason', a.reason, 'document_no', a.document_no,
                                                   'recorded_at', a.recorded_at)
                                 ORDER BY a.effective_on DESC, a.id DESC), '[]')
        FROM power_adjustments a WHERE a.power_id = p.id)::text AS adjustments
FROM powers p JOIN departments d ON d.id = p.department_id
WHERE p.status <> 'draft'
ORDER BY p.code;

-- name: get_powers_modified
-- The newest change the file can see: a power's own row or an adjustment recorded for it (an
-- adjustment carries the materials and maps it changed). Departments, steps and materials carry
-- no time of their own, so a change to them alone does not move this.
SELECT greatest(
    (SELECT max(updated_at) FROM powers WHERE status <> 'draft'),
    (SELECT max(a.recorded_at) FROM power_adjustments a JOIN powers p ON p.id = a.power_id
     WHERE p.status <> 'draft'));

-- name: list_case_statistics
-- Anonymised: counts per power and month of receipt, nothing about any applicant.
SELECT p.code AS power_code, d.code AS department_code, to_char(c.received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month,
       count(*) AS received,
       count(*) FILTER (WHERE c.state IN (11, 12, 13)) AS completed,
       count(*) FILTER (WHERE c.state IN (11, 12, 13) AND (c.promised_due_on IS NULL OR c.completed_on <= c.promised_due_on)) AS on_time,
       count(*) FILTER (WHERE c.state IN (11, 12)) AS approved
FROM cases c JOIN powers p ON p.id = c.power_id JOIN departments d ON d.id = c.department_id
GROUP BY 1, 2, 3
ORDER BY 3, 1;

-- name: get_cases_modified
SELECT max(last_event_at) FROM cases;

-- name: get_fund_year_modified
-- Disbursements are never changed (a correction is a new row), so the newest row of the year's
-- partition says when its figures last changed; read through the primary key (year, id).
SELECT recorded_at FROM disbursements WHERE year = $1 ORDER BY id DESC LIMIT 1;

-- name: list_adjustment_changes
-- The change feed's power adjustments after a keyset position (recorded_at, id), oldest first;
-- only of powers the public can see, and only once a minute old, so that a transaction still open
-- when a reader passes its time cannot add a row behind the reader's cursor.
SELECT a.id, a.recorded_at, a.kind, a.effective_on, a.reason, a.document_no, p.code AS power_code,
       p.name AS power_name, d.code AS department_code
FROM power_adjustments a JOIN powers p ON p.id = a.power_id JOIN departments d ON d.id = p.department_id
WHERE p.status <> 'draft' AND a.recorded_at <= now() - interval '1 minute'
  AND (a.recorded_at, a.id) > ($1::timestamptz, $2::int)
ORDER BY a.recorded_at, a.id
LIMIT $3;

-- name: get_first_case_received
SELECT min(received_at) FROM cases;
