"""Run a multi-statement SQL script inside the migration's transaction.

SQLAlchemy's asyncpg adapter prepares every statement, and PostgreSQL refuses several commands in
one prepared statement; asyncpg's own ``execute`` without arguments uses the simple protocol, which
takes a whole script. The adapter exposes the driver connection for exactly this.
"""

from __future__ import annotations

from typing import Any

from alembic import op


def run_script(sql: str) -> None:
    adapted: Any = op.get_bind().connection.dbapi_connection
    adapted.run_async(lambda driver: driver.execute(sql))
