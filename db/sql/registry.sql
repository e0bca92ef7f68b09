-- The registry of officials, village cadres and their declared relatives (the red flags read it).

-- name: get_official_id_by_id_number
SELECT id FROM officials WHERE id_number = $1 ORDER BY id LIMIT 1;

-- name: insert_official
INSERT INTO officials (name, id_number, kind, department_id, village_code, position)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: has_relative
SELECT EXISTS (SELECT 1 FROM official_relatives WHERE official_id = $1 AND id_number = $2);

-- name: insert_relative
INSERT INTO official_relatives (official_id, name, id_number, relation) VALUES ($1, $2, $3, $4);
