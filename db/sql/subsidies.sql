-- Subsidy funds: the catalogue, households, the four monitoring points, red flags, the public
-- lookup, notice lists and aggregates.

-- name: list_funds
SELECT id, code, name, fund_type, purpose, policy_basis, standard_yuan, standard_unit, standard_note,
       department_id, disburse_within_days, disclosure
FROM funds ORDER BY id;

-- name: get_fund_by_code
SELECT id, code, name, fund_type, purpose, policy_basis, standard_yuan, standard_unit, standard_note,
       department_id, disburse_within_days, disclosure
FROM funds WHERE code = $1;

-- name: list_members_by_id_number
SELECT m.id, m.household_id, m.name, m.id_number, m.relation, m.is_head, m.deceased_on,
       h.household_no, h.village_code, h.address, h.land_mu
FROM household_members m JOIN households h ON h.id = m.household_id
WHERE m.id_number = $1;

-- name: list_payments_by_household
-- The seeds' six facts of each disbursement to a household: standard, beneficiary, date, form,
-- address, amount (the latest record of each payment, corrections applied); newest first, keyset
-- on (period, id) after the page before ($3, $4; both null for the first page).
SELECT p.id AS payment_id, p.period, f.name AS fund_name, f.standard_yuan, f.standard_unit, f.standard_note,
       m.name AS beneficiary, h.address, d.disbursed_on, d.form, d.amount_yuan
FROM payments p
JOIN funds f ON f.id = p.fund_id
JOIN household_members m ON m.id = p.member_id
JOIN households h ON h.id = p.household_id
JOIN LATERAL (
    SELECT disbursed_on, form, amount_yuan FROM disbursements d
    WHERE d.year = p.year AND d.payment_id = p.id ORDER BY d.id DESC LIMIT 1
) d ON true
WHERE p.household_id = $1 AND p.year = ANY($2::smallint[])
  AND ($3::date IS NULL OR (p.period, p.id) < ($3, $4::bigint))
ORDER BY p.period DESC, p.id DESC
LIMIT $5;

-- name: list_notice_entries
-- A village's public notice list (公示名单) for one fund and period, keyset by payment id.
SELECT p.id, p.payment_no, p.period, m.name, m.id_number, h.address, p.amount_yuan, p.land_mu
FROM payments p
JOIN household_members m ON m.id = p.member_id
JOIN households h ON h.id = p.household_id
WHERE p.year = $1 AND p.village_code = $2 AND p.fund_id = $3 AND p.period = $4 AND p.id > $5
ORDER BY p.id
LIMIT $6;

-- name: list_aggregates
-- Amounts and beneficiary counts by fund and region (township or village) for a year or by month,
-- read from the cells kept for exactly these questions (migration 0013); groups under the minimum
-- size are withheld by the caller. A township's own row and its villages' rows share its prefix.
SELECT fund_id, region_code, period, amount_yuan, beneficiaries, payments
FROM subsidy_aggregates
WHERE span = CASE WHEN $4 THEN 'month' ELSE 'year' END
  AND length(region_code) = CASE WHEN $3 = 'village' THEN 12 ELSE 9 END
  AND period >= make_date($1::int, 1, 1) AND period < make_date($1::int + 1, 1, 1)
  AND ($2::varchar IS NULL OR region_code BETWEEN $2 AND $2 || '999')
  AND ($5::int IS NULL OR fund_id = $5)
ORDER BY fund_id, region_code, period;

-- name: lock_aggregates
-- One writer of the statistics at a time, until its transaction ends: a writer that waited here
-- then sees the payments the one before it committed, so no person is counted twice.
SELECT pg_advisory_xact_lock(hashtext('sunshine-subsidy-aggregates'));

