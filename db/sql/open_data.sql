-- Bulk open data for third-party sites: published facts only, nothing personal.

-- name: list_powers
SELECT p.code, p.name, p.category, d.code AS department_code, d.name AS department_name, p.status,
       p.service_level, p.legal_basis, p.conditions, p.fee_yuan, p.fee_basis, p.statutory_limit_days,
       p.promised_limit_days, p.visits_needed, p.parallel_approval, p.published_on,
       (SELECT coalesce(json_agg(json_build_object('key', s.key, 'name', s.name, 'post', s.post_name,
                                                   'limit_days', s.limit_days) ORDER BY s.position), '[]')
        FROM process_steps s WHERE s.power_id = p.id)::text AS steps,
       (SELECT coalesce(json_agg(json_build_array(f.key, t.key) ORDER BY f.position, t.position), '[]')
        FROM process_edges e JOIN process_steps f ON f.id = e.from_step_id JOIN process_steps t ON t.id = e.to_step_id
        WHERE e.power_id = p.id)::text AS edges
FROM powers p JOIN departments d ON d.id = p.department_id
WHERE p.status <> 'draft'
ORDER BY p.code;

-- name: get_powers_modified
SELECT max(updated_at) FROM powers WHERE status <> 'draft';

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
