-- The notification outbox: what a card tells whom, and each attempt to deliver it.

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
