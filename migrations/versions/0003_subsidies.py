"""Subsidy funds per household (惠民资金): the fund catalogue, households and members, the registry
of officials and their declared relatives, payments through the four monitoring points, and
red-flag alerts (which reuse the supervision cards).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Payment tables are partitioned by year; partitions exist for these years and a default one
# catches anything else (a later migration or `sunshine partitions` adds years ahead of time).
YEARS = range(2022, 2029)

UPGRADE = r"""
CREATE TABLE funds (
    id               integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{2,32}$'),
    name             text NOT NULL,
    fund_type        text NOT NULL CHECK (fund_type IN ('minimum_living', 'extreme_poverty', 'farmland',
                         'elderly', 'disability', 'disaster_relief', 'housing', 'other')),
    -- Funds of one purpose may not be paid twice to one person (低保 and 特困 both support living).
    purpose          text NOT NULL,
    policy_basis     text NOT NULL,
    standard_yuan    numeric(12, 2) NOT NULL CHECK (standard_yuan >= 0),
    standard_unit    text NOT NULL CHECK (standard_unit IN ('person_month', 'household_month', 'person_year',
                         'household_year', 'mu_year', 'once')),
    standard_note    text NOT NULL DEFAULT '',
    department_id    integer NOT NULL REFERENCES departments (id),
    -- Working days allowed between allocation and disbursement (5; 2 for disaster relief).
    disburse_within_days integer NOT NULL DEFAULT 5 CHECK (disburse_within_days > 0)
);

CREATE TABLE households (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_no  text NOT NULL UNIQUE,
    village_code  varchar(12) NOT NULL REFERENCES regions (code),
    address       text NOT NULL,
    land_mu       numeric(10, 2) NOT NULL DEFAULT 0 CHECK (land_mu >= 0)
);
CREATE INDEX households_village_idx ON households (village_code);

CREATE TABLE household_members (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id  bigint NOT NULL REFERENCES households (id),
    name          text NOT NULL,
    id_number     text NOT NULL,
    relation      text NOT NULL DEFAULT '户主',
    is_head       boolean NOT NULL DEFAULT false,
    deceased_on   date
);
CREATE INDEX household_members_household_idx ON household_members (household_id);
-- The real-name lookup and the "one ID, two people" flag both start from the ID number.
CREATE INDEX household_members_id_number_idx ON household_members (id_number);

-- Officials and village cadres, and the relatives they declared (领导干部及村干部亲属备案).
CREATE TABLE officials (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL,
    id_number     text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('official', 'village_cadre')),
    department_id integer REFERENCES departments (id),
    village_code  varchar(12) REFERENCES regions (code),
    position      text NOT NULL
);
CREATE INDEX officials_id_number_idx ON officials (id_number);
CREATE TABLE official_relatives (
    id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    official_id  integer NOT NULL REFERENCES officials (id),
    name         text NOT NULL,
    id_number    text NOT NULL,
    relation     text NOT NULL
);
CREATE INDEX official_relatives_id_number_idx ON official_relatives (id_number);

