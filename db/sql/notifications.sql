-- The notification outbox: what a card tells whom, and each attempt to deliver it.

-- name: insert_card_notifications
-- The outbox of newly raised cards ($1), whatever raised them, in card order: the staff the card
-- names (handler), then the department's approver; the department itself only when it has
-- neither. A case card names its case and its rule's label, and a red one says the case is now
-- locked; a subsidy or complaint card gives its rule's description. Labels come from the caller:
-- $2 rule code -> label, $3 colour -> label.
INSERT INTO notifications (card_id, recipient, recipient_role, department_id, message)
SELECT c.id, r.recipient, r.role, c.department_id,
       CASE WHEN c.case_id IS NULL
            THEN '【惠民资金' || ($3::jsonb ->> c.color) || '】' || s.description
            ELSE '【电子监察' || ($3::jsonb ->> c.color) || '】办件 ' || k.case_no || '：'
                 || coalesce($2::jsonb ->> c.rule_code, c.rule_code)
                 || CASE WHEN c.color = 'red' THEN '。办件已锁定，请提交说明，待纪委监委解锁后继续办理' ELSE '' END
       END
FROM cards c
JOIN supervision_rules s ON s.code = c.rule_code
LEFT JOIN cases k ON k.id = c.case_id
LEFT JOIN LATERAL (
    SELECT st.staff_no FROM staff st LEFT JOIN posts po ON po.id = st.post_id
    WHERE st.department_id = c.department_id AND st.active
    ORDER BY (po.name LIKE '%审批%' OR po.name LIKE '%负责人%' OR po.name LIKE '%局长%') DESC, st.staff_no
    LIMIT 1
) a ON true
CROSS JOIN LATERAL (
    VALUES (1, nullif(c.staff_no, ''), 'handler'),
           (2, a.staff_no, 'approver'),
           (3, CASE WHEN nullif(c.staff_no, '') IS NULL AND a.staff_no IS NULL
                    THEN 'dept:' || c.department_id END, 'department')
) r (n, recipient, role)
WHERE c.id = ANY($1::bigint[]) AND r.recipient IS NOT NULL
ORDER BY c.id, r.n
ON CONFLICT (card_id, recipient, recipient_role) DO NOTHING;

-- name: lock_due_notifications
SELECT n.*, c.rule_code, c.color, k.case_no
FROM notifications n JOIN cards c ON c.id = n.card_id LEFT JOIN cases k ON k.id = c.case_id
WHERE n.status = 'pending' AND n.next_attempt_at <= now()
ORDER BY n.next_attempt_at, n.id
LIMIT $1
FOR UPDATE OF n SKIP LOCKED;

-- name: record_attempt
INSERT INTO notification_attempts (notification_id, sender, ok, detail) VALUES ($1, $2, $3, $4);

-- name: get_recipient_failures
-- How often the recipient has failed lately: the most attempts among its notifications pending.
SELECT coalesce(max(attempts), 0) FROM notifications
WHERE department_id = $1 AND recipient = $2 AND status = 'pending';

-- name: update_recipient_deferred
-- The recipient's other pending notifications (all but $4, the one that failed) wait out its
-- backoff ($3 seconds) too, so a failing recipient is tried again later, holding back no one else.
UPDATE notifications SET next_attempt_at = now() + make_interval(secs => $3)
WHERE department_id = $1 AND recipient = $2 AND status = 'pending' AND id <> $4
  AND next_attempt_at < now() + make_interval(secs => $3);

-- name: update_notification_delivered
UPDATE notifications SET status = 'delivered', attempts = attempts + 1, delivered_at = now() WHERE id = $1;

-- name: update_notification_retry
UPDATE notifications
SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2),
    status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'pending' END
WHERE id = $1;

-- Who was told of a card, and whether it reached them (the officials' queries).

-- name: notification_scope
FROM notifications n LEFT JOIN staff st ON st.staff_no = n.recipient
WHERE ($1::int IS NULL OR n.department_id = $1)
  AND ($2::bigint IS NULL OR n.card_id = $2)
  AND ($3::text IS NULL OR n.status = $3)
  AND ($4::text IS NULL OR n.recipient = $4)

-- name: list_notifications
-- Newest first, keyset on id; the recipient's name when the recipient is staff.
SELECT n.*, st.name AS recipient_name
/*> notification_scope <*/
  AND ($5::bigint IS NULL OR n.id < $5)
ORDER BY n.id DESC
LIMIT $6;

-- name: count_notifications
SELECT count(*) /*> notification_scope <*/;

-- name: list_notifications_by_card
SELECT n.*, st.name AS recipient_name
FROM notifications n LEFT JOIN staff st ON st.staff_no = n.recipient
WHERE n.card_id = ANY($1::bigint[])
ORDER BY n.card_id, n.id;

-- name: list_attempts_by_notification
SELECT notification_id, attempted_at, sender, ok, detail FROM notification_attempts
WHERE notification_id = ANY($1::bigint[])
ORDER BY notification_id, id;
