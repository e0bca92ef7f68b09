"""Cases (办件), their events, electronic supervision (cards, locks, notifications), performance
rules and the hash-chained audit trail of unmasked personal-data reads.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


UPGRADE = r"""
CREATE TABLE cases (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_no              text NOT NULL UNIQUE CHECK (case_no ~ '^[A-Za-z0-9-]{6,40}$'),
    -- The receipt's query code is kept only as a hash: a leaked table does not open every case.
    query_code_hash      bytea NOT NULL,
    power_id             integer NOT NULL REFERENCES powers (id),
    department_id        integer NOT NULL REFERENCES departments (id),
    lead_case_id         bigint REFERENCES cases (id),
    applicant_kind       text NOT NULL CHECK (applicant_kind IN ('person', 'organisation')),
    applicant_name       text NOT NULL,
    applicant_id_number  text NOT NULL,
    applicant_phone      text NOT NULL DEFAULT '',
    applicant_address    text NOT NULL DEFAULT '',
    region_code          varchar(12) REFERENCES regions (code),
    channel              text NOT NULL CHECK (channel IN ('window', 'online', 'wechat', 'proxy')),
    received_at          timestamptz NOT NULL,
    accepted_on          date,
    state                smallint NOT NULL CHECK (state BETWEEN 1 AND 15),
    -- The state a supplement (6) or special procedure (9) interrupted, to resume from at 7 / 10.
    resume_state         smallint CHECK (resume_state BETWEEN 1 AND 15),
    paused_since         date,
    paused_days          integer NOT NULL DEFAULT 0 CHECK (paused_days >= 0),
    special_days         integer NOT NULL DEFAULT 0 CHECK (special_days >= 0),
    promised_limit_days  integer,
    statutory_limit_days integer,
    promised_due_on      date,
    statutory_due_on     date,
    current_step_key     text,
    fee_charged_yuan     numeric(12, 2),
    completed_at         timestamptz,
    completed_on         date,
    refusal_reason       text,
    handler_staff_no     text,
    locked               boolean NOT NULL DEFAULT false,
    last_event_at        timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_department_idx ON cases (department_id, id DESC);
CREATE INDEX cases_power_idx ON cases (power_id, id DESC);
CREATE INDEX cases_lead_idx ON cases (lead_case_id) WHERE lead_case_id IS NOT NULL;
-- The supervision sweep and the overdue lists read only open cases.
CREATE INDEX cases_open_due_idx ON cases (promised_due_on, id) WHERE completed_at IS NULL;
CREATE INDEX cases_department_open_idx ON cases (department_id, promised_due_on, id)
    WHERE completed_at IS NULL;
CREATE INDEX cases_completed_idx ON cases (department_id, completed_on) WHERE completed_on IS NOT NULL;

CREATE TABLE case_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source        text NOT NULL,
    event_id      text NOT NULL,
    case_id       bigint NOT NULL REFERENCES cases (id),
    kind          text NOT NULL,
    state_after   smallint NOT NULL,
    step_key      text,
    staff_no      text,
    occurred_at   timestamptz NOT NULL,
    payload       jsonb NOT NULL DEFAULT '{}',
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    -- Idempotency: one department system's event id counts once.
    UNIQUE (source, event_id)
);
CREATE INDEX case_events_case_idx ON case_events (case_id, occurred_at, id);

CREATE TABLE case_steps (
    case_id       bigint NOT NULL REFERENCES cases (id),
    step_key      text NOT NULL,
    started_on    date NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    finished_on   date,
    staff_no      text,
    opinion       text NOT NULL DEFAULT '',
    -- The case's paused working days when the step began (a step's limit excludes pauses).
    paused_before integer NOT NULL DEFAULT 0,
    PRIMARY KEY (case_id, step_key)
);

CREATE TABLE supervision_rules (
    code        text PRIMARY KEY,
    color       text NOT NULL CHECK (color IN ('yellow', 'red')),
    enabled     boolean NOT NULL DEFAULT true,
    params      jsonb NOT NULL DEFAULT '{}',
    description text NOT NULL
);
CREATE TABLE supervision_rule_overrides (
    power_id  integer NOT NULL REFERENCES powers (id),
    rule_code text NOT NULL REFERENCES supervision_rules (code),
    enabled   boolean NOT NULL,
    params    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (power_id, rule_code)
);

