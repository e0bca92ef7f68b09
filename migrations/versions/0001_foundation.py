"""Foundation: regions, departments, staff, powers with their elements, process maps, risk points,
adjustments and the working-day calendar.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


UPGRADE = r"""
-- Chinese has no spaces, and pg_trgm is not everywhere (the embedded server lacks it), so keyword
-- search indexes every two-character window of the text.  A one-character keyword falls back to
-- a scan, which the small powers table affords.
CREATE FUNCTION sunshine_bigrams(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(array_agg(DISTINCT substr(body, i, 2)), '{}')
    FROM generate_series(1, char_length(body) - 1) AS i
    WHERE substr(body, i, 2) !~ '\s'
$$;

CREATE TABLE regions (
    code        varchar(12) PRIMARY KEY CHECK (code ~ '^([0-9]{6}|[0-9]{9}|[0-9]{12})$'),
    name        text NOT NULL CHECK (name <> ''),
    level       smallint NOT NULL CHECK (level IN (1, 2, 3)),
    kind        text NOT NULL
                CHECK (kind IN ('county', 'township', 'town', 'street', 'village', 'community')),
    parent_code varchar(12) REFERENCES regions (code),
    CHECK (char_length(code) = CASE level WHEN 1 THEN 6 WHEN 2 THEN 9 ELSE 12 END),
    CHECK ((level = 1) = (parent_code IS NULL))
);
CREATE INDEX regions_parent_idx ON regions (parent_code, code);

CREATE TABLE departments (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{2,32}$'),
    name          text NOT NULL UNIQUE,
    short_name    text NOT NULL,
    region_code   varchar(12) NOT NULL REFERENCES regions (code),
    service_level text NOT NULL CHECK (service_level IN ('county', 'township', 'village')),
    hall          text,
    phone         text,
    address       text,
    position      integer NOT NULL DEFAULT 0
);
CREATE INDEX departments_region_idx ON departments (region_code);

CREATE TABLE service_windows (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    department_id integer NOT NULL REFERENCES departments (id),
    number        text NOT NULL,
    name          text NOT NULL,
    UNIQUE (department_id, number)
);

CREATE TABLE posts (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    department_id integer NOT NULL REFERENCES departments (id),
    name          text NOT NULL,
    duties        text NOT NULL DEFAULT '',
    UNIQUE (department_id, name)
);

CREATE TABLE staff (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_no      text NOT NULL UNIQUE,
    department_id integer NOT NULL REFERENCES departments (id),
    post_id       integer REFERENCES posts (id),
    name          text NOT NULL,
    phone         text,
    active        boolean NOT NULL DEFAULT true
);
CREATE INDEX staff_department_idx ON staff (department_id);

CREATE TABLE powers (
    id                   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                 text NOT NULL UNIQUE,
    name                 text NOT NULL CHECK (name <> ''),
    category             text NOT NULL CHECK (category IN (
                             'licensing', 'penalty', 'coercion', 'levy', 'benefit', 'inspection',
                             'confirmation', 'reward', 'adjudication', 'other', 'public_service')),
    department_id        integer NOT NULL REFERENCES departments (id),
    status               text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled')),
    service_level        text NOT NULL DEFAULT 'county'
                         CHECK (service_level IN ('county', 'township', 'village')),
    legal_basis          text NOT NULL DEFAULT '',
    conditions           text NOT NULL DEFAULT '',
    procedure            text NOT NULL DEFAULT '',
    fee_yuan             numeric(12, 2) CHECK (fee_yuan IS NULL OR fee_yuan >= 0),
    fee_basis            text NOT NULL DEFAULT '',
    statutory_limit_days integer CHECK (statutory_limit_days > 0),
    promised_limit_days  integer CHECK (promised_limit_days > 0),
    visits_needed        smallint NOT NULL DEFAULT 1 CHECK (visits_needed BETWEEN 0 AND 9),
    parallel_approval    boolean NOT NULL DEFAULT false,
    consultation_channel text NOT NULL DEFAULT '',
    complaint_channel    text NOT NULL DEFAULT '',
    internal_note        text NOT NULL DEFAULT '',
    published_on         date,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    search_bigrams       text[] GENERATED ALWAYS AS (sunshine_bigrams(lower(name || ' ' || code))) STORED,
    CHECK (promised_limit_days IS NULL OR statutory_limit_days IS NULL
           OR promised_limit_days <= statutory_limit_days)
);
-- The public list is "published powers by code" (keyset), optionally of one department or category.
CREATE INDEX powers_status_code_idx ON powers (status, code);
CREATE INDEX powers_department_code_idx ON powers (department_id, code);
CREATE INDEX powers_category_code_idx ON powers (category, code);
CREATE INDEX powers_search_idx ON powers USING gin (search_bigrams);

CREATE TABLE power_materials (
    power_id          integer NOT NULL REFERENCES powers (id) ON DELETE CASCADE,
    position          smallint NOT NULL,
    name              text NOT NULL,
    copies            smallint NOT NULL DEFAULT 1 CHECK (copies >= 0),
    original_required boolean NOT NULL DEFAULT false,
    note              text NOT NULL DEFAULT '',
    PRIMARY KEY (power_id, position)
);

-- Each adjustment keeps the power's elements as they stood from its effective date on, so
-- "what did this power require on 2025-03-01?" is one indexed lookup.
CREATE TABLE power_adjustments (
    id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    power_id     integer NOT NULL REFERENCES powers (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('added', 'changed', 'cancelled')),
    effective_on date NOT NULL,
    reason       text NOT NULL CHECK (reason <> ''),
    document_no  text NOT NULL DEFAULT '',
    elements     jsonb NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX power_adjustments_power_idx ON power_adjustments (power_id, effective_on DESC, id DESC);

CREATE TABLE process_steps (
    id                  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    power_id            integer NOT NULL REFERENCES powers (id) ON DELETE CASCADE,
    key                 text NOT NULL,
    name                text NOT NULL,
    post_name           text NOT NULL,
    department_id       integer NOT NULL REFERENCES departments (id),
    limit_days          integer NOT NULL DEFAULT 0 CHECK (limit_days >= 0),
    counts_toward_limit boolean NOT NULL DEFAULT true,
    checks              text NOT NULL DEFAULT '',
    position            smallint NOT NULL,
    UNIQUE (power_id, key),
    UNIQUE (id, power_id)
);
CREATE INDEX process_steps_power_idx ON process_steps (power_id, position);

CREATE TABLE process_edges (
    power_id     integer NOT NULL REFERENCES powers (id) ON DELETE CASCADE,
    from_step_id integer NOT NULL,
    to_step_id   integer NOT NULL,
    condition    text NOT NULL DEFAULT '',
    PRIMARY KEY (power_id, from_step_id, to_step_id),
    FOREIGN KEY (from_step_id, power_id) REFERENCES process_steps (id, power_id) ON DELETE CASCADE,
    FOREIGN KEY (to_step_id, power_id) REFERENCES process_steps (id, power_id) ON DELETE CASCADE,
    CHECK (from_step_id <> to_step_id)
);

CREATE TABLE risk_points (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    step_id     integer NOT NULL REFERENCES process_steps (id) ON DELETE CASCADE,
    power_id    integer NOT NULL REFERENCES powers (id) ON DELETE CASCADE,
    description text NOT NULL,
    level       text NOT NULL CHECK (level IN ('high', 'medium', 'low'))
);
CREATE INDEX risk_points_step_idx ON risk_points (step_id, id);
CREATE INDEX risk_points_power_idx ON risk_points (power_id, id);

CREATE TABLE control_measures (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    risk_point_id integer NOT NULL REFERENCES risk_points (id) ON DELETE CASCADE,
    description   text NOT NULL
);
CREATE INDEX control_measures_risk_point_idx ON control_measures (risk_point_id, id);

-- The official calendar, loaded per year from data: only the exceptions to "Monday to Friday
-- work" are stored (public holidays off, adjusted working days 调休 on).
CREATE TABLE calendar_years (
    year      integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    source    text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE calendar_days (
    day        date PRIMARY KEY,
    is_working boolean NOT NULL,
    name       text NOT NULL,
    year       integer NOT NULL REFERENCES calendar_years (year) ON DELETE CASCADE,
    CHECK (extract(year FROM day) = year)
);
"""

DOWNGRADE = """
DROP TABLE calendar_days;
DROP TABLE calendar_years;
DROP TABLE control_measures;
DROP TABLE risk_points;
DROP TABLE process_edges;
DROP TABLE process_steps;
DROP TABLE power_adjustments;
DROP TABLE power_materials;
DROP TABLE powers;
DROP TABLE staff;
DROP TABLE posts;
DROP TABLE service_windows;
DROP TABLE departments;
DROP TABLE regions;
DROP FUNCTION sunshine_bigrams(text);
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
