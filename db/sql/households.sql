-- A household's dossier for discipline and its township: the household, its members, every
-- payment to it with the stages of the payment's batch, and the red flags on it.

-- name: get_household_by_no
SELECT id, household_no, village_code, address, land_mu FROM households WHERE household_no = $1;

-- name: get_household_by_member_id_number
-- The household of the member holding an ID number (a number shared by two households, itself a
-- red flag, answers the first recorded).
SELECT h.id, h.household_no, h.village_code, h.address, h.land_mu
FROM households h JOIN household_members m ON m.household_id = h.id
WHERE m.id_number = $1
ORDER BY m.id
LIMIT 1;

-- name: list_members_by_household
SELECT id, name, id_number, relation, is_head, deceased_on
FROM household_members WHERE household_id = $1
ORDER BY is_head DESC, id;

-- name: list_payments_by_household
-- Every payment to the household, of any year, newest period first; keyset on (period, id) below
-- the page before ($2, $3; both null for the first page).
SELECT p.year, p.id, p.payment_no, p.period, p.amount_yuan, p.land_mu, p.member_id, m.name AS member_name,
       p.batch_id, b.batch_no, f.code AS fund_code, f.name AS fund_name, f.department_id
FROM payments p
JOIN payment_batches b ON b.id = p.batch_id
JOIN funds f ON f.id = p.fund_id
JOIN household_members m ON m.id = p.member_id
WHERE p.household_id = $1
  AND ($2::date IS NULL OR (p.period, p.id) < ($2, $3::bigint))
ORDER BY p.period DESC, p.id DESC
LIMIT $4;

-- name: count_payments_by_household
SELECT count(*) FROM payments WHERE household_id = $1;

-- name: list_stages_by_batches
-- The batch's three monitoring points (plan, approval, allocation), corrections included, with
-- who recorded each (and that person's name when they are staff) and when.
SELECT s.batch_id, s.id, s.stage, s.stage_on, s.amount_yuan, s.recorded_by, st.name AS recorded_by_name,
       s.recorded_at, s.corrects_id, s.note
FROM batch_stages s
LEFT JOIN staff st ON st.staff_no = s.recorded_by
WHERE s.batch_id = ANY($1::bigint[])
ORDER BY s.batch_id, s.stage_on, s.id;

-- name: list_disbursements_by_payments
-- The fourth monitoring point, disbursement to the household, corrections included.
SELECT d.year, d.payment_id, d.id, d.disbursed_on, d.amount_yuan, d.form, d.recorded_by,
       st.name AS recorded_by_name, d.recorded_at, d.corrects_id, d.note
FROM disbursements d
JOIN unnest($1::smallint[], $2::bigint[]) AS k (year, payment_id)
  ON d.year = k.year AND d.payment_id = k.payment_id
LEFT JOIN staff st ON st.staff_no = d.recorded_by
ORDER BY d.year, d.payment_id, d.disbursed_on, d.id;

-- name: list_flags_by_household
-- Red flags raised on the household's members or on payments to it, newest first.
SELECT c.id, c.rule_code, c.color, c.status, c.raised_on, c.department_id, p.payment_no, c.member_id
FROM cards c
LEFT JOIN payments p ON p.year = c.payment_year AND p.id = c.payment_id
WHERE c.member_id IN (SELECT id FROM household_members WHERE household_id = $1)
   OR (c.payment_id IS NOT NULL AND p.household_id = $1)
ORDER BY c.raised_on DESC, c.id DESC;
