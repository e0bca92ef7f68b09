-- Migration state (db/migrate.py)

-- name: get_version
SELECT version_num FROM alembic_version;
