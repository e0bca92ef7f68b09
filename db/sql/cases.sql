-- Cases (办件), their events and steps, supervision cards, locks and the notification outbox.

-- name: power_terms
SELECT id, code, name, department_id, status, promised_limit_days, statutory_limit_days, fee_yuan
FROM powers
WHERE id = ANY($1::int[]) OR code = ANY($2::text[]);

-- name: event_seen
SELECT 1 FROM case_events WHERE source = $1 AND event_id = $2;

-- name: case_for_update
SELECT * FROM cases WHERE case_no = $1 FOR UPDATE;

-- name: case_by_no
SELECT * FROM cases WHERE case_no = $1;

-- name: cases_by_id
SELECT * FROM cases WHERE id = ANY($1::bigint[]);

-- name: steps_of_cases
SELECT case_id, step_key, started_on, started_at, finished_on, finished_at, staff_no, opinion, paused_before
FROM case_steps
WHERE case_id = ANY($1::bigint[])
ORDER BY case_id, started_at, step_key;

-- name: open_sub_cases
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
                        paused_before)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (case_id, step_key) DO UPDATE
SET finished_on = excluded.finished_on, finished_at = excluded.finished_at, opinion = excluded.opinion;

-- name: insert_event
INSERT INTO case_events (source, event_id, case_id, kind, state_after, step_key, staff_no, occurred_at, payload)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: all_rules
SELECT code, color, enabled, params, description FROM supervision_rules ORDER BY code;

-- name: rule_overrides
SELECT power_id, rule_code, enabled, params FROM supervision_rule_overrides WHERE power_id = ANY($1::int[]);

-- name: insert_card
INSERT INTO cards (case_id, rule_code, color, subject, department_id, staff_no, evidence, raised_at, raised_on)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (case_id, rule_code, subject) DO NOTHING
RETURNING id;

-- name: lock_case
UPDATE cases SET locked = true, updated_at = now() WHERE id = $1 AND NOT locked;

-- name: unlock_case
UPDATE cases SET locked = false, updated_at = now() WHERE id = $1;

-- name: insert_lock_event
INSERT INTO case_lock_events (case_id, card_id, action, actor, note) VALUES ($1, $2, $3, $4, $5);

-- name: approver_of_department
SELECT s.staff_no
FROM staff s LEFT JOIN posts p ON p.id = s.post_id
WHERE s.department_id = $1 AND s.active
ORDER BY (p.name LIKE '%审批%' OR p.name LIKE '%负责人%' OR p.name LIKE '%局长%') DESC, s.staff_no
LIMIT 1;

-- name: insert_notification
INSERT INTO notifications (card_id, recipient, recipient_role, department_id, message)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (card_id, recipient, recipient_role) DO NOTHING;

-- name: open_cases_batch
SELECT * FROM cases
WHERE completed_at IS NULL AND state NOT IN (2, 4, 5, 13, 14, 15) AND id > $1
ORDER BY id
LIMIT $2
FOR UPDATE SKIP LOCKED;

-- name: card_for_update
SELECT c.*, k.case_no FROM cards c LEFT JOIN cases k ON k.id = c.case_id WHERE c.id = $1 FOR UPDATE OF c;

-- name: explain_card
UPDATE cards SET status = 'explained', explanation = $2, explained_by = $3, explained_at = now()
WHERE id = $1;

-- name: close_card
UPDATE cards SET status = 'closed', closed_by = $2, closed_at = now(), closing_note = $3
WHERE id = $1;

-- name: open_red_cards_of_case
SELECT id, status FROM cards WHERE case_id = $1 AND color = 'red' AND status <> 'closed' ORDER BY id;

-- name: cards_of_cases
SELECT c.*, k.case_no FROM cards c LEFT JOIN cases k ON k.id = c.case_id
WHERE c.case_id = ANY($1::bigint[]) ORDER BY c.case_id, c.id;

-- name: lock_events_of_cases
SELECT id, case_id, card_id, action, actor, note, at FROM case_lock_events
WHERE case_id = ANY($1::bigint[]) ORDER BY case_id, id;