-- name: update_aggregates
-- Payments just inserted ($1 years, $2 ids, pairwise) added to the four cells each counts in (its
-- village and township, by period and by year): amounts and lines add up; a person is one more
-- beneficiary of a cell only when none of their other lines is in it already.
WITH new AS MATERIALIZED (
    SELECT p.year, p.id, p.fund_id, p.member_id, p.village_code, p.period, p.amount_yuan
    FROM payments p
    WHERE (p.year, p.id) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))
),
cells AS (
    SELECT n.fund_id, c.region_code, c.span, c.period, n.member_id, n.amount_yuan,
           EXISTS (
               SELECT 1 FROM payments q
               WHERE q.member_id = n.member_id AND q.year = n.year AND q.fund_id = n.fund_id
                 AND (c.span = 'year' OR q.period = n.period)
                 AND left(q.village_code, length(c.region_code)) = c.region_code
                 AND (q.year, q.id) NOT IN (SELECT year, id FROM new)
           ) AS counted_already
    FROM new n
    CROSS JOIN LATERAL (VALUES
        (n.village_code::text, 'month', n.period),
        (n.village_code::text, 'year', make_date(n.year, 1, 1)),
        (left(n.village_code, 9), 'month', n.period),
        (left(n.village_code, 9), 'year', make_date(n.year, 1, 1))
    ) AS c (region_code, span, period)
)
INSERT INTO subsidy_aggregates AS a (fund_id, region_code, span, period, amount_yuan, payments, beneficiaries)
SELECT fund_id, region_code, span, period, sum(amount_yuan), count(*),
       count(DISTINCT member_id) FILTER (WHERE NOT counted_already)
FROM cells
GROUP BY fund_id, region_code, span, period
ON CONFLICT (span, region_code, period, fund_id) DO UPDATE
SET amount_yuan = a.amount_yuan + excluded.amount_yuan,
    payments = a.payments + excluded.payments,
    beneficiaries = a.beneficiaries + excluded.beneficiaries;

-- name: rebuild_aggregates
-- Every cell recomputed from all payments (after a bulk load; migration 0013 defines it).
SELECT sunshine_rebuild_subsidy_aggregates();

-- name: get_min_group_size
SELECT value FROM disclosure_settings WHERE key = 'min_group_size';

-- name: insert_flag_cards_paid_after_death
INSERT INTO cards (payment_year, payment_id, member_id, rule_code, color, subject, department_id, staff_no,
                   evidence, raised_at, raised_on)
