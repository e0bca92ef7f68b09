"""The reason of access in the audit trail, and the indexes that let discipline read the trail.

``audit_log.reason`` is the reason an official gave for an unmasked read. It is nullable: rows
written before it have none, and their hashes (domain/audit.py) are computed as they were, so the
chain verifies unchanged; new rows hash their reason too. The column is added without a default,
so no row is rewritten (the table refuses UPDATE, and its hashes must not move). ``sunshine_app``
already holds INSERT and SELECT on the table, which cover a new column; it still may not update it.

The indexes serve "what did this officer read" (by actor, newest first) and date ranges over the
whole trail; "who read this person" uses the (record_type, record_id) index of 0002. The township
role needs no schema: a township is a region (level 2) already.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE audit_log ADD COLUMN reason text;
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);
"""

DOWNGRADE = r"""
DROP INDEX audit_log_at_idx;
DROP INDEX audit_log_actor_idx;
ALTER TABLE audit_log DROP COLUMN reason;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
