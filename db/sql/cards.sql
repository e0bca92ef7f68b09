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
SELECT c.*, k.case_no, /*> card_due_on <*/ AS due_on
FROM cards c LEFT JOIN cases k ON k.id = c.case_id LEFT JOIN complaints q ON q.id = c.complaint_id
WHERE c.id = $1 FOR UPDATE OF c;

-- name: update_card_explained
UPDATE cards SET status = 'explained', explanation = $2, explained_by = $3, explained_at = now()
WHERE id = $1;

-- name: update_card_returned
-- Back to the department for a fuller explanation by $2; the explanation it gave stays readable
-- in the case's lock history.
UPDATE cards SET status = 'open', explain_due_on = $2 WHERE id = $1;

-- name: update_card_escalated
UPDATE cards SET escalated_at = now(), escalated_by = $2, escalation_note = $3, explain_due_on = $4
WHERE id = $1;

-- name: update_card_closed
-- $4: what discipline found (upheld / unfounded / serious), which the performance score reads.
UPDATE cards SET status = 'closed', closed_by = $2, closed_at = now(), closing_note = $3, outcome = $4
WHERE id = $1;

-- name: list_open_red_cards_by_case
SELECT id, status FROM cards WHERE case_id = $1 AND color = 'red' AND status <> 'closed' ORDER BY id;

-- name: list_cards_by_case
SELECT c.*, k.case_no, k.promised_due_on AS due_on FROM cards c LEFT JOIN cases k ON k.id = c.case_id
WHERE c.case_id = ANY($1::bigint[]) ORDER BY c.case_id, c.id;

-- name: list_cards_by_id
SELECT c.*, k.case_no, k.promised_due_on AS due_on FROM cards c LEFT JOIN cases k ON k.id = c.case_id
WHERE c.id = ANY($1::bigint[]);

-- name: list_lock_events_by_case
SELECT id, case_id, card_id, action, actor, note, at FROM case_lock_events
WHERE case_id = ANY($1::bigint[]) ORDER BY case_id, id;

-- The officials' card list: one scope (card_scope, below) in three orders, each a keyset on
-- (day, id) that an index serves; db/cards.py puts the scope in where the marker stands.
-- A card's "due" day is when the matter it is about had to be done: a case card's case's promised
-- due date, a complaint card's acceptance deadline, and a subsidy flag's own day (the money is
-- already out, so it is due at once).

-- name: card_due_on
coalesce(k.promised_due_on, q.accept_due_on, c.raised_on)

-- name: card_scope
FROM cards c
LEFT JOIN cases k ON k.id = c.case_id
LEFT JOIN complaints q ON q.id = c.complaint_id
LEFT JOIN household_members m ON m.id = c.member_id
LEFT JOIN households h ON h.id = m.household_id
WHERE ($1::int IS NULL OR c.department_id = $1)
  AND ($2::text IS NULL OR $2 = CASE WHEN c.case_id IS NOT NULL THEN 'case'
                                     WHEN c.complaint_id IS NOT NULL THEN 'complaint' ELSE 'payment' END)
  AND ($3::text IS NULL OR c.rule_code = $3)
  AND ($4::text IS NULL OR c.color = $4)
  AND ($5::text IS NULL OR c.status = $5)
  AND ($6::text IS NULL OR left(coalesce(k.region_code, h.village_code), 9) = $6)
  AND ($7::int IS NULL OR EXISTS (
        SELECT 1 /*> flag_payments <*/ AND p.fund_id = $7))
  AND ($8::date IS NULL OR c.raised_on >= $8)
  AND ($9::date IS NULL OR c.raised_on <= $9)

-- name: count_cards
SELECT count(*) /*> card_scope <*/;

-- name: list_cards_newest
SELECT c.*, k.case_no, /*> card_due_on <*/ AS due_on
/*> card_scope <*/
  AND ($10::date IS NULL OR (c.raised_on, c.id) < ($10, $11::bigint))
ORDER BY c.raised_on DESC, c.id DESC
LIMIT $12;

-- name: list_cards_oldest
SELECT c.*, k.case_no, /*> card_due_on <*/ AS due_on
/*> card_scope <*/
  AND ($10::date IS NULL OR (c.raised_on, c.id) > ($10, $11::bigint))
ORDER BY c.raised_on, c.id
LIMIT $12;

-- name: list_cards_due
SELECT c.*, k.case_no, /*> card_due_on <*/ AS due_on
/*> card_scope <*/
  AND ($10::date IS NULL
       OR (/*> card_due_on <*/, c.id) > ($10, $11::bigint))
ORDER BY /*> card_due_on <*/, c.id
LIMIT $12;