SELECT p.year, p.id, p.member_id, 'PAID_AFTER_DEATH', $4, '', f.department_id, d.recorded_by,
       jsonb_build_object('deceased_on', m.deceased_on, 'disbursed_on', d.disbursed_on,
                          'amount_yuan', d.amount_yuan::text, 'fund', f.name, 'period', p.period),
       $3::timestamptz, ($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date
FROM payments p
JOIN household_members m ON m.id = p.member_id
JOIN funds f ON f.id = p.fund_id
JOIN disbursements d ON d.year = p.year AND d.payment_id = p.id
WHERE p.year = ANY($1::smallint[]) AND p.period >= $2::date AND m.deceased_on IS NOT NULL
  AND d.disbursed_on > m.deceased_on
  AND NOT EXISTS (SELECT 1 FROM disbursements c WHERE c.year = d.year AND c.corrects_id = d.id)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: insert_flag_cards_beneficiary_is_official
-- The registry is small: first the people it names (officials and declared relatives), then
-- their payments.
INSERT INTO cards (member_id, rule_code, color, subject, department_id, staff_no, evidence, raised_at, raised_on)
SELECT DISTINCT ON (m.id, f.code) m.id, 'BENEFICIARY_IS_OFFICIAL', $4, f.code, f.department_id, NULL,
       jsonb_build_object('fund', f.name, 'official', o.name, 'position', o.position, 'kind', o.kind,
                          'relation', r.relation),
       $3::timestamptz, ($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date
FROM (
    SELECT id_number, id AS official_id, '本人' AS relation FROM officials
    UNION ALL
    SELECT id_number, official_id, relation FROM official_relatives
) r
JOIN officials o ON o.id = r.official_id
JOIN household_members m ON m.id_number = r.id_number
JOIN payments p ON p.member_id = m.id
JOIN funds f ON f.id = p.fund_id
WHERE p.year = ANY($1::smallint[]) AND p.period >= $2::date
ORDER BY m.id, f.code, o.id
ON CONFLICT DO NOTHING
RETURNING id;

-- name: insert_flag_cards_duplicate_benefit
-- Only the funds of a purpose that more than one fund serves can be paid twice for it: the others'
-- payments (most of them) are not grouped at all.
INSERT INTO cards (member_id, rule_code, color, subject, department_id, staff_no, evidence, raised_at, raised_on)
SELECT member_id, 'DUPLICATE_BENEFIT', $4, purpose, min(department_id), NULL,
       jsonb_build_object('purpose', purpose, 'funds', min(fund_names), 'first_period', min(period)),
       $3::timestamptz, ($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date
FROM (
    SELECT p.member_id, f.purpose, p.period, min(f.department_id) AS department_id,
           string_agg(DISTINCT f.name, '、') AS fund_names
    FROM payments p JOIN funds f ON f.id = p.fund_id
    WHERE p.year = ANY($1::smallint[]) AND p.period >= $2::date
      AND f.purpose IN (SELECT purpose FROM funds GROUP BY purpose HAVING count(*) > 1)
    GROUP BY p.member_id, f.purpose, p.period
    HAVING count(DISTINCT p.fund_id) > 1
) x
GROUP BY member_id, purpose
ON CONFLICT DO NOTHING
RETURNING id;

-- name: insert_flag_cards_above_standard
INSERT INTO cards (payment_year, payment_id, member_id, rule_code, color, subject, department_id, staff_no,
                   evidence, raised_at, raised_on)
SELECT p.year, p.id, p.member_id, 'ABOVE_STANDARD', $4, '', f.department_id, d.recorded_by,
       jsonb_build_object('amount_yuan', greatest(p.amount_yuan, coalesce(d.amount_yuan, 0))::text,
                          'standard_yuan', f.standard_yuan::text, 'unit', f.standard_unit,
                          'land_mu_paid', p.land_mu, 'land_mu_held', h.land_mu),
       $3::timestamptz, ($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date
FROM payments p
JOIN funds f ON f.id = p.fund_id
JOIN households h ON h.id = p.household_id
LEFT JOIN disbursements d ON d.year = p.year AND d.payment_id = p.id
WHERE p.year = ANY($1::smallint[]) AND p.period >= $2::date
  AND (
      greatest(p.amount_yuan, coalesce(d.amount_yuan, 0)) >
          CASE WHEN f.standard_unit = 'mu_year' THEN f.standard_yuan * h.land_mu ELSE f.standard_yuan END
      OR (f.standard_unit = 'mu_year' AND coalesce(p.land_mu, 0) > h.land_mu)
  )
ON CONFLICT DO NOTHING
RETURNING id;

-- name: insert_flag_cards_invalid_or_shared_id
-- The suspicious people first (a bad check character, or one ID under two names), then whether
-- they were paid in the period.
INSERT INTO cards (member_id, rule_code, color, subject, department_id, staff_no, evidence, raised_at, raised_on)
SELECT DISTINCT ON (x.id) x.id, 'INVALID_OR_SHARED_ID', $4, x.problem, f.department_id, NULL,
       jsonb_build_object('problem', x.problem, 'id_number_valid', x.problem <> 'invalid'),
       $3::timestamptz, ($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date
FROM (
    SELECT m.id, 'invalid' AS problem FROM household_members m WHERE NOT sunshine_id_number_valid(m.id_number)
    UNION ALL
    SELECT m.id, 'shared' FROM household_members m
    JOIN (SELECT id_number FROM household_members GROUP BY id_number HAVING count(DISTINCT name) > 1) s
      ON s.id_number = m.id_number
) x
JOIN payments p ON p.member_id = x.id
JOIN funds f ON f.id = p.fund_id
WHERE p.year = ANY($1::smallint[]) AND p.period >= $2::date
ORDER BY x.id, x.problem DESC, p.id
ON CONFLICT DO NOTHING
RETURNING id;

-- name: insert_flag_cards_late_disbursement
-- Each batch's deadline is worked out once (its latest allocation plus the fund's working days);
-- a payment is late when its first disbursement came after it, or it has none and the deadline
-- has passed.
WITH deadline AS MATERIALIZED (  -- once per batch, not once per payment
    SELECT a.batch_id, a.stage_on AS allocated_on, a.recorded_by, f.department_id, f.disburse_within_days,
           sunshine_add_working_days(a.stage_on, f.disburse_within_days) AS due_on
    FROM (
        SELECT DISTINCT ON (s.batch_id) s.batch_id, s.stage_on, s.recorded_by
        FROM batch_stages s WHERE s.stage = 'allocation' ORDER BY s.batch_id, s.id DESC
    ) a
    JOIN payment_batches b ON b.id = a.batch_id
    JOIN funds f ON f.id = b.fund_id
    WHERE b.period >= $2::date
)
INSERT INTO cards (payment_year, payment_id, member_id, rule_code, color, subject, department_id, staff_no,
                   evidence, raised_at, raised_on)
SELECT p.year, p.id, p.member_id, 'LATE_DISBURSEMENT', $4, '', dl.department_id,
       coalesce(d.recorded_by, dl.recorded_by),
       jsonb_build_object('allocated_on', dl.allocated_on, 'due_on', dl.due_on, 'disbursed_on', d.disbursed_on,
                          'allowed_working_days', dl.disburse_within_days),
       $3::timestamptz, ($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date
FROM payments p
JOIN deadline dl ON dl.batch_id = p.batch_id
LEFT JOIN disbursements d ON d.year = p.year AND d.payment_id = p.id AND d.corrects_id IS NULL
WHERE p.year = ANY($1::smallint[]) AND p.period >= $2::date
  AND coalesce(d.disbursed_on, ($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date) > dl.due_on
ON CONFLICT DO NOTHING
RETURNING id;


-- Drilling down from a red flag (discipline, or the fund's department).

-- name: list_members_by_id
SELECT m.id, m.household_id, m.name, m.id_number, m.relation, m.is_head, m.deceased_on,
       h.household_no, h.village_code, h.address, h.land_mu
FROM household_members m JOIN households h ON h.id = m.household_id
WHERE m.id = ANY($1::bigint[]);

-- name: list_trail_by_payment
-- A payment's four monitoring points: its batch's stages and its disbursements, each with who
-- recorded it (and that person's name when they are staff).
SELECT 'batch' AS source, s.stage, s.stage_on AS on_day, s.amount_yuan, NULL AS form, s.recorded_by,
       st.name AS recorded_by_name, s.corrects_id, s.id
FROM payments p
JOIN batch_stages s ON s.batch_id = p.batch_id
LEFT JOIN staff st ON st.staff_no = s.recorded_by
WHERE p.year = $1 AND p.id = $2
UNION ALL
SELECT 'payment', 'disbursement', d.disbursed_on, d.amount_yuan, d.form, d.recorded_by, st.name, d.corrects_id, d.id
FROM disbursements d
LEFT JOIN staff st ON st.staff_no = d.recorded_by
WHERE d.year = $1 AND d.payment_id = $2
ORDER BY on_day, id;

-- name: list_payments_by_ref
-- $1, $2: the payments' years and ids, pairwise (the year prunes the partitions).
SELECT p.id, p.year, p.payment_no, p.period, p.amount_yuan, p.land_mu, f.name AS fund_name, b.batch_no
FROM payments p JOIN funds f ON f.id = p.fund_id JOIN payment_batches b ON b.id = p.batch_id
WHERE (p.year, p.id) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]));
