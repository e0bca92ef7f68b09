"""Apply alembic migrations from code (the CLI, the server start and the tests all use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from db.executor import Executor
from db.queries import load

ROOT = Path(__file__).resolve().parent.parent
Q = load("migrate")


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head() -> str:
    """This release's migration head."""
    revision = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_current_head()
    if revision is None:
        raise RuntimeError("migrations/ has no head revision")
    return revision


async def get_version(db: Executor, *, timeout: float) -> str | None:
    """The revision the database is migrated to."""
    version: str | None = await db.fetchval(Q.get_version, timeout=timeout)
    return version
