"""The demo county (桐溪县): regions, departments, powers, process maps and risk points
(``seed_foundation``), a year of cases under electronic supervision (``seed_cases``) and three
years of subsidy payments to its households (``seed_subsidies``). Each loads only into an empty
database and is reproducible from its seed. Its power codes fit the API's default
``POWER_CODE_PATTERN``.
"""

from demo.cases import demo_query_code, seed_cases
from demo.foundation import seed_foundation
from demo.load import PARTS, load, missing_parts
from demo.progress import LABELS, Progress
from demo.subsidies import seed_subsidies

__all__ = [
    "LABELS",
    "PARTS",
    "Progress",
    "demo_query_code",
    "load",
    "missing_parts",
    "seed_cases",
    "seed_foundation",
    "seed_subsidies",
]