INSERT INTO supervision_rules (code, color, enabled, params, description) VALUES
 ('NEAR_DEADLINE', 'yellow', true, '{"ratio": 0.9}', '已用承诺时限的90%仍未办结（预警）'),
 ('DAY_BEFORE_DEADLINE', 'yellow', false, '{"days": 1}', '承诺时限届满前1个工作日仍未办结（提醒）'),
 ('OVERDUE', 'red', true, '{}', '超过承诺时限未办结或逾期办结'),
 ('STEP_OVERDUE', 'red', true, '{}', '环节办理超过该环节时限'),
 ('FEE_MISMATCH', 'red', true, '{}', '收费金额与收费标准不符'),
 ('STEP_OUT_OF_ORDER', 'red', true, '{}', '环节未按流程顺序办理'),
 ('STEP_SKIPPED', 'red', true, '{}', '办结时有必经环节未办理'),
 ('REFUSAL_WITHOUT_REASON', 'red', true, '{}', '不予受理或不予许可未说明理由');

CREATE TABLE cards (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id       bigint NOT NULL REFERENCES cases (id),
    rule_code     text NOT NULL REFERENCES supervision_rules (code),
    color         text NOT NULL CHECK (color IN ('yellow', 'red')),
    -- Which occurrence: the step for step rules, '' for whole-case rules. A rule raises one card
    -- per case and subject, however often it is evaluated.
    subject       text NOT NULL DEFAULT '',
    department_id integer NOT NULL REFERENCES departments (id),
    staff_no      text,
    evidence      jsonb NOT NULL,
    raised_at     timestamptz NOT NULL DEFAULT now(),
    raised_on     date NOT NULL,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'explained', 'closed')),
    explanation   text,
    explained_by  text,
    explained_at  timestamptz,
    closed_by     text,
    closed_at     timestamptz,
    closing_note  text,
    UNIQUE (case_id, rule_code, subject)
);
CREATE INDEX cards_department_idx ON cards (department_id, raised_on);
CREATE INDEX cards_open_idx ON cards (status, id) WHERE status <> 'closed';

-- Every lock, explanation and release, with who and when (the lock itself is cases.locked).
CREATE TABLE case_lock_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    bigint NOT NULL REFERENCES cases (id),
    card_id    bigint REFERENCES cards (id),
    action     text NOT NULL CHECK (action IN ('locked', 'explained', 'released')),
    actor      text NOT NULL,
    note       text NOT NULL DEFAULT '',
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_lock_events_case_idx ON case_lock_events (case_id, id);

-- The outbox: a card's notifications are written with the card and delivered at least once.
CREATE TABLE notifications (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_id         bigint NOT NULL REFERENCES cards (id),
    recipient       text NOT NULL,
    recipient_role  text NOT NULL CHECK (recipient_role IN ('handler', 'approver', 'department')),
    department_id   integer NOT NULL REFERENCES departments (id),
    message         text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (card_id, recipient, recipient_role)
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at, id) WHERE status = 'pending';
CREATE TABLE notification_attempts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notifications (id),
    attempted_at    timestamptz NOT NULL DEFAULT now(),
    sender          text NOT NULL,
    ok              boolean NOT NULL,
    detail          text NOT NULL DEFAULT ''
);
CREATE INDEX notification_attempts_idx ON notification_attempts (notification_id, id);

-- The scoring formula of the performance evaluation (绩效评估), as data: 100 base + bonus - deductions.
CREATE TABLE performance_rules (
    code        text PRIMARY KEY,
    points      numeric(6, 2) NOT NULL,
    description text NOT NULL
);
INSERT INTO performance_rules (code, points, description) VALUES
 ('BASE', 100, '基础分'),
 ('LATE_CASE', -1, '逾期办结或逾期未办结，每件扣1分'),
 ('RED_CARD', -1, '红牌（程序、收费、质量问题），每张扣1分'),
 ('YELLOW_CARD', -0.2, '黄牌预警，每张扣0.2分'),
 ('SERIOUS_ERROR', -3, '锁定后未说明即继续办理等严重问题，每次扣3分'),
 ('BAD_RATING', -1, '差评，每件扣1分'),
 ('FULL_ON_TIME_BONUS', 2, '当期办结均按时且不少于10件，加2分');

-- Reads of unmasked personal data by officials. Append-only: each row's hash covers the one before
-- it, so a changed or deleted row breaks the chain at that row.
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    actor_role   text NOT NULL,
    department   text,
    operation    text NOT NULL,
    record_type  text NOT NULL,
    record_id    text NOT NULL,
    fields       text[] NOT NULL,
    request_id   text NOT NULL DEFAULT '',
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL UNIQUE
);
CREATE INDEX audit_log_record_idx ON audit_log (record_type, record_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""

DOWNGRADE = """
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE performance_rules;
DROP TABLE notification_attempts;
DROP TABLE notifications;
DROP TABLE case_lock_events;
DROP TABLE cards;
DROP TABLE supervision_rule_overrides;
DROP TABLE supervision_rules;
DROP TABLE case_steps;
DROP TABLE case_events;
DROP TABLE cases;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
