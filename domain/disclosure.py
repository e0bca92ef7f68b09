"""How much of a fund the public sees: one rule per fund, kept with the fund (``funds.disclosure``).

- ``notice`` — the fund's beneficiaries are posted on their village's notice list (公示), masked
  as everywhere; its statistics are published in full, since the list already shows each group.
- ``aggregate`` — beneficiaries are never listed (the fund itself tells something sensitive about
  them, as disability subsidies tell of a disability: sensitive personal information under the
  Personal Information Protection Law); its statistics withhold every group smaller than the
  minimum group size, and one more where a total would give a small one away.

A fund's type decides it (``disclosure_of``); the notice list and the statistics both follow the
fund's stored rule, so the two can never disagree about the same people.
"""

from __future__ import annotations

NOTICE, AGGREGATE = "notice", "aggregate"

# Fund types whose beneficiaries are not listed publicly.
SENSITIVE_FUND_TYPES = frozenset({"disability"})


def disclosure_of(fund_type: str) -> str:
    return AGGREGATE if fund_type in SENSITIVE_FUND_TYPES else NOTICE
