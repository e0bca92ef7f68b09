-- Drilling down from a subsidy red flag (a card about a payment or a person): the payments behind
-- it, the other holder of a shared ID number, the official it names.

-- name: flag_payments
-- The payments behind card c, for a list of them and for the card list's fund filter alike: a
-- payment-level flag's own payment; for a person-level flag the person's payments that the flag
-- is about (an official's flag: of the fund its subject names; a duplicate benefit: of the funds
-- of the purpose its subject names; a shared or invalid ID number: all of them).
FROM payments p
JOIN funds f ON f.id = p.fund_id
WHERE ((c.payment_id IS NOT NULL AND p.year = c.payment_year AND p.id = c.payment_id)
    OR (c.payment_id IS NULL AND c.member_id IS NOT NULL AND p.member_id = c.member_id
        AND CASE c.rule_code WHEN 'BENEFICIARY_IS_OFFICIAL' THEN f.code = c.subject
                             WHEN 'DUPLICATE_BENEFIT' THEN f.purpose = c.subject
                             ELSE true END))

-- name: list_payments_by_card
-- Up to $2 payments behind each card of $1, newest period first, each with its batch and its
-- disbursement as it stands (the last one no later record corrects).
SELECT c.id AS card_id, x.year, x.id, x.payment_no, x.period, x.amount_yuan, x.land_mu, x.village_code,
       x.fund_code, x.fund_name, b.batch_no, d.disbursed_on, d.amount_yuan AS disbursed_yuan, d.form
FROM cards c
CROSS JOIN LATERAL (
    SELECT p.year, p.id, p.payment_no, p.period, p.amount_yuan, p.land_mu, p.village_code, p.batch_id,
           f.code AS fund_code, f.name AS fund_name
    /*> flag_payments <*/
    ORDER BY p.period DESC, p.id DESC
    LIMIT $2
) x
JOIN payment_batches b ON b.id = x.batch_id
LEFT JOIN LATERAL (
    SELECT d.disbursed_on, d.amount_yuan, d.form FROM disbursements d
    WHERE d.year = x.year AND d.payment_id = x.id
      AND NOT EXISTS (SELECT 1 FROM disbursements n WHERE n.year = d.year AND n.corrects_id = d.id)
    ORDER BY d.id DESC LIMIT 1
) d ON true
WHERE c.id = ANY($1::bigint[])
ORDER BY c.id, x.period DESC, x.id DESC;

-- name: count_payments_by_card
SELECT c.id AS card_id, (SELECT count(*) /*> flag_payments <*/) AS total
FROM cards c WHERE c.id = ANY($1::bigint[]);

-- name: list_other_holders_by_card
-- A shared-ID flag's other holders: members with the flagged person's ID number and another name.
SELECT c.id AS card_id, o.id, o.name, o.id_number, o.deceased_on, h.household_no, h.village_code, h.address
FROM cards c
JOIN household_members m ON m.id = c.member_id
JOIN household_members o ON o.id_number = m.id_number AND o.name <> m.name
JOIN households h ON h.id = o.household_id
WHERE c.id = ANY($1::bigint[]) AND c.rule_code = 'INVALID_OR_SHARED_ID' AND c.subject = 'shared'
ORDER BY c.id, o.id;

-- name: list_officials_by_card
-- An official's flag's officials: those whose own ID number or a declared relative's is the
-- flagged person's, with the relation declared.
SELECT c.id AS card_id, o.id, o.name, o.kind, o.position, o.department_id, o.village_code, r.relation
FROM cards c
JOIN household_members m ON m.id = c.member_id
JOIN (
    SELECT id_number, id AS official_id, '本人' AS relation FROM officials
    UNION ALL
    SELECT id_number, official_id, relation FROM official_relatives
) r ON r.id_number = m.id_number
JOIN officials o ON o.id = r.official_id
WHERE c.id = ANY($1::bigint[]) AND c.rule_code = 'BENEFICIARY_IS_OFFICIAL'
ORDER BY c.id, o.id, r.relation;
