"""Subsidy statistics precomputed, the answer cache told of subsidy changes, and the real-name
lookup's indexes.

``subsidy_aggregates`` holds every cell the statistics (``subsidyAggregates``, the open data's
fund aggregates) can ask for: per fund, per village or township, per period or year, the amount,
the number of payment lines and the number of people paid. Amounts and lines add up across months
and villages; people do not (one person paid every month is one beneficiary of the year, not
twelve), so each of the four spans is kept with its own count of distinct people rather than summed
from a finer one. Every writer of payments keeps the cells current in the same transaction
(db/subsidies.py: ``update_aggregates`` adds new payments, ``rebuild_aggregates`` recomputes all
of them after a bulk load; both take one advisory lock, so two writers never count the same person
twice). This migration fills the table from the payments already there.

Every committed write to the tables public subsidy answers read sends a NOTIFY on
``sunshine_subsidies`` (as migration 0006 does for the catalogue), so every server process drops
the statistics and notice lists it keeps (api/answer_cache.py).

The real-name lookup reads one household's newest payments and each one's latest disbursement:
both now come whole from an index (``payments_household_lookup_idx``,
``disbursements_payment_latest_idx``), in order, without visiting the tables' pages.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

Hand-written. Keep it working with the release before it: add before you drop, and never import
application code here.
"""

from migrations.sql import run_script

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NOTIFYING = ("payments", "households", "household_members", "disclosure_settings", "subsidy_aggregates")

UPGRADE = r"""
CREATE TABLE subsidy_aggregates (
    fund_id        integer NOT NULL REFERENCES funds (id),
    region_code    varchar(12) NOT NULL,  -- a village (12 digits) or a township (9)
    span           text NOT NULL CHECK (span IN ('month', 'year')),
    period         date NOT NULL,  -- the payments' period, or 1 January of the year
    amount_yuan    numeric(16, 2) NOT NULL,
    payments       integer NOT NULL,
    beneficiaries  integer NOT NULL,  -- distinct people paid in the cell
    PRIMARY KEY (span, region_code, period, fund_id)
);

-- The whole table from the payments, in one pass: each person's lines of a fund and year in an
-- order where the lines of one village and period, one township and period, and one township
-- are next to each other, so the first line of each counts the person there; the first line of
-- each village, by period, needs an order of its own.
CREATE FUNCTION sunshine_rebuild_subsidy_aggregates() RETURNS void
LANGUAGE plpgsql SET work_mem = '256MB' AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('sunshine-subsidy-aggregates'));
    DELETE FROM subsidy_aggregates;
    INSERT INTO subsidy_aggregates (fund_id, region_code, span, period, amount_yuan, payments, beneficiaries)
    WITH flagged AS (
        SELECT fund_id, year, village_code, period, amount_yuan,
               lag(village_code) OVER person IS DISTINCT FROM village_code
                   OR lag(period) OVER person IS DISTINCT FROM period AS first_in_village_month,
               lag(left(village_code, 9)) OVER person IS DISTINCT FROM left(village_code, 9)
                   OR lag(period) OVER person IS DISTINCT FROM period AS first_in_township_month,
               lag(left(village_code, 9)) OVER person IS DISTINCT FROM left(village_code, 9)
                   AS first_in_township_year,
               row_number() OVER (PARTITION BY fund_id, year, member_id, village_code ORDER BY period) = 1
                   AS first_in_village_year
        FROM payments
        WINDOW person AS (
            PARTITION BY fund_id, year, member_id ORDER BY left(village_code, 9), period, village_code
        )
    ),
    cells AS (  -- per fund, village and period; each count in the cell where it is first
        SELECT fund_id, year, village_code, period, sum(amount_yuan) AS amount_yuan, count(*) AS payments,
               count(*) FILTER (WHERE first_in_village_month) AS village_month,
               count(*) FILTER (WHERE first_in_village_year) AS village_year,
               count(*) FILTER (WHERE first_in_township_month) AS township_month,
               count(*) FILTER (WHERE first_in_township_year) AS township_year
        FROM flagged
        GROUP BY fund_id, year, village_code, period
    )
    SELECT fund_id, village_code, 'month', period, amount_yuan, payments, village_month FROM cells
    UNION ALL
    SELECT fund_id, village_code, 'year', make_date(year, 1, 1), sum(amount_yuan), sum(payments),
           sum(village_year)
    FROM cells GROUP BY fund_id, village_code, year
    UNION ALL
    SELECT fund_id, left(village_code, 9), 'month', period, sum(amount_yuan), sum(payments),
           sum(township_month)
    FROM cells GROUP BY fund_id, left(village_code, 9), period
    UNION ALL
    SELECT fund_id, left(village_code, 9), 'year', make_date(year, 1, 1), sum(amount_yuan), sum(payments),
           sum(township_year)
    FROM cells GROUP BY fund_id, left(village_code, 9), year;
END
$$;

SELECT sunshine_rebuild_subsidy_aggregates();

-- The channel is the trigger's argument: one function for any channel a later table joins.
CREATE FUNCTION sunshine_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], TG_TABLE_NAME);
    RETURN NULL;
END
$$;
"""

# One statement-level trigger a table, as in migration 0006.
TRIGGERS = "".join(
    f"""
CREATE TRIGGER {table}_subsidies_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION sunshine_notify_change('sunshine_subsidies');
"""
    for table in NOTIFYING
)

# The lookup's two reads, answered from the index alone once the pages are all-visible: one
# household's payments newest first (read no further than the page), and each payment's latest
# disbursement. They take the place of the plain indexes on the same leading columns, which every
# other reader of those columns (red flags, the ledger, a payment's trail) uses the same way.
# Built on each partition; CONCURRENTLY is not possible on a partitioned table.
INDEXES = r"""
CREATE INDEX payments_household_lookup_idx ON payments (household_id, period DESC, id DESC)
    INCLUDE (year, fund_id, member_id);
DROP INDEX payments_household_idx;
CREATE INDEX disbursements_payment_latest_idx ON disbursements (payment_id, id DESC)
    INCLUDE (year, disbursed_on, form, amount_yuan);
DROP INDEX disbursements_payment_idx;
"""

DOWNGRADE = (
    "CREATE INDEX disbursements_payment_idx ON disbursements (payment_id, id);\n"
    "DROP INDEX disbursements_payment_latest_idx;\n"
    "CREATE INDEX payments_household_idx ON payments (household_id, period);\n"
    "DROP INDEX payments_household_lookup_idx;\n"
    + "".join(f"DROP TRIGGER {table}_subsidies_changed ON {table};\n" for table in NOTIFYING)
    + """
DROP FUNCTION sunshine_notify_change();
DROP FUNCTION sunshine_rebuild_subsidy_aggregates();
DROP TABLE subsidy_aggregates;
"""
)


def upgrade() -> None:
    run_script(UPGRADE + TRIGGERS + INDEXES)


def downgrade() -> None:
    run_script(DOWNGRADE)