-- name: events_of_cases
SELECT id, source, event_id, case_id, kind, state_after, step_key, staff_no, occurred_at, payload
FROM case_events WHERE case_id = ANY($1::bigint[]) ORDER BY case_id, occurred_at, id;

-- name: sub_cases_of
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
SELECT * FROM cases
WHERE completed_at IS NULL AND department_id = $1 AND promised_due_on < $2
  AND ($3::date IS NULL OR (promised_due_on, id) > ($3, $4))
ORDER BY promised_due_on, id
LIMIT $5;

-- name: list_cards
SELECT c.*, k.case_no FROM cards c LEFT JOIN cases k ON k.id = c.case_id
WHERE ($1::int IS NULL OR c.department_id = $1)
  AND ($6::text IS NULL OR ($6 = 'case') = (c.case_id IS NOT NULL))
  AND ($2::text IS NULL OR c.status = $2)
  AND ($3::text IS NULL OR c.color = $3)
  AND ($4::bigint IS NULL OR c.id < $4)
ORDER BY c.id DESC
LIMIT $5;

-- name: due_notifications
SELECT n.*, c.rule_code, c.color, k.case_no
FROM notifications n JOIN cards c ON c.id = n.card_id LEFT JOIN cases k ON k.id = c.case_id
WHERE n.status = 'pending' AND n.next_attempt_at <= now()
ORDER BY n.next_attempt_at, n.id
LIMIT $1
FOR UPDATE OF n SKIP LOCKED;

-- name: record_attempt
INSERT INTO notification_attempts (notification_id, sender, ok, detail) VALUES ($1, $2, $3, $4);

-- name: notification_delivered
UPDATE notifications SET status = 'delivered', attempts = attempts + 1, delivered_at = now() WHERE id = $1;

-- name: notification_retry
UPDATE notifications
SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2),
    status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'pending' END
WHERE id = $1;

-- name: performance_rules
SELECT code, points FROM performance_rules;

-- name: completed_in_period
SELECT department_id, received_at, accepted_on, completed_on, promised_due_on, promised_limit_days,
       paused_days, special_days
FROM cases
WHERE completed_on >= $1 AND completed_on < $2 AND state IN (11, 12, 13);

-- name: late_in_period
-- A late case counts once, in the period its due date fell in (and only once that date has passed).
SELECT department_id, count(*) AS late
FROM cases
WHERE promised_due_on >= $1 AND promised_due_on < $2 AND promised_due_on < $3
  AND (completed_on IS NULL OR completed_on > promised_due_on)
  AND state NOT IN (2, 4, 5, 14)
GROUP BY department_id;

-- name: cards_in_period
SELECT department_id, color, count(*) AS total
FROM cards WHERE raised_on >= $1 AND raised_on < $2
GROUP BY department_id, color;

-- name: rating_of
SELECT case_id, level, comment, rated_at, rated_on, rectify_due_on, rectified_on, rectified_by, rectification
FROM case_ratings WHERE case_id = ANY($1::bigint[]);

-- name: insert_rating
INSERT INTO case_ratings (case_id, level, comment, rated_at, rated_on, department_id, rectify_due_on)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (case_id) DO NOTHING
RETURNING case_id;

-- name: rectify_rating
UPDATE case_ratings SET rectified_on = $2, rectified_by = $3, rectification = $4
WHERE case_id = $1 AND rectify_due_on IS NOT NULL AND rectified_on IS NULL;

-- name: overdue_rectifications
-- Bad ratings still not rectified after their due date, with what a card needs.
SELECT r.case_id, k.case_no, k.department_id, k.handler_staff_no, r.level, r.rated_on, r.rectify_due_on
FROM case_ratings r JOIN cases k ON k.id = r.case_id
WHERE r.rectify_due_on IS NOT NULL AND r.rectified_on IS NULL AND r.rectify_due_on < $1;

-- name: bad_ratings_in_period
SELECT department_id, count(*) AS total
FROM case_ratings WHERE level >= 4 AND rated_on >= $1 AND rated_on < $2
GROUP BY department_id;

-- name: case_progress
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
