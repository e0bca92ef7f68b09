"""Complaints and suggestions (投诉建议): filed by anyone, tracked with a number and a code,
accepted or refused within 5 working days, routed to the department or (about officials) to
discipline, replied, and rated by the complainant in stars.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE complaints (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tracking_no        text NOT NULL UNIQUE,
    tracking_code_hash bytea NOT NULL,
    -- The client's key for this submission: a retry with the same key gets the same complaint.
    idempotency_key    text NOT NULL UNIQUE CHECK (char_length(idempotency_key) BETWEEN 8 AND 100),
    kind               text NOT NULL CHECK (kind IN ('complaint', 'suggestion')),
    about              text NOT NULL CHECK (about IN ('case', 'department', 'fund', 'official', 'other')),
    about_ref          text NOT NULL DEFAULT '',
    content            text NOT NULL CHECK (char_length(content) BETWEEN 5 AND 2000),
    contact_name       text NOT NULL DEFAULT '',
    contact_phone      text NOT NULL DEFAULT '',
    -- Routed to a department, or to discipline (department_id NULL) for complaints about officials.
    department_id      integer REFERENCES departments (id),
    to_discipline      boolean NOT NULL DEFAULT false,
    status             text NOT NULL DEFAULT 'submitted'
                       CHECK (status IN ('submitted', 'accepted', 'refused', 'replied', 'rated')),
    submitted_at       timestamptz NOT NULL,
    accept_due_on      date NOT NULL,
    decided_at         timestamptz,
    decided_by         text,
    refusal_reason     text,
    reply              text,
    replied_at         timestamptz,
    replied_by         text,
    stars              smallint CHECK (stars BETWEEN 1 AND 6),
    rated_at           timestamptz,
    CHECK (to_discipline OR department_id IS NOT NULL)
);
CREATE INDEX complaints_department_idx ON complaints (department_id, id DESC);
CREATE INDEX complaints_undecided_idx ON complaints (accept_due_on) WHERE status = 'submitted';

ALTER TABLE cards ADD COLUMN complaint_id bigint REFERENCES complaints (id);
ALTER TABLE cards DROP CONSTRAINT cards_subject_kind;
ALTER TABLE cards ADD CONSTRAINT cards_subject_kind CHECK (
    (case_id IS NOT NULL)::int + (payment_id IS NOT NULL OR member_id IS NOT NULL)::int
    + (complaint_id IS NOT NULL)::int = 1
);
CREATE UNIQUE INDEX cards_complaint_rule_idx ON cards (complaint_id, rule_code)
    WHERE complaint_id IS NOT NULL;

INSERT INTO supervision_rules (code, color, enabled, params, description) VALUES
 ('COMPLAINT_NOT_DECIDED', 'yellow', true, '{"days": 5}', '投诉建议未在5个工作日内受理或说明不受理');
"""

DOWNGRADE = """
DELETE FROM cards WHERE complaint_id IS NOT NULL;
DELETE FROM supervision_rules WHERE code = 'COMPLAINT_NOT_DECIDED';
DROP INDEX cards_complaint_rule_idx;
ALTER TABLE cards DROP CONSTRAINT cards_subject_kind;
ALTER TABLE cards ADD CONSTRAINT cards_subject_kind
    CHECK ((case_id IS NOT NULL) <> (payment_id IS NOT NULL OR member_id IS NOT NULL));
ALTER TABLE cards DROP COLUMN complaint_id;
DROP TABLE complaints;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
