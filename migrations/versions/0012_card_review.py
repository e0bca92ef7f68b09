"""Discipline's review of an explained card, beyond closing it: return it (退回) for a fuller
explanation by a deadline, or escalate it (督办) with a deadline for rectification. The deadline
is the card's ``explain_due_on``; every return and escalation is kept in the case's lock history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE cards ADD COLUMN explain_due_on date;
ALTER TABLE cards ADD COLUMN escalated_at timestamptz;
ALTER TABLE cards ADD COLUMN escalated_by text;
ALTER TABLE cards ADD COLUMN escalation_note text;
ALTER TABLE cards ADD CONSTRAINT cards_escalation_whole
    CHECK ((escalated_at IS NULL) = (escalated_by IS NULL)
           AND (escalated_at IS NULL) = (escalation_note IS NULL));

ALTER TABLE case_lock_events DROP CONSTRAINT case_lock_events_action_check;
ALTER TABLE case_lock_events ADD CONSTRAINT case_lock_events_action_check
    CHECK (action IN ('locked', 'explained', 'released', 'returned', 'escalated'));
"""

DOWNGRADE = r"""
DELETE FROM case_lock_events WHERE action IN ('returned', 'escalated');
ALTER TABLE case_lock_events DROP CONSTRAINT case_lock_events_action_check;
ALTER TABLE case_lock_events ADD CONSTRAINT case_lock_events_action_check
    CHECK (action IN ('locked', 'explained', 'released'));
ALTER TABLE cards DROP CONSTRAINT cards_escalation_whole;
ALTER TABLE cards DROP COLUMN escalation_note;
ALTER TABLE cards DROP COLUMN escalated_by;
ALTER TABLE cards DROP COLUMN escalated_at;
ALTER TABLE cards DROP COLUMN explain_due_on;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
