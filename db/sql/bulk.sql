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

-- name: get_partition_swap
-- The partition of $1 that holds exactly the value $2 (not the default one), when this role owns
-- it and may swap it for another: the statements that make table $3 beside it, shaped as it is
-- (columns, defaults, checks, storage; no indexes yet), and that later put $3 in its place under
-- its name. All built here from the catalogue's own names.
SELECT c.oid::regclass::text AS partition,
       format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE'
              ' INCLUDING STATISTICS INCLUDING COMPRESSION)', n.nspname, $3::text, c.oid::regclass) AS make,
       n.nspname::text AS schema,
       format('ALTER TABLE %s DETACH PARTITION %s', $1::regclass, c.oid::regclass) AS detach,
       format('DROP TABLE %s', c.oid::regclass) AS drop,
       format('ALTER TABLE %I.%I RENAME TO %I', n.nspname, $3::text, c.relname) AS rename,
       format('ALTER TABLE %s ATTACH PARTITION %I.%I %s', $1::regclass, n.nspname, c.relname,
              pg_get_expr(c.relpartbound, c.oid)) AS attach
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.inhparent = $1::regclass AND c.relkind = 'r' AND pg_has_role(c.relowner, 'USAGE')
  AND pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', $2::text);

-- name: list_fresh_builds
-- What table $2 needs, once its rows are in, to take partition $1's place: each of $1's indexes
-- under a name of its own ($3 and a number; a key or unique constraint as that constraint, since
-- an attached partition's index of a parent's constraint must be one) and how it takes its name
-- back; $1's foreign keys, checked now, except those referring to the tables $4 that are swapped
-- along (attaching checks those); a check of the partition's bound, so that attaching need not
-- scan the rows again, dropped once attached. The checks run before the swap, while readers still
-- read the partitions in place.
SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', $2::regclass, tmp, pg_get_constraintdef(con.oid)) AS build,
       format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', $2::regclass, tmp, con.conname) AS rename,
       NULL AS attached
FROM pg_constraint con
CROSS JOIN LATERAL (SELECT format('%s_%s', $3::text, con.oid)) AS n (tmp)
WHERE con.conrelid = $1::regclass AND con.contype IN ('p', 'u')
UNION ALL
SELECT regexp_replace(pg_get_indexdef(i.indexrelid), '^(CREATE (UNIQUE )?INDEX) \S+ ON \S+ ',
                      format('\1 %I ON %s ', tmp, $2::regclass)),
       format('ALTER INDEX %I RENAME TO %I', tmp, c.relname),
       NULL
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
CROSS JOIN LATERAL (SELECT format('%s_%s', $3::text, i.indexrelid)) AS n (tmp)
WHERE i.indrelid = $1::regclass
  AND NOT EXISTS (SELECT FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = $1::regclass)
UNION ALL
SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', $2::regclass, con.conname, pg_get_constraintdef(con.oid)),
       NULL,
       NULL
FROM pg_constraint con
WHERE con.conrelid = $1::regclass AND con.contype = 'f' AND con.confrelid <> ALL ($4::regclass[])
UNION ALL
SELECT format('ALTER TABLE %s ADD CONSTRAINT %I CHECK %s', $2::regclass, tmp, pg_get_partition_constraintdef($1::regclass)),
       NULL,
       format('ALTER TABLE %s DROP CONSTRAINT %I', $1::regclass, tmp)
FROM (SELECT format('%s_bound', $3::text)) AS n (tmp);