-- The money moves in batches: a spending plan (用款计划申请) for a fund, a township and a period
-- is approved (资金使用审批) and allocated (资金拨付) as a whole, then disbursed (资金发放) to each
-- household. Those are the four monitoring points; every one is a dated, immutable record, and a
-- correction is a new record naming the one it corrects.
CREATE TABLE payment_batches (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_no       text NOT NULL UNIQUE,
    fund_id        integer NOT NULL REFERENCES funds (id),
    township_code  varchar(12) NOT NULL REFERENCES regions (code),
    period         date NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_batches_fund_idx ON payment_batches (fund_id, period);

CREATE TABLE batch_stages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id     bigint NOT NULL REFERENCES payment_batches (id),
    stage        text NOT NULL CHECK (stage IN ('plan', 'approval', 'allocation')),
    stage_on     date NOT NULL,
    amount_yuan  numeric(14, 2) NOT NULL CHECK (amount_yuan >= 0),
    recorded_by  text NOT NULL,
    corrects_id  bigint REFERENCES batch_stages (id),
    note         text NOT NULL DEFAULT '',
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batch_stages_batch_idx ON batch_stages (batch_id, stage, id);

-- One beneficiary line of a batch: who is to receive how much for which period.
CREATE TABLE payments (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    year          smallint NOT NULL,
    payment_no    text NOT NULL,
    batch_id      bigint NOT NULL REFERENCES payment_batches (id),
    fund_id       integer NOT NULL REFERENCES funds (id),
    household_id  bigint NOT NULL REFERENCES households (id),
    member_id     bigint NOT NULL REFERENCES household_members (id),
    village_code  varchar(12) NOT NULL,
    period        date NOT NULL,
    amount_yuan   numeric(12, 2) NOT NULL CHECK (amount_yuan >= 0),
    land_mu       numeric(10, 2),
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, id),
    UNIQUE (year, payment_no),
    CHECK (extract(year FROM period) = year)
) PARTITION BY LIST (year);
-- The real-name lookup (a household's payments), the red flags (a member's), the village notice
-- list and the aggregates (a township is a range of village codes; the index alone answers them).
CREATE INDEX payments_household_idx ON payments (household_id, period);
CREATE INDEX payments_member_idx ON payments (member_id, period);
CREATE INDEX payments_village_idx ON payments (village_code, fund_id, period)
    INCLUDE (member_id, amount_yuan);
CREATE INDEX payments_batch_idx ON payments (batch_id);

CREATE TABLE disbursements (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    year          smallint NOT NULL,
    payment_id    bigint NOT NULL,
    disbursed_on  date NOT NULL,
    amount_yuan   numeric(12, 2) NOT NULL CHECK (amount_yuan >= 0),
    form          text NOT NULL CHECK (form IN ('card', 'cash')),
    recorded_by   text NOT NULL,
    corrects_id   bigint,
    note          text NOT NULL DEFAULT '',
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, id),
    FOREIGN KEY (year, payment_id) REFERENCES payments (year, id)
) PARTITION BY LIST (year);
CREATE INDEX disbursements_payment_idx ON disbursements (payment_id, id);

CREATE FUNCTION money_records_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% records are immutable: record a correction instead', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER batch_stages_immutable BEFORE UPDATE OR DELETE ON batch_stages
    FOR EACH ROW EXECUTE FUNCTION money_records_immutable();
CREATE TRIGGER disbursements_immutable BEFORE UPDATE OR DELETE ON disbursements
    FOR EACH ROW EXECUTE FUNCTION money_records_immutable();

-- Red-flag alerts reuse the supervision cards: a card is about a case, or about a payment.
ALTER TABLE cards ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE cards ADD COLUMN payment_year smallint;
ALTER TABLE cards ADD COLUMN payment_id bigint;
ALTER TABLE cards ADD COLUMN member_id bigint REFERENCES household_members (id);
ALTER TABLE cards ADD CONSTRAINT cards_subject_kind
    CHECK ((case_id IS NOT NULL) <> (payment_id IS NOT NULL OR member_id IS NOT NULL));
CREATE UNIQUE INDEX cards_payment_rule_idx ON cards (payment_id, rule_code, subject)
    WHERE payment_id IS NOT NULL;
CREATE UNIQUE INDEX cards_member_rule_idx ON cards (member_id, rule_code, subject)
    WHERE member_id IS NOT NULL AND payment_id IS NULL;

INSERT INTO supervision_rules (code, color, enabled, params, description) VALUES
 ('PAID_AFTER_DEATH', 'red', true, '{}', '受益人死亡后仍发放'),
 ('BENEFICIARY_IS_OFFICIAL', 'red', true, '{}', '受益人为公职人员、村干部或其备案亲属'),
 ('DUPLICATE_BENEFIT', 'red', true, '{}', '同一人同一用途领取两项资金，或从两个部门领取'),
 ('ABOVE_STANDARD', 'red', true, '{}', '发放金额高于标准，或折算面积超过承包面积'),
 ('INVALID_OR_SHARED_ID', 'red', true, '{}', '身份证号码无效，或被两个不同的人使用'),
 ('LATE_DISBURSEMENT', 'yellow', true, '{}', '拨付后超过规定工作日（救灾资金2日、其他5日）仍未发放');

