"""Statements about the database itself rather than its data: creating one, refreshing statistics."""

from __future__ import annotations

from db.executor import Connection
from db.queries import load

Q = load("admin")

# The role the API's connections take on (migration 0007): it reads and writes the data, but cannot
# change or delete audit rows, truncate a table or disable a trigger.
APP_ROLE = "sunshine_app"


async def ensure_database(conn: Connection, *, name: str) -> None:
    """Create the database ``name`` on this server unless it exists. The name is the operator's
    own setting, never a caller's; it is quoted as an identifier all the same."""
    if not await conn.fetchval(Q.get_database, name):
        await conn.execute(f"CREATE DATABASE {_identifier(name)}")


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
