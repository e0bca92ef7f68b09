"""Alembic environment: async engine on asyncpg, one migrator at a time, bounded waits.

Migrations are hand-written SQL and import nothing from the application, so an old release's
migrations keep working whatever the code around them becomes.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def _url() -> str:
    url = (
        context.config.attributes.get("database_url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("DATABASE_URL")
    )
    if not url:
        raise RuntimeError("请设置 DATABASE_URL 或传入 -x url=...")
    # Accept plain libpq-style URLs and route them through SQLAlchemy's asyncpg dialect.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def _run(connection: Connection) -> None:
    # A second migrator waits here instead of racing; lock_timeout keeps a blocked DDL from
    # queueing every reader behind it for long.
    connection.execute(text("SELECT pg_advisory_lock(hashtext('sunshine-alembic'))"))
    connection.execute(text("SET lock_timeout = '10s'"))
    connection.execute(text("SET statement_timeout = '10min'"))
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.execute(text("SELECT pg_advisory_unlock(hashtext('sunshine-alembic'))"))


async def _main() -> None:
    engine = create_async_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("离线 SQL 生成不受支持：请连接数据库执行迁移")
asyncio.run(_main())
