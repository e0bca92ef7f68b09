"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    ${upgrades if upgrades else 'raise NotImplementedError'}


def downgrade() -> None:
    ${downgrades if downgrades else 'raise NotImplementedError'}
