-- Bulk loads into empty tables (db/bulk.py)

-- name: get_may_skip_checks
-- Only a superuser may disable the triggers that check foreign keys.
SELECT current_setting('is_superuser') = 'on';

-- name: list_reference_checks
-- The per-row foreign-key checks of the tables $1 (their partitions included) as ALTER TABLE
-- statements that turn them off ($2 = 'DISABLE') or on again ($2 = 'ENABLE'): built here from the
-- catalogue's own names, never from a caller's text.
SELECT format('ALTER TABLE %s %s TRIGGER %I', t.tgrelid::regclass, $2::text, t.tgname)
FROM unnest($1::regclass[]) AS loaded (relid)
-- The table and, when it is partitioned, its partitions (the rows' triggers are theirs).
CROSS JOIN LATERAL (SELECT loaded.relid UNION SELECT relid FROM pg_partition_tree(loaded.relid)) AS tree (relid)
JOIN pg_trigger t ON t.tgrelid = tree.relid
WHERE t.tgisinternal AND t.tgfoid = 'pg_catalog."RI_FKey_check_ins"'::regproc
ORDER BY t.tgrelid::regclass::text, t.tgname;

-- name: list_reference_violations
-- For each foreign key of the tables $1: a query counting their rows whose key is not in the
-- referenced table (MATCH SIMPLE: a row with a null in its key refers to nothing). One anti-join
-- a key checks what millions of per-row checks would have.
SELECT c.conname::text AS name,
       format('SELECT count(*) FROM %s f WHERE %s AND NOT EXISTS (SELECT FROM %s r WHERE %s)',
              c.conrelid::regclass,
              string_agg(format('f.%I IS NOT NULL', fa.attname), ' AND ' ORDER BY k.n),
              c.confrelid::regclass,
              string_agg(format('r.%I = f.%I', ra.attname, fa.attname), ' AND ' ORDER BY k.n)) AS query
FROM pg_constraint c
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k (fk, rk, n)
JOIN pg_attribute fa ON fa.attrelid = c.conrelid AND fa.attnum = k.fk
JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.rk
WHERE c.contype = 'f' AND c.conparentid = 0 AND c.conrelid = ANY ($1::regclass[])
GROUP BY c.oid, c.conname, c.conrelid, c.confrelid
ORDER BY c.conrelid::regclass::text, c.conname;

-- name: get_analyze_statement
-- ANALYZE takes no parameters: one statement for the tables $1 that exist, their names quoted by
-- the catalogue (NULL when none does).
SELECT 'ANALYZE ' || string_agg(relid::regclass::text, ', ' ORDER BY n)
FROM unnest($1::text[]) WITH ORDINALITY AS loaded (name, n)
CROSS JOIN LATERAL to_regclass(loaded.name) AS relid
WHERE relid IS NOT NULL;
