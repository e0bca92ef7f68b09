-- The database itself (db/admin.py)

-- name: get_database
SELECT 1 FROM pg_database WHERE datname = $1;
