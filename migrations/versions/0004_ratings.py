"""Case ratings (好差评): once per completed case; a bad one opens a rectification clock.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE case_ratings (
    case_id          bigint PRIMARY KEY REFERENCES cases (id),
    -- 1 very satisfied, 2 satisfied, 3 basically satisfied, 4 dissatisfied, 5 very dissatisfied
    level            smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
    comment          text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 500),
    channel          text NOT NULL DEFAULT 'public',
    rated_at         timestamptz NOT NULL DEFAULT now(),
    rated_on         date NOT NULL,
    department_id    integer NOT NULL REFERENCES departments (id),
    -- A bad rating (4, 5) must be rectified within 15 working days.
    rectify_due_on   date,
    rectified_on     date,
    rectified_by     text,
    rectification    text,
    CHECK ((level >= 4) = (rectify_due_on IS NOT NULL))
);
CREATE INDEX case_ratings_department_idx ON case_ratings (department_id, rated_on);
CREATE INDEX case_ratings_open_rectification_idx ON case_ratings (rectify_due_on)
    WHERE rectify_due_on IS NOT NULL AND rectified_on IS NULL;

INSERT INTO supervision_rules (code, color, enabled, params, description) VALUES
 ('RECTIFICATION_OVERDUE', 'red', true, '{"days": 15}', '差评未在15个工作日内整改');
"""

DOWNGRADE = """
DELETE FROM cards WHERE rule_code = 'RECTIFICATION_OVERDUE';
DELETE FROM supervision_rules WHERE code = 'RECTIFICATION_OVERDUE';
DROP TABLE case_ratings;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
