-- The facts department performance is scored from, counted per period, the formula's points, and
-- the rankings as published (frozen). The rule these counts follow is written in
-- domain/performance.py; tests/test_performance.py counts the same facts by hand.

-- name: list_performance_rules
SELECT code, points FROM performance_rules;

-- name: list_completed_facts
-- Accepted cases completed in the period (办结通过、容缺通过、不通过).
SELECT department_id, received_at, accepted_on, completed_on, promised_due_on, promised_limit_days,
       paused_days, special_days
FROM cases
WHERE completed_on >= $1 AND completed_on < $2 AND state IN (11, 12, 13) AND accepted_on IS NOT NULL;

-- name: count_late_cases_by_department
-- A late case counts once, in the period its due date fell in (and only once that date has passed).
SELECT department_id, count(*) AS late
FROM cases
WHERE promised_due_on >= $1 AND promised_due_on < $2 AND promised_due_on < $3
  AND (completed_on IS NULL OR completed_on > promised_due_on)
  AND state NOT IN (2, 4, 5, 14)
GROUP BY department_id;

-- name: count_case_cards_by_department
-- Cards on cases, against the department that owns the case, in the period they were raised, by
-- how they count: 'unfounded' (closed as unfounded: nothing), 'serious' (found serious when
-- closed), 'late_case' (a time-limit card, $3, of a case counted late by the rule above: the late
-- case is its deduction), else the card's colour.
SELECT k.department_id,
       CASE
           WHEN c.outcome = 'unfounded' THEN 'unfounded'
           WHEN c.outcome = 'serious' THEN 'serious'
           WHEN c.rule_code = ANY($3::text[]) AND k.promised_due_on < $4 AND k.state NOT IN (2, 4, 5, 14)
                AND (k.completed_on IS NULL OR k.completed_on > k.promised_due_on) THEN 'late_case'
           ELSE c.color
       END AS kind,
       count(*) AS total
FROM cards c
JOIN cases k ON k.id = c.case_id
WHERE c.raised_on >= $1 AND c.raised_on < $2
GROUP BY 1, 2;

-- name: count_subsidy_flags_by_department
-- Red flags on payments and people, against the department that manages the fund (a payment's
-- fund; a person-level flag was raised against its fund's department), in the period raised.
SELECT coalesce(f.department_id, c.department_id) AS department_id,
       CASE WHEN c.outcome IN ('unfounded', 'serious') THEN c.outcome ELSE c.color END AS kind,
       count(*) AS total
FROM cards c
LEFT JOIN payments p ON p.year = c.payment_year AND p.id = c.payment_id
LEFT JOIN funds f ON f.id = p.fund_id
WHERE c.case_id IS NULL AND c.complaint_id IS NULL AND c.raised_on >= $1 AND c.raised_on < $2
GROUP BY 1, 2;

-- name: list_fund_department_ids
SELECT DISTINCT department_id FROM funds ORDER BY department_id;

-- name: count_bad_ratings_by_department
SELECT department_id, count(*) AS total
FROM case_ratings WHERE level >= 4 AND rated_on >= $1 AND rated_on < $2
GROUP BY department_id;

-- name: count_complaints_by_department
SELECT department_id, count(*) AS total
FROM complaints WHERE kind = 'complaint' AND submitted_at >= $1 AND submitted_at < $2 AND department_id IS NOT NULL
GROUP BY department_id;

-- name: get_publication
SELECT period, published_at, rule_version, rules, rows FROM ranking_publications WHERE period = $1;

-- name: insert_publication
-- The first publication of a period stands; a second, concurrent one is dropped.
INSERT INTO ranking_publications (period, period_start, period_end, published_at, rule_version, rules, rows)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (period) DO NOTHING;

-- name: list_publications_after
-- The change feed: publications after a keyset position (published_at, period), oldest first;
-- only once a minute old, as the feed's power adjustments (open_data.sql), so that a publication
-- still being written when a reader passes its time cannot appear behind the reader's cursor.
SELECT period, published_at FROM ranking_publications
WHERE published_at <= now() - interval '1 minute' AND (published_at, period) > ($1::timestamptz, $2::text)
ORDER BY published_at, period
LIMIT $3;
