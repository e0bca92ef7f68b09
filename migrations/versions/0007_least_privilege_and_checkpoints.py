"""The audit trail you can trust: the API runs as a least-privilege role, TRUNCATE of the trail is
refused, and the chain's head is signed into checkpoints (signed outside the database, with a key
the database never sees) that ``sunshine audit-verify`` checks.

``sunshine_app`` is a role without login and without ownership: it reads and writes the data, but
cannot change or delete a row of ``audit_log`` or ``audit_checkpoints``, cannot truncate any table
and cannot disable a trigger (only an owner or a superuser can). The API's connections take it on
(the ``role`` setting of every pool connection, api/app.py); migrations and the demo loader run
as the owner. Roles belong to the server, not the database: the role is made once and reused by
every database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = r"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sunshine_app') THEN
        CREATE ROLE sunshine_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    -- The owner must be able to SET ROLE to it (a superuser always can).
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT sunshine_app TO %I', current_user);
    END IF;
END
$$;

CREATE TABLE audit_checkpoints (
    id          bigserial PRIMARY KEY,
    entry_id    bigint      NOT NULL,         -- the last audit_log row the signature covers
    entry_hash  bytea       NOT NULL,         -- that row's chain hash
    signed_at   timestamptz NOT NULL,
    key_id      text        NOT NULL,         -- the public key's SHA-256, hex, first 16 digits
    signature   bytea       NOT NULL          -- Ed25519 over domain.audit.checkpoint_message
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE FUNCTION audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: TRUNCATE is refused', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();

GRANT USAGE ON SCHEMA public TO sunshine_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sunshine_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sunshine_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO sunshine_app;
REVOKE UPDATE, DELETE ON audit_log FROM sunshine_app;
-- Checkpoints are written by `sunshine audit-checkpoint` as the owner; the API only reads them.
REVOKE INSERT, UPDATE, DELETE ON audit_checkpoints FROM sunshine_app;
REVOKE ALL ON alembic_version FROM sunshine_app;
GRANT SELECT ON alembic_version TO sunshine_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sunshine_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO sunshine_app;
"""

DOWNGRADE = r"""
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM sunshine_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM sunshine_app;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM sunshine_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM sunshine_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sunshine_app;
REVOKE USAGE ON SCHEMA public FROM sunshine_app;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TABLE audit_checkpoints;
DROP FUNCTION audit_no_truncate();
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