-- Set-based red-flag rules need two checks in SQL. They mirror domain/identity.py (GB 11643 check
-- character) and domain/calendar.py (working days strictly after the first day up to the second,
-- from the same calendar table; a year not loaded counts Monday to Friday).
CREATE FUNCTION sunshine_id_number_valid(id text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE WHEN id !~ '^[0-9]{17}[0-9X]$' THEN false ELSE
        substr('10X98765432', (
            substr(id, 1, 1)::int * 7 + substr(id, 2, 1)::int * 9 + substr(id, 3, 1)::int * 10
              + substr(id, 4, 1)::int * 5 + substr(id, 5, 1)::int * 8 + substr(id, 6, 1)::int * 4
              + substr(id, 7, 1)::int * 2 + substr(id, 8, 1)::int * 1 + substr(id, 9, 1)::int * 6
              + substr(id, 10, 1)::int * 3 + substr(id, 11, 1)::int * 7 + substr(id, 12, 1)::int * 9
              + substr(id, 13, 1)::int * 10 + substr(id, 14, 1)::int * 5 + substr(id, 15, 1)::int * 8
              + substr(id, 16, 1)::int * 4 + substr(id, 17, 1)::int * 2
        ) % 11 + 1, 1) = substr(id, 18, 1)
    END
$$;

-- The n-th working day after a day (a deadline), by the same rule.
CREATE FUNCTION sunshine_add_working_days(after_day date, n integer) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE STRICT AS $$
    SELECT g.day::date
    FROM generate_series(after_day + 1, after_day + 3 * n + 31, interval '1 day') AS g(day)
    LEFT JOIN calendar_days c ON c.day = g.day::date
    WHERE coalesce(c.is_working, extract(isodow FROM g.day) < 6)
    ORDER BY g.day
    OFFSET n - 1 LIMIT 1
$$;

CREATE FUNCTION sunshine_working_days(after_day date, until_day date) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE STRICT AS $$
    SELECT count(*)::int
    FROM generate_series(after_day + 1, until_day, interval '1 day') AS g(day)
    LEFT JOIN calendar_days c ON c.day = g.day::date
    WHERE coalesce(c.is_working, extract(isodow FROM g.day) < 6)
$$;

-- Aggregates never reveal a group smaller than this (a setting, as data).
CREATE TABLE disclosure_settings (
    key    text PRIMARY KEY,
    value  integer NOT NULL
);
INSERT INTO disclosure_settings VALUES ('min_group_size', 5);
"""

DOWNGRADE = """
DROP TABLE disclosure_settings;
DROP FUNCTION sunshine_working_days(date, date);
DROP FUNCTION sunshine_add_working_days(date, integer);
DROP FUNCTION sunshine_id_number_valid(text);
DELETE FROM cards WHERE case_id IS NULL;
DELETE FROM supervision_rules WHERE code IN ('PAID_AFTER_DEATH', 'BENEFICIARY_IS_OFFICIAL',
    'DUPLICATE_BENEFIT', 'ABOVE_STANDARD', 'INVALID_OR_SHARED_ID', 'LATE_DISBURSEMENT');
ALTER TABLE cards DROP CONSTRAINT cards_subject_kind;
DROP INDEX cards_payment_rule_idx;
DROP INDEX cards_member_rule_idx;
ALTER TABLE cards DROP COLUMN member_id;
ALTER TABLE cards DROP COLUMN payment_id;
ALTER TABLE cards DROP COLUMN payment_year;
ALTER TABLE cards ALTER COLUMN case_id SET NOT NULL;
DROP TABLE disbursements;
DROP TABLE payments;
DROP TABLE batch_stages;
DROP TABLE payment_batches;
DROP FUNCTION money_records_immutable();
DROP TABLE official_relatives;
DROP TABLE officials;
DROP TABLE household_members;
DROP TABLE households;
DROP TABLE funds;
"""


def partitions() -> str:
    statements = []
    for table in ("payments", "disbursements"):
        for year in YEARS:
            statements.append(f"CREATE TABLE {table}_{year} PARTITION OF {table} FOR VALUES IN ({year});")
        statements.append(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT;")
    return "\n".join(statements)


def upgrade() -> None:
    run_script(UPGRADE + partitions())


def downgrade() -> None:
    run_script(DOWNGRADE)
