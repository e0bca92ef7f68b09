"""One disclosure rule per fund (domain/disclosure.py): ``notice`` funds post their beneficiaries
on the village notice list and publish their statistics whole; ``aggregate`` funds list no one and
withhold small groups in their statistics. Disability subsidies are ``aggregate``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE funds ADD COLUMN disclosure text NOT NULL DEFAULT 'notice'
    CHECK (disclosure IN ('notice', 'aggregate'));
UPDATE funds SET disclosure = 'aggregate' WHERE fund_type = 'disability';
-- Fails closed: a disability fund written without the column (the release before, during a
-- rolling deploy) is refused rather than listed publicly.
ALTER TABLE funds ADD CONSTRAINT funds_disability_not_listed
    CHECK (fund_type <> 'disability' OR disclosure = 'aggregate');
"""

DOWNGRADE = r"""
ALTER TABLE funds DROP COLUMN disclosure;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
