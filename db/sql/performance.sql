-- The facts department performance is scored from, counted per period, and the formula's points.

-- name: list_performance_rules
SELECT code, points FROM performance_rules;

-- name: list_completed_facts
SELECT department_id, received_at, accepted_on, completed_on, promised_due_on, promised_limit_days,
       paused_days, special_days
FROM cases
WHERE completed_on >= $1 AND completed_on < $2 AND state IN (11, 12, 13);

-- name: count_late_cases_by_department
-- A late case counts once, in the period its due date fell in (and only once that date has passed).
SELECT department_id, count(*) AS late
FROM cases
WHERE promised_due_on >= $1 AND promised_due_on < $2 AND promised_due_on < $3
  AND (completed_on IS NULL OR completed_on > promised_due_on)
  AND state NOT IN (2, 4, 5, 14)
GROUP BY department_id;

-- name: count_cards_by_department_and_color
SELECT department_id, color, count(*) AS total
FROM cards WHERE raised_on >= $1 AND raised_on < $2
GROUP BY department_id, color;

-- name: count_bad_ratings_by_department
SELECT department_id, count(*) AS total
FROM case_ratings WHERE level >= 4 AND rated_on >= $1 AND rated_on < $2
GROUP BY department_id;

-- name: count_complaints_by_department
SELECT department_id, count(*) AS total
FROM complaints WHERE kind = 'complaint' AND submitted_at >= $1 AND submitted_at < $2 AND department_id IS NOT NULL
GROUP BY department_id;
