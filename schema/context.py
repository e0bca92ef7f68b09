"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import strawberry

from db.executor import Executor
from domain.viewer import Viewer
from schema.loaders import Loaders


@dataclass(frozen=True, slots=True)
class Limits:
    """Deployment choices the schema enforces (built by the API from its settings)."""

    max_page_size: int = 100
    default_page_size: int = 20
    power_code_pattern: re.Pattern[str] = re.compile(r"^[0-9]{6}-[A-Z]{2}-[0-9]{5}$")


@dataclass(slots=True)
class Context:
    viewer: Viewer
    db: Executor
    limits: Limits
    request_id: str = ""
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)


Info = strawberry.Info[Context, None]
