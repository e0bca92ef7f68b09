-- The official working-day calendar, one year at a time.

-- name: list_loaded_years
SELECT year FROM calendar_years ORDER BY year;

-- name: list_years_loaded_in
SELECT year FROM calendar_years WHERE year = ANY($1::int[]);

-- name: insert_year
INSERT INTO calendar_years (year, source) VALUES ($1, $2);

-- name: list_calendar_days
SELECT day, is_working FROM calendar_days ORDER BY day;

-- name: delete_year
-- A year loaded again replaces the one before (its days go with it: ON DELETE CASCADE).
DELETE FROM calendar_years WHERE year = $1 RETURNING year;

-- name: get_open_due_span
-- The earliest and latest due dates of open cases: the years their clocks run into.
SELECT min(least(promised_due_on, statutory_due_on)) AS first_due,
       max(greatest(promised_due_on, statutory_due_on)) AS last_due
FROM cases
WHERE completed_at IS NULL AND state NOT IN (2, 4, 5, 13, 14, 15);

-- name: lock_open_cases_due_from
-- Open cases whose promised or statutory due date falls on or after $1: the cases a calendar for
-- $1's year can move (an earlier due date was counted on days before that year). Locked, and
-- waited for: every one must be recomputed.
SELECT id FROM cases
WHERE completed_at IS NULL AND state NOT IN (2, 4, 5, 13, 14, 15)
  AND greatest(promised_due_on, statutory_due_on) >= $1
ORDER BY id
FOR UPDATE;

-- name: update_case_due_dates
UPDATE cases AS c SET promised_due_on = v.promised, statutory_due_on = v.statutory, updated_at = now()
FROM unnest($1::bigint[], $2::date[], $3::date[]) AS v (id, promised, statutory)
WHERE c.id = v.id;
