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

-- name: update_cards_superseded
-- A red card ($4's rule) supersedes the case's yellow warnings of rules $2 still open: closed by
-- the system at $3 with a note naming the red card.
UPDATE cards SET status = 'closed', closed_by = '电子监察系统', closed_at = $3, closing_note = $5
WHERE case_id = $1 AND rule_code = ANY($2::text[]) AND status <> 'closed' AND id <> $4
RETURNING id;

-- name: get_last_card_id
SELECT coalesce(max(id), 0) FROM cards;

-- name: list_cards_raised_at
-- What one sweep raised: its cards (ids after $1, raised at the sweep's moment $2) by rule and
-- colour, with the locks they put on cases and the notifications they queued.
SELECT c.rule_code, c.color, count(*) AS cards, count(l.id) AS locks, coalesce(sum(n.queued), 0) AS notifications
FROM cards c
LEFT JOIN case_lock_events l ON l.card_id = c.id AND l.action = 'locked'
CROSS JOIN LATERAL (SELECT count(*) AS queued FROM notifications WHERE card_id = c.id) n
WHERE c.id > $1 AND c.raised_at = $2
GROUP BY c.rule_code, c.color
ORDER BY c.color DESC, c.rule_code;

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
