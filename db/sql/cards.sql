-- Electronic supervision: the rules, the cards they raise and the locks red cards put on cases.

-- name: list_rules
SELECT code, color, enabled, params, description FROM supervision_rules ORDER BY code;

-- name: list_rule_overrides_by_power
SELECT power_id, rule_code, enabled, params FROM supervision_rule_overrides WHERE power_id = ANY($1::int[]);

-- name: insert_card
INSERT INTO cards (case_id, rule_code, color, subject, department_id, staff_no, evidence, raised_at, raised_on)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (case_id, rule_code, subject) DO NOTHING
RETURNING id;

-- name: update_case_locked
UPDATE cases SET locked = true, updated_at = now() WHERE id = $1 AND NOT locked;

-- name: update_case_unlocked
UPDATE cases SET locked = false, updated_at = now() WHERE id = $1;

-- name: insert_lock_event
INSERT INTO case_lock_events (case_id, card_id, action, actor, note) VALUES ($1, $2, $3, $4, $5);

-- name: lock_card
SELECT c.*, k.case_no FROM cards c LEFT JOIN cases k ON k.id = c.case_id WHERE c.id = $1 FOR UPDATE OF c;

-- name: update_card_explained
UPDATE cards SET status = 'explained', explanation = $2, explained_by = $3, explained_at = now()
WHERE id = $1;

-- name: update_card_closed
UPDATE cards SET status = 'closed', closed_by = $2, closed_at = now(), closing_note = $3
WHERE id = $1;

-- name: list_open_red_cards_by_case
SELECT id, status FROM cards WHERE case_id = $1 AND color = 'red' AND status <> 'closed' ORDER BY id;

-- name: list_cards_by_case
SELECT c.*, k.case_no FROM cards c LEFT JOIN cases k ON k.id = c.case_id
WHERE c.case_id = ANY($1::bigint[]) ORDER BY c.case_id, c.id;

-- name: list_lock_events_by_case
SELECT id, case_id, card_id, action, actor, note, at FROM case_lock_events
WHERE case_id = ANY($1::bigint[]) ORDER BY case_id, id;

-- name: list_cards
SELECT c.*, k.case_no FROM cards c LEFT JOIN cases k ON k.id = c.case_id
WHERE ($1::int IS NULL OR c.department_id = $1)
  AND ($6::text IS NULL OR ($6 = 'case') = (c.case_id IS NOT NULL))
  AND ($2::text IS NULL OR c.status = $2)
  AND ($3::text IS NULL OR c.color = $3)
  AND ($4::bigint IS NULL OR c.id < $4)
ORDER BY c.id DESC
LIMIT $5;
