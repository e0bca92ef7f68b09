"""Text as the service accepts it, checked once before any resolver or SQL sees it.

PostgreSQL's text cannot hold a NUL byte, UTF-8 cannot hold a lone surrogate, and no field of this
service needs more than ``MAX_TEXT`` characters. Strings reach the schema two ways: in a
document's literals (checked by :class:`TextLiteralRule` during validation, cached with it) and in
variables (checked by :func:`check_variables` before the document runs).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule

MAX_TEXT = 10_000


def text_problem(value: str) -> str | None:
    """What is wrong with ``value`` as text for this service, in Chinese; None when nothing."""
    if "\x00" in value:
        return "不能含有空字符（\\u0000）"
    if len(value) > MAX_TEXT:
        return f"过长（上限 {MAX_TEXT} 个字符）"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "含有无法存储的字符（不成对的代理码位）"
    return None


def check_variables(value: Any, path: str = "") -> str | None:
    """The first problem in any string of the variables, named by where it is; None when none."""
    if isinstance(value, str):
        problem = text_problem(value)
        return f"变量 {path} {problem}" if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (problem := text_problem(key)):
                return f"变量 {path} 的键名{problem}"
            if found := check_variables(item, f"{path}.{key}" if path else f"${key}"):
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := check_variables(item, f"{path}[{index}]"):
                return found
    return None


class TextLiteralRule(ValidationRule):
    """A string literal in the document itself obeys the same rule as a variable."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        problem = text_problem(node.value)
        if problem:
            self.report_error(
                GraphQLError(f"文本{problem}", node, extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
            )
