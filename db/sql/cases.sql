-- Cases (办件), their steps and events, and the public progress of a case.

-- name: list_power_terms
SELECT id, code, name, department_id, status, promised_limit_days, statutory_limit_days, fee_yuan
FROM powers
WHERE id = ANY($1::int[]) OR code = ANY($2::text[]);

-- name: get_event_fingerprint
-- An empty fingerprint for an event stored before fingerprints were kept (migration 0010).
SELECT coalesce(fingerprint, ''::bytea) FROM case_events WHERE source = $1 AND event_id = $2;

-- name: get_accepted_at
SELECT max(occurred_at) FROM case_events WHERE case_id = $1 AND kind = 'ACCEPTED';

-- name: lock_case_by_no
SELECT * FROM cases WHERE case_no = $1 FOR UPDATE;

-- name: get_case_by_no
SELECT * FROM cases WHERE case_no = $1;

-- name: get_case_bundle_by_no
-- The case with its power and department (prefixed p_ and d_), which nearly every reading shows.
SELECT c.*,
       p.id AS p_id, p.code AS p_code, p.name AS p_name, p.category AS p_category,
       p.department_id AS p_department_id, p.status AS p_status, p.service_level AS p_service_level,
       p.legal_basis AS p_legal_basis, p.conditions AS p_conditions, p.procedure AS p_procedure,
       p.fee_yuan AS p_fee_yuan, p.fee_basis AS p_fee_basis, p.statutory_limit_days AS p_statutory_limit_days,
       p.promised_limit_days AS p_promised_limit_days, p.visits_needed AS p_visits_needed,
       p.parallel_approval AS p_parallel_approval, p.consultation_channel AS p_consultation_channel,
       p.complaint_channel AS p_complaint_channel, p.internal_note AS p_internal_note,
       p.published_on AS p_published_on, p.updated_at AS p_updated_at,
       d.id AS d_id, d.code AS d_code, d.name AS d_name, d.short_name AS d_short_name,
       d.region_code AS d_region_code, d.service_level AS d_service_level, d.hall AS d_hall,
       d.phone AS d_phone, d.address AS d_address
FROM cases c
JOIN powers p ON p.id = c.power_id
JOIN departments d ON d.id = c.department_id
WHERE c.case_no = $1;

-- name: list_cases_by_id
SELECT * FROM cases WHERE id = ANY($1::bigint[]);

-- name: list_steps_by_case
SELECT case_id, step_key, started_on, started_at, finished_on, finished_at, staff_no, opinion, paused_before,
       finished_by
FROM case_steps
WHERE case_id = ANY($1::bigint[])
ORDER BY case_id, started_at, step_key;

-- name: count_open_sub_cases
SELECT count(*) FROM cases WHERE lead_case_id = $1 AND completed_at IS NULL;

-- name: insert_case
INSERT INTO cases (case_no, query_code_hash, power_id, department_id, lead_case_id, applicant_kind,
                   applicant_name, applicant_id_number, applicant_phone, applicant_address, region_code,
                   channel, received_at, state, promised_limit_days, statutory_limit_days,
                   promised_due_on, statutory_due_on, handler_staff_no, last_event_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $13)
RETURNING id;

-- name: update_case
UPDATE cases SET
    state = $2, accepted_on = $3, resume_state = $4, paused_since = $5, paused_days = $6,
    special_days = $7, promised_due_on = $8, statutory_due_on = $9, current_step_key = $10,
    fee_charged_yuan = $11, completed_at = $12, completed_on = $13, refusal_reason = $14,
    handler_staff_no = $15, last_event_at = greatest(last_event_at, $16), updated_at = now()
WHERE id = $1;

