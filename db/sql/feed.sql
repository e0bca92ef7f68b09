-- The live supervision feed (migration 0014): events in commit order, and the counts the public
-- big screen shows.

-- name: list_feed_events
-- Events after id $1, oldest first; $2 one department's (NULL: everyone's, for discipline).
SELECT id, kind, department_id, ref_type, ref_id, occurred_at, payload
FROM feed_events
WHERE id > $1 AND ($2::int IS NULL OR department_id = $2)
ORDER BY id
LIMIT $3;

-- name: list_latest_feed_events
-- The newest $2 events, newest first; $1 one department's (NULL: everyone's).
SELECT id, kind, department_id, ref_type, ref_id, occurred_at, payload
FROM feed_events
WHERE ($1::int IS NULL OR department_id = $1)
ORDER BY id DESC
LIMIT $2;

-- name: get_feed_head
SELECT coalesce(max(id), 0) FROM feed_events;

-- name: get_live_case_counts
-- Today's cases ($1 the day's start, $2 the next day's, $3 the day, Beijing time): received,
-- completed (accepted and completed: states 11, 12, 13) and completed by the promised due date;
-- and today's complaints and suggestions.
SELECT
    (SELECT count(*) FROM cases WHERE received_at >= $1 AND received_at < $2) AS received,
    count(*) AS completed,
    count(*) FILTER (WHERE promised_due_on IS NULL OR completed_on <= promised_due_on) AS on_time,
    (SELECT count(*) FROM complaints WHERE submitted_at >= $1 AND submitted_at < $2) AS complaints
FROM cases
WHERE completed_on = $3 AND state IN (11, 12, 13);

-- name: list_open_card_counts
-- Open cards (not closed) by department and colour.
SELECT department_id,
       count(*) FILTER (WHERE color = 'yellow') AS yellow,
       count(*) FILTER (WHERE color = 'red') AS red
FROM cards
WHERE status <> 'closed'
GROUP BY department_id
ORDER BY department_id;

-- name: list_open_flag_counts
-- Open subsidy red flags (on a payment or a person) by the township of the person's village.
SELECT left(h.village_code, 9) AS township_code, count(*) AS flags
FROM cards c
JOIN household_members m ON m.id = c.member_id
JOIN households h ON h.id = m.household_id
WHERE c.status <> 'closed' AND c.member_id IS NOT NULL
GROUP BY 1
ORDER BY 1;
