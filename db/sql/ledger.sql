-- The subsidy ledger as files write it (services/subsidy_load.py): funds, households, batches
-- through their stages, payments and their disbursements. Records are never changed: a second
-- record names the one it corrects.

-- name: insert_fund
INSERT INTO funds (code, name, fund_type, purpose, policy_basis, standard_yuan, standard_unit, standard_note,
                   department_id, disburse_within_days, disclosure)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (code) DO NOTHING;

-- name: list_village_codes
SELECT code FROM regions WHERE level = 3;

-- name: insert_household
INSERT INTO households (household_no, village_code, address, land_mu) VALUES ($1, $2, $3, $4) ON CONFLICT (household_no) DO NOTHING RETURNING id;

-- name: insert_members
INSERT INTO household_members (household_id, name, id_number, relation, is_head, deceased_on) VALUES ($1, $2, $3, $4, $5, $6);

-- name: list_funds_by_department
SELECT id, code FROM funds WHERE department_id = $1;

-- name: get_batch_by_no
SELECT id, fund_id FROM payment_batches WHERE batch_no = $1;

-- name: has_township
SELECT 1 FROM regions WHERE code = $1 AND level = 2;

-- name: insert_batch
INSERT INTO payment_batches (batch_no, fund_id, township_code, period) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: get_last_stage_on
SELECT max(stage_on) FROM batch_stages WHERE batch_id = $1 AND stage = $2;

-- name: get_latest_stage
SELECT id, stage_on, amount_yuan FROM batch_stages WHERE batch_id = $1 AND stage = $2 ORDER BY id DESC LIMIT 1;

-- name: insert_batch_stage
INSERT INTO batch_stages (batch_id, stage, stage_on, amount_yuan, recorded_by, corrects_id)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: get_member_in_household
SELECT m.id, m.household_id, h.village_code FROM household_members m JOIN households h ON h.id = m.household_id WHERE h.household_no = $1 AND m.id_number = $2;

-- name: get_payment_by_no
SELECT id FROM payments WHERE year = $1 AND payment_no = $2;

-- name: insert_payment
INSERT INTO payments (year, payment_no, batch_id, fund_id, household_id, member_id, village_code, period, amount_yuan, land_mu) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id;

-- name: get_last_disbursement
SELECT id, disbursed_on, amount_yuan, form FROM disbursements WHERE year = $1 AND payment_id = $2
ORDER BY id DESC LIMIT 1;

-- name: insert_disbursement
INSERT INTO disbursements (year, payment_id, disbursed_on, amount_yuan, form, recorded_by, corrects_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id;
