"""Tell the API when the catalogue changes: every write to the tables the public catalogue
documents read (regions, departments and their windows, powers with their materials, adjustments
and process maps, funds) sends a NOTIFY on ``sunshine_catalogue`` at commit, so every server
process drops the answers it keeps of them (api/answer_cache.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = (
    "regions",
    "departments",
    "service_windows",
    "powers",
    "power_materials",
    "power_adjustments",
    "process_steps",
    "process_edges",
    "funds",
)

# One statement-level trigger a table: a bulk load is one notification, not one a row, and
# PostgreSQL folds identical notifications of one transaction into one.
UPGRADE = r"""
CREATE FUNCTION sunshine_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sunshine_catalogue', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
""" + "".join(
    f"""
CREATE TRIGGER {table}_catalogue_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION sunshine_catalogue_changed();
"""
    for table in TABLES
)

DOWNGRADE = "".join(f"DROP TRIGGER {table}_catalogue_changed ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION sunshine_catalogue_changed();\n"
)


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
