"""The ID-number check the red flags run over every household member, inlined into the query.

``sunshine_id_number_valid`` (migration 0003) is a one-expression SQL function, but STRICT with a
CASE inside, which PostgreSQL does not inline: each call runs the SQL-function machinery, about
20 µs, and the INVALID_OR_SHARED_ID flag calls it for every member (10 s over the demo's 450,000
members; 1.7 s inlined). Without STRICT it is inlined; a NULL number still gives NULL, as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script("ALTER FUNCTION sunshine_id_number_valid(text) CALLED ON NULL INPUT;")


def downgrade() -> None:
    run_script("ALTER FUNCTION sunshine_id_number_valid(text) STRICT;")
