"""The strict case-event contract: who finished a step, and each event's content fingerprint, so
an event id reused for different content is refused rather than answered as a duplicate.

``case_steps.staff_no`` stays who started the step; ``finished_by`` is who finished it, filled for
the steps already finished from their STEP_FINISHED events. ``case_events.fingerprint`` is the
SHA-256 of the event's canonical JSON as first stored (services/case_ingest.py); events stored
before this revision have none and a resend of them answers DUPLICATE, as before.

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
ALTER TABLE case_steps ADD COLUMN finished_by text;
UPDATE case_steps cs SET finished_by = e.staff_no
FROM case_events e
WHERE cs.finished_at IS NOT NULL
  AND e.case_id = cs.case_id AND e.kind = 'STEP_FINISHED' AND e.step_key = cs.step_key;

-- Nullable: the release before stores events without it, and those answer DUPLICATE to a resend.
ALTER TABLE case_events ADD COLUMN fingerprint bytea
    CHECK (fingerprint IS NULL OR length(fingerprint) = 32);
"""

DOWNGRADE = r"""
ALTER TABLE case_events DROP COLUMN fingerprint;
ALTER TABLE case_steps DROP COLUMN finished_by;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
