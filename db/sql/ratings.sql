-- Ratings of completed cases (好差评) and the rectification of bad ones.

-- name: list_ratings_by_case
SELECT case_id, level, comment, rated_at, rated_on, rectify_due_on, rectified_on, rectified_by, rectification
FROM case_ratings WHERE case_id = ANY($1::bigint[]);

-- name: insert_rating
INSERT INTO case_ratings (case_id, level, comment, rated_at, rated_on, department_id, rectify_due_on)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (case_id) DO NOTHING
RETURNING case_id;

-- name: update_rating_rectified
UPDATE case_ratings SET rectified_on = $2, rectified_by = $3, rectification = $4
WHERE case_id = $1 AND rectify_due_on IS NOT NULL AND rectified_on IS NULL;

-- name: list_overdue_rectifications
-- Bad ratings still not rectified after their due date, with what a card needs.
SELECT r.case_id, k.department_id, k.handler_staff_no, r.level, r.rated_on, r.rectify_due_on
FROM case_ratings r JOIN cases k ON k.id = r.case_id
WHERE r.rectify_due_on IS NOT NULL AND r.rectified_on IS NULL AND r.rectify_due_on < $1;
