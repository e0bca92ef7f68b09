"""The one error type that carries a stable code and a message people can read.

Every refusal the service makes on purpose is a :class:`DomainError`; its ``code`` goes to the
client in ``extensions.code`` and its message, in Chinese, says what was wrong. Anything else that
escapes is a bug and reaches clients only as ``INTERNAL_ERROR``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code: str = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class NotFound(DomainError):
    code = "NOT_FOUND"


class InvalidInput(DomainError):
    code = "INVALID_INPUT"
