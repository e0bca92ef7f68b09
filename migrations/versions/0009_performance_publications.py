"""Published rankings, frozen: a period's ranking as first published (rows, the rule's points and
its version), never updated; card outcomes set by discipline when it closes a card (upheld,
unfounded, serious), so a card closed as unfounded counts nothing and a serious one counts as
``SERIOUS_ERROR``; the points of the separate subsidy score.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- A ranking is stored the first time it is asked for after its period ended (or by
-- `sunshine publish-ranking`) and served from here ever after; later facts are shown beside it
-- as corrections, never written into it.
CREATE TABLE ranking_publications (
    period        text PRIMARY KEY,
    period_start  date NOT NULL,
    period_end    date NOT NULL CHECK (period_end > period_start),
    published_at  timestamptz NOT NULL,
    rule_version  text NOT NULL,
    rules         jsonb NOT NULL,  -- {code: points} as they were when published
    rows          jsonb NOT NULL   -- one object per department, the figures as published
);
CREATE INDEX ranking_publications_published_idx ON ranking_publications (published_at, period);

CREATE FUNCTION ranking_publications_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published ranking is frozen: corrections are shown beside it';
END
$$;
CREATE TRIGGER ranking_publications_no_update BEFORE UPDATE OR DELETE ON ranking_publications
    FOR EACH ROW EXECUTE FUNCTION ranking_publications_frozen();
GRANT SELECT, INSERT ON ranking_publications TO sunshine_app;
REVOKE UPDATE, DELETE, TRUNCATE ON ranking_publications FROM sunshine_app;

-- What discipline found when it closed a card. NULL while open, and on cards closed before this
-- column existed (counted as upheld).
ALTER TABLE cards ADD COLUMN outcome text
    CHECK (outcome IN ('upheld', 'unfounded', 'serious'));
ALTER TABLE cards ADD CONSTRAINT cards_outcome_when_closed CHECK (outcome IS NULL OR status = 'closed');

INSERT INTO performance_rules (code, points, description) VALUES
 ('SUBSIDY_RED_FLAG', -1, '补助资金红色疑点（资金主管部门的补助资金分），每条扣1分'),
 ('SUBSIDY_YELLOW_FLAG', -0.2, '补助资金黄色预警（资金主管部门的补助资金分），每条扣0.2分');
UPDATE performance_rules
 SET description = '逾期件（承诺办结日在本期、逾期办结或到期未办结），每件扣1分；其超期红牌、时限黄牌不另扣'
 WHERE code = 'LATE_CASE';
UPDATE performance_rules SET description = '本部门办件上的红牌（程序、收费、环节超时等），每张扣1分'
 WHERE code = 'RED_CARD';
UPDATE performance_rules SET description = '本部门办件上的黄牌预警（该件未逾期），每张扣0.2分'
 WHERE code = 'YELLOW_CARD';
UPDATE performance_rules
 SET description = '纪委监委关闭监察卡时认定情节严重，每张扣3分（代替该卡的红牌、黄牌或疑点分）'
 WHERE code = 'SERIOUS_ERROR';
"""

DOWNGRADE = r"""
UPDATE performance_rules SET description = '锁定后未说明即继续办理等严重问题，每次扣3分'
 WHERE code = 'SERIOUS_ERROR';
UPDATE performance_rules SET description = '黄牌预警，每张扣0.2分' WHERE code = 'YELLOW_CARD';
UPDATE performance_rules SET description = '红牌（程序、收费、质量问题），每张扣1分' WHERE code = 'RED_CARD';
UPDATE performance_rules SET description = '逾期办结或逾期未办结，每件扣1分' WHERE code = 'LATE_CASE';
DELETE FROM performance_rules WHERE code IN ('SUBSIDY_RED_FLAG', 'SUBSIDY_YELLOW_FLAG');
ALTER TABLE cards DROP CONSTRAINT cards_outcome_when_closed;
ALTER TABLE cards DROP COLUMN outcome;
DROP TABLE ranking_publications;
DROP FUNCTION ranking_publications_frozen();
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
