-- Sample keys of the data as loaded, for people trying the public API (`sunshine demo-keys`):
-- real case numbers, a household, a notice list, a long process map. Each orders by something
-- stable, so the same data gives the same keys.

-- name: list_cases_in_progress
-- The most recently received open cases (not withdrawn, refused or completed).
SELECT case_no, query_code_hash FROM cases
WHERE state IN (1, 3, 6, 7, 8, 9, 10)
ORDER BY received_at DESC, id DESC
LIMIT $1;

-- name: list_cases_ratable
-- Cases completed on time and not rated yet (好差评 once per case), latest first.
SELECT c.case_no, c.query_code_hash FROM cases c
WHERE c.state IN (11, 12, 13) AND c.completed_on <= c.promised_due_on
  AND NOT EXISTS (SELECT 1 FROM case_ratings r WHERE r.case_id = c.id)
ORDER BY c.completed_at DESC, c.id DESC
LIMIT $1;

-- name: list_cases_late
-- Cases completed after their promised due date, latest first.
SELECT case_no, query_code_hash FROM cases
WHERE state IN (11, 12, 13) AND completed_on > promised_due_on
ORDER BY completed_at DESC, id DESC
LIMIT $1;

-- name: get_busiest_holder
-- The first member of the household with the most payments in $1's years, among members whose ID
-- number no one else holds (the real-name lookup reads name and number).
WITH busiest AS (
    SELECT household_id, count(*) AS payments FROM payments
    WHERE year = ANY($1::smallint[])
    GROUP BY household_id
    ORDER BY count(*) DESC, household_id
    LIMIT 50
)
SELECT m.name, m.id_number, b.payments
FROM busiest b
JOIN household_members m ON m.household_id = b.household_id
WHERE NOT EXISTS (SELECT 1 FROM household_members o WHERE o.id_number = m.id_number AND o.id <> m.id)
ORDER BY b.payments DESC, b.household_id, m.id
LIMIT 1;

-- name: get_longest_notice
-- The village, notice-listed fund and month of the latest year with the longest notice list.
SELECT p.village_code, f.code AS fund_code, p.period, count(*) AS entries
FROM payments p
JOIN funds f ON f.id = p.fund_id
WHERE p.year = (SELECT max(year) FROM payments) AND f.disclosure = 'notice'
GROUP BY p.village_code, f.code, p.period
ORDER BY count(*) DESC, p.village_code, f.code, p.period
LIMIT 1;

-- name: get_longest_map
-- The published power whose process map has the most steps.
SELECT p.code, p.name, count(*) AS steps
FROM powers p
JOIN process_steps s ON s.power_id = p.id
WHERE p.status = 'published'
GROUP BY p.id
ORDER BY count(*) DESC, p.code
LIMIT 1;