-- name: upsert_step
INSERT INTO case_steps (case_id, step_key, started_on, started_at, finished_on, finished_at, staff_no, opinion,
                        paused_before, finished_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (case_id, step_key) DO UPDATE
SET finished_on = excluded.finished_on, finished_at = excluded.finished_at, opinion = excluded.opinion,
    finished_by = excluded.finished_by;

-- name: insert_event
INSERT INTO case_events (source, event_id, case_id, kind, state_after, step_key, staff_no, occurred_at, payload,
                         fingerprint)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: lock_open_cases
SELECT * FROM cases
WHERE completed_at IS NULL AND state NOT IN (2, 4, 5, 13, 14, 15) AND id > $1
ORDER BY id
LIMIT $2
FOR UPDATE SKIP LOCKED;

-- name: list_events_by_case
SELECT id, source, event_id, case_id, kind, state_after, step_key, staff_no, occurred_at, payload
FROM case_events WHERE case_id = ANY($1::bigint[]) ORDER BY case_id, occurred_at, id;

-- name: list_sub_cases_by_lead
SELECT * FROM cases WHERE lead_case_id = ANY($1::bigint[]) ORDER BY lead_case_id, id;

-- name: list_cases
SELECT * FROM cases
WHERE ($1::int IS NULL OR department_id = $1)
  AND ($2::smallint IS NULL OR state = $2)
  AND ($3::int IS NULL OR power_id = $3)
  AND ($4::date IS NULL OR (completed_at IS NULL AND promised_due_on < $4))
  AND ($5::text IS NULL OR EXISTS (
        SELECT 1 FROM cards c WHERE c.case_id = cases.id AND c.color = $5 AND c.status <> 'closed'))
  AND ($6::bigint IS NULL OR id < $6)
ORDER BY id DESC
LIMIT $7;

-- name: list_overdue_cases
-- Open cases past their promised due date, of one department ($1) or all, of one township ($6,
-- the case's region code starting with it) or all, most overdue first; a county-wide page reads
-- cases_open_due_idx, a department's cases_department_open_idx.
SELECT * FROM cases
WHERE completed_at IS NULL AND ($1::int IS NULL OR department_id = $1) AND promised_due_on < $2
  AND ($6::text IS NULL OR left(region_code, 9) = $6)
  AND ($3::date IS NULL OR (promised_due_on, id) > ($3, $4::bigint))
ORDER BY promised_due_on, id
LIMIT $5;

-- name: count_overdue_cases
SELECT count(*) FROM cases
WHERE completed_at IS NULL AND ($1::int IS NULL OR department_id = $1) AND promised_due_on < $2
  AND ($3::text IS NULL OR left(region_code, 9) = $3);

-- name: get_case_progress_by_no
-- Everything the public progress query shows, in one round trip (the vetted CaseStatus document).
SELECT c.*,
       p.code AS power_code, p.name AS power_name, p.promised_limit_days AS power_promised_limit_days,
       d.name AS department_name, d.phone AS department_phone,
       (SELECT s.name FROM process_steps s
        WHERE s.power_id = c.power_id AND s.key = c.current_step_key) AS current_step_name,
       (SELECT json_agg(json_build_object('step_key', cs.step_key, 'step_name', coalesce(s.name, cs.step_key),
                                          'started_on', cs.started_on, 'finished_on', cs.finished_on)
                        ORDER BY cs.started_at, cs.step_key)
        FROM case_steps cs LEFT JOIN process_steps s ON s.power_id = c.power_id AND s.key = cs.step_key
        WHERE cs.case_id = c.id) AS timeline,
       (SELECT json_agg(json_build_object('case_no', sc.case_no, 'state', sc.state,
                                          'department_name', sd.name)
                        ORDER BY sc.id)
        FROM cases sc JOIN departments sd ON sd.id = sc.department_id
        WHERE sc.lead_case_id = c.id) AS sub_cases
FROM cases c JOIN powers p ON p.id = c.power_id JOIN departments d ON d.id = c.department_id
WHERE c.case_no = $1;

-- name: lock_case_number
-- Events of one case number are applied one at a time across requests, the first (RECEIVED)
-- included, before the row exists: a lock on the number, held to the end of the transaction.
SELECT pg_advisory_xact_lock(hashtextextended($1, 0));
