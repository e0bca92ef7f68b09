"""The strict case-event contract: who finished a step, and an event's content fingerprint for reused ids (issue 12; placeholder until filled).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = r"""
SELECT 1;
"""

DOWNGRADE = r"""
SELECT 1;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
