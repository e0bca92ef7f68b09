"""The live supervision feed (监察动态): every supervision event — a card raised, explained,
returned, escalated or closed (cases, subsidy red flags, complaints), a case locked or released, a
complaint filed or overdue, a bad rating and its overdue rectification — is appended to
``feed_events`` in the transaction of the change that causes it, by triggers on the tables that
change (so no writer, present or future, can forget it), and announced on ``sunshine_feed``.

**Ids in commit order.** A reader resumes "after id N"; with ids drawn when a row is written, a
transaction could draw 7, another draw 8 and commit first, and a reader that saw 8 would never see 7.
So the triggers are *deferred constraint triggers*: they run at COMMIT, and each takes one
transaction-level advisory lock before it draws its id from a sequence without a cache. The lock is
held until the transaction has committed (PostgreSQL makes a commit visible before it releases the
transaction's locks), so the transaction that draws the next id starts only after the one before
is visible or gone: whoever sees id N committed sees every id below it already settled. Deferring
keeps the lock to the instant of commit (a sweep that raises many cards holds it for its own few
inserts at the end, not for the sweep), and a rolled-back transaction (a dry-run sweep) never runs
its triggers at all.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE SEQUENCE feed_events_id_seq CACHE 1;
CREATE TABLE feed_events (
    -- Drawn at commit under the feed lock (feed_append): ids are in commit order.
    id            bigint PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN (
                      'CARD_RAISED', 'CARD_EXPLAINED', 'CARD_RETURNED', 'CARD_ESCALATED', 'CARD_CLOSED',
                      'CASE_LOCKED', 'CASE_RELEASED', 'COMPLAINT_FILED', 'COMPLAINT_OVERDUE',
                      'BAD_RATING', 'RECTIFICATION_OVERDUE')),
    -- Whose event it is (who may see it besides discipline); NULL: discipline's alone (a
    -- complaint about an official).
    department_id integer REFERENCES departments (id),
    ref_type      text NOT NULL CHECK (ref_type IN ('card', 'case', 'complaint')),
    ref_id        bigint NOT NULL,
    occurred_at   timestamptz NOT NULL,
    payload       jsonb NOT NULL DEFAULT '{}'
);
ALTER SEQUENCE feed_events_id_seq OWNED BY feed_events.id;
CREATE INDEX feed_events_department_idx ON feed_events (department_id, id);
CREATE INDEX feed_events_occurred_idx ON feed_events (occurred_at);
-- Today's received cases, counted for the big screen whenever the feed moves.
CREATE INDEX cases_received_idx ON cases (received_at);
-- The API appends (through the triggers) and reads; nobody rewrites the feed.
REVOKE UPDATE, DELETE, TRUNCATE ON feed_events FROM sunshine_app;

CREATE FUNCTION feed_append(
    p_kind text, p_department_id integer, p_ref_type text, p_ref_id bigint,
    p_occurred_at timestamptz, p_payload jsonb
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Held to the end of the transaction: the next id is drawn only after this one is visible.
    PERFORM pg_advisory_xact_lock(hashtext('sunshine-feed'));
    INSERT INTO feed_events (id, kind, department_id, ref_type, ref_id, occurred_at, payload)
    VALUES (nextval('feed_events_id_seq'), p_kind, p_department_id, p_ref_type, p_ref_id,
            p_occurred_at, p_payload);
    -- One empty payload: PostgreSQL folds a transaction's identical notifications into one.
    PERFORM pg_notify('sunshine_feed', '');
END
$$;

CREATE FUNCTION feed_card_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    card_kind text := CASE WHEN NEW.case_id IS NOT NULL THEN 'case'
                           WHEN NEW.complaint_id IS NOT NULL THEN 'complaint' ELSE 'payment' END;
    body jsonb := jsonb_build_object(
        'card_id', NEW.id, 'card_kind', card_kind, 'rule', NEW.rule_code, 'color', NEW.color,
        'subject', NEW.subject, 'case_id', NEW.case_id,
        'case_no', (SELECT case_no FROM cases WHERE id = NEW.case_id),
        'complaint_id', NEW.complaint_id, 'status', NEW.status, 'outcome', NEW.outcome,
        'explain_due_on', NEW.explain_due_on);
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM feed_append(
            CASE NEW.rule_code WHEN 'COMPLAINT_NOT_DECIDED' THEN 'COMPLAINT_OVERDUE'
                               WHEN 'RECTIFICATION_OVERDUE' THEN 'RECTIFICATION_OVERDUE'
                               ELSE 'CARD_RAISED' END,
            NEW.department_id, 'card', NEW.id, NEW.raised_at, body);
        RETURN NULL;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM feed_append(
            CASE WHEN NEW.status = 'closed' THEN 'CARD_CLOSED'
                 WHEN NEW.status = 'explained' THEN 'CARD_EXPLAINED'
                 ELSE 'CARD_RETURNED' END,
            NEW.department_id, 'card', NEW.id,
            CASE WHEN NEW.status = 'closed' THEN coalesce(NEW.closed_at, now())
                 WHEN NEW.status = 'explained' THEN coalesce(NEW.explained_at, now())
                 ELSE now() END,
            body);
    END IF;
    IF NEW.escalated_at IS NOT NULL AND OLD.escalated_at IS NULL THEN
        PERFORM feed_append('CARD_ESCALATED', NEW.department_id, 'card', NEW.id, NEW.escalated_at, body);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION feed_case_lock_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM feed_append(
        CASE NEW.action WHEN 'locked' THEN 'CASE_LOCKED' ELSE 'CASE_RELEASED' END,
        c.department_id, 'case', NEW.case_id, NEW.at,
        jsonb_build_object('case_id', NEW.case_id, 'case_no', c.case_no, 'card_id', NEW.card_id))
    FROM cases c WHERE c.id = NEW.case_id;
    RETURN NULL;
END
$$;

CREATE FUNCTION feed_complaint_filed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM feed_append(
        'COMPLAINT_FILED', NEW.department_id, 'complaint', NEW.id, NEW.submitted_at,
        jsonb_build_object('complaint_id', NEW.id, 'complaint_kind', NEW.kind, 'about', NEW.about,
                           'to_discipline', NEW.to_discipline, 'accept_due_on', NEW.accept_due_on));
    RETURN NULL;
END
$$;

CREATE FUNCTION feed_bad_rating() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM feed_append(
        'BAD_RATING', NEW.department_id, 'case', NEW.case_id, NEW.rated_at,
        jsonb_build_object('case_id', NEW.case_id,
                           'case_no', (SELECT case_no FROM cases WHERE id = NEW.case_id),
                           'level', NEW.level, 'rectify_due_on', NEW.rectify_due_on));
    RETURN NULL;
END
$$;

-- Deferred to COMMIT (see the module docstring): the feed lock is held only while committing.
CREATE CONSTRAINT TRIGGER cards_feed_raised AFTER INSERT ON cards
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION feed_card_changed();
CREATE CONSTRAINT TRIGGER cards_feed_changed AFTER UPDATE ON cards
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status
          OR (NEW.escalated_at IS NOT NULL AND OLD.escalated_at IS NULL))
    EXECUTE FUNCTION feed_card_changed();
CREATE CONSTRAINT TRIGGER case_lock_events_feed AFTER INSERT ON case_lock_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.action IN ('locked', 'released'))
    EXECUTE FUNCTION feed_case_lock_changed();
CREATE CONSTRAINT TRIGGER complaints_feed AFTER INSERT ON complaints
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION feed_complaint_filed();
CREATE CONSTRAINT TRIGGER case_ratings_feed AFTER INSERT ON case_ratings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.level >= 4)
    EXECUTE FUNCTION feed_bad_rating();
"""

DOWNGRADE = r"""
DROP TRIGGER case_ratings_feed ON case_ratings;
DROP TRIGGER complaints_feed ON complaints;
DROP TRIGGER case_lock_events_feed ON case_lock_events;
DROP TRIGGER cards_feed_changed ON cards;
DROP TRIGGER cards_feed_raised ON cards;
DROP FUNCTION feed_bad_rating();
DROP FUNCTION feed_complaint_filed();
DROP FUNCTION feed_case_lock_changed();
DROP FUNCTION feed_card_changed();
DROP FUNCTION feed_append(text, integer, text, bigint, timestamptz, jsonb);
DROP INDEX cases_received_idx;
DROP TABLE feed_events;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
