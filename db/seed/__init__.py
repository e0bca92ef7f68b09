"""The demo county (桐溪县): regions, departments, powers, process maps and risk points.

``seed_foundation`` loads it into an empty database; ``POWER_CODE_PATTERN`` is the code format its
powers follow, which the API uses as the default pattern.
"""

from db.seed.codes import POWER_CODE_PATTERN
from db.seed.foundation import seed_foundation

__all__ = ["POWER_CODE_PATTERN", "seed_foundation"]
