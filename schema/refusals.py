"""graphql-core's refusals as people read them: in Chinese, naming what was wrong (which variable,
argument or field) and what was expected (整数, 文本, a date, one of an enum's names …).

graphql-core and strawberry refuse in English. Their messages are not matched here; the refusal is
read from its shape instead:

- a document's validation: every rule runs with a context that tells which rule reports, and where
  in the schema the document is at that moment (the parent type, the field, the expected input
  type), so each rule's refusal is written from those facts and the document's own names;
- a variable's value: the error names the variable's definition; the value sent is walked against
  the declared type (graphql-core's own input validation, for the path) to say what is wrong;
- a syntax error: the line and column, and the text there.

Each refusal carries its stable ``code`` and graphql-core's English text as ``detail`` in its
extensions, for developers; api/errors.py renders them. Errors that already carry a code (the
service's own rules) and errors of resolvers pass through unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

from graphql import (
    ASTValidationRule,
    DirectiveNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLSchema,
    GraphQLSyntaxError,
    Node,
    SelectionSetNode,
    ValidationContext,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_required_argument,
    is_required_input_field,
    print_ast,
    type_from_ast,
    value_from_ast_untyped,
)
from graphql.language import SKIP, VisitorAction
from graphql.pyutils import Undefined, suggestion_list
from graphql.utilities.validate_input_value import validate_input_literal, validate_input_value
from graphql.validation import ValuesOfCorrectTypeRule
from strawberry.extensions import SchemaExtension

INVALID = "GRAPHQL_VALIDATION_FAILED"
BAD_VARIABLES = "BAD_VARIABLES"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"

# What a value of each scalar looks like, said to people.
_SCALARS = {
    "Int": "整数（-2147483648 至 2147483647）",
    "Float": "数字",
    "String": "文本",
    "Boolean": "布尔值（真或假）",
    "ID": "文本或整数",
    "Date": "日期，写作 年-月-日，如 2026-03-15",
    "DateTime": "带时区的日期时间，如 2026-03-15T09:30:00+08:00",
    "Decimal": "十进制数，如 12.50",
}


def expected(type_: GraphQLInputType) -> str:
    """What a value of ``type_`` must be, in Chinese."""
    nullable = get_nullable_type(type_)
    if is_list_type(nullable):
        return f"{expected(nullable.of_type)}的列表"
    named = get_named_type(nullable)
    if is_enum_type(named):
        return "以下之一：" + "、".join(named.values)
    if is_input_object_type(named):
        return f"对象（{named.name}）"
    return _SCALARS.get(named.name, f"{named.name} 类型的值")


def problem(type_: GraphQLInputType, value: Any, where: str) -> str:
    """What is wrong with ``value`` (``Undefined`` when not sent) as a ``type_``, said of ``where``."""
    if value is Undefined:
        return f"缺少{where}，应为{expected(type_)}"
    if value is None:
        return f"{where} 不能为空，应为{expected(type_)}"
    type_ = _item(get_nullable_type(type_), value)
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return f"{where} 应为{expected(type_)}，收到 {_shown(value)}"
        missing = [n for n, f in type_.fields.items() if is_required_input_field(f) and n not in value]
        if missing:
            return f"{where} 缺少必填的字段 {'、'.join(missing)}"
        unknown = [key for key in value if key not in type_.fields]
        if unknown:
            return f"{where} 没有字段 {unknown[0]}，可用的字段：{'、'.join(type_.fields)}"
        if type_.is_one_of:
            return f"{where} 须且只须填写以下字段之一：{'、'.join(type_.fields)}"
    return f"{where} 应为{expected(type_)}，收到 {_shown(value)}"


def _item(type_: Any, value: Any) -> Any:
    """A list type given one value is read as a list of that one value (the spec's coercion)."""
    while is_list_type(type_) and not isinstance(value, list):
        type_ = get_nullable_type(type_.of_type)
    return type_


def _at(type_: Any, value: Any, path: list[str | int]) -> tuple[Any, Any, str]:
    """The type and value at ``path`` inside ``value``, and the path written as people read it;
    as far as the value goes, should the path lead past it."""
    written = ""
    for key in path:
        nullable = get_nullable_type(type_)
        if isinstance(key, int) and is_list_type(nullable) and isinstance(value, list) and key < len(value):
            type_, value, written = nullable.of_type, value[key], f"{written}[{key}]"
            continue
        named = _item(nullable, value)
        if not (isinstance(key, str) and is_input_object_type(named) and isinstance(value, dict)):
            break
        if key not in named.fields:
            break
        type_, value, written = named.fields[key].type, value.get(key, Undefined), f"{written}.{key}"
    return type_, value, written


def _first_problem(type_: GraphQLInputType, value: Any, where: str) -> str | None:
    """The first problem graphql-core finds in ``value``, described at its place; None when none."""
    paths: list[list[str | int]] = []
    validate_input_value(value, type_, lambda _error, path: paths.append(path), True)
    if not paths:
        return None
    at_type, at_value, written = _at(type_, value, paths[0])
    return problem(at_type, at_value, f"{where}{written}")


def _shown(value: Any) -> str:
    """The value sent, as JSON, shortened: enough for the caller to recognise it."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


# --- a document's validation -------------------------------------------------------------------


def _name(node: Node | None) -> str:
    if isinstance(node, VariableDefinitionNode):
        return node.variable.name.value
    name = getattr(node, "name", None)
    return str(name.value) if name is not None else ""


def _field_name(context: ValidationContext) -> str:
    """The name of the field the validation is in (graphql-core's TypeInfo keeps its definition)."""
    parent, definition = context.get_parent_type(), context.get_field_def()
    fields = getattr(parent, "fields", {})
    return next((name for name, f in fields.items() if f is definition), "")


def _maybe(names: list[str]) -> str:
    return f"，是不是 {'、'.join(names[:3])}？" if names else ""


def _unknown_field(error: GraphQLError, context: ValidationContext) -> str:
    parent, name = context.get_parent_type(), _name(error.nodes[0] if error.nodes else None)
    fields = list(getattr(parent, "fields", {}))
    return f"类型 {parent} 没有字段 {name}" + _maybe(suggestion_list(name, fields))


def _leaf(error: GraphQLError, context: ValidationContext) -> str:
    node = error.nodes[0] if error.nodes else None
    if isinstance(node, SelectionSetNode):
        return f"类型为 {context.get_type()} 的字段没有子字段，不能再选择"
    name = _name(node)
    return f"字段 {name} 须选择要取的子字段，如 {name} {{ … }}"


def _unknown_argument(error: GraphQLError, context: ValidationContext) -> str:
    name = _name(error.nodes[0] if error.nodes else None)
    directive = context.get_directive()
    if directive is not None:
        return f"指令 @{directive.name} 没有参数 {name}"
    definition = context.get_field_def()
    arguments = list(definition.args) if definition is not None else []
    listed = f"，可用的参数：{'、'.join(arguments)}" if arguments else "，它没有参数"
    return f"字段 {_field_name(context)} 没有参数 {name}{listed}"


def _missing_arguments(error: GraphQLError, context: ValidationContext) -> str:
    node = error.nodes[0] if error.nodes else None
    given = {a.name.value for a in getattr(node, "arguments", None) or ()}
    if isinstance(node, DirectiveNode):
        directive = context.schema.get_directive(node.name.value)
        arguments = directive.args if directive is not None else {}
        owner = f"指令 @{node.name.value} "
    else:
        definition = context.get_field_def()
        arguments = definition.args if definition is not None else {}
        owner = f"字段 {_name(node)} "
    missing = [
        f"{name}（{expected(a.type)}）"
        for name, a in arguments.items()
        if is_required_argument(a) and name not in given
    ]
    return f"{owner}缺少必填的参数 {'、'.join(missing)}"


def _in_position(error: GraphQLError, _context: ValidationContext) -> str:
    nodes = error.nodes or []
    declared = next((n for n in nodes if isinstance(n, VariableDefinitionNode)), None)
    name = _name(declared) or next((n.name.value for n in nodes if isinstance(n, VariableNode)), "")
    written = f"声明为 {print_ast(declared.type)}，" if declared is not None else ""
    return f"变量 ${name} {written}与它所在位置要求的类型不符（例如可为空的变量用在了必填的参数上）"


def _conflict(error: GraphQLError, _context: ValidationContext) -> str:
    field = next((n for n in error.nodes or [] if isinstance(n, FieldNode)), None)
    key = (field.alias or field.name).value if field is not None else ""
    return f"返回名 {key} 对应的几个字段互相冲突（字段或参数不同），请用别名区分"


def _named(template: str) -> Callable[[GraphQLError, ValidationContext], str]:
    """A refusal that names the first node of the error (an operation, fragment, variable …)."""
    return lambda error, _context: template.format(name=_name(error.nodes[0] if error.nodes else None))


def _fixed(text: str) -> Callable[[GraphQLError, ValidationContext], str]:
    return lambda _error, _context: text


def _variable(template: str) -> Callable[[GraphQLError, ValidationContext], str]:
    def tell(error: GraphQLError, _context: ValidationContext) -> str:
        nodes = error.nodes or []
        node = next((n for n in nodes if isinstance(n, VariableNode | VariableDefinitionNode)), None)
        return template.format(name=_name(node))

    return tell


def _spread(error: GraphQLError, _context: ValidationContext) -> str:
    spread = next((n for n in error.nodes or [] if isinstance(n, FragmentSpreadNode)), None)
    named = f" {spread.name.value} " if spread is not None else ""
    return f"片段{named}的类型条件与此处的类型不相容"


Teller = Callable[[GraphQLError, ValidationContext], str]

# Each rule's refusal, by the rule's class name (graphql-core's rules and strawberry's limiters).
_RULES: dict[str, tuple[str, Teller]] = {
    "ExecutableDefinitionsRule": (INVALID, _fixed("文档只能包含查询、变更和片段的定义")),
    "KnownOperationTypesRule": (INVALID, _fixed("本服务只有查询和变更两种操作")),
    "UniqueOperationNamesRule": (INVALID, _named("操作名 {name} 重复")),
    "LoneAnonymousOperationRule": (INVALID, _fixed("文档有多个操作时，每个操作都须有名字")),
    "SingleFieldSubscriptionsRule": (INVALID, _fixed("本服务没有订阅操作")),
    "KnownTypeNamesRule": (INVALID, _named("没有名为 {name} 的类型")),
    "FragmentsOnCompositeTypesRule": (INVALID, _fixed("片段只能用于对象类型")),
    "VariablesAreInputTypesRule": (INVALID, _variable("变量 ${name} 的类型须为标量、枚举或输入对象")),
    "ScalarLeafsRule": (INVALID, _leaf),
    "FieldsOnCorrectTypeRule": (INVALID, _unknown_field),
    "UniqueFragmentNamesRule": (INVALID, _named("片段名 {name} 重复")),
    "KnownFragmentNamesRule": (INVALID, _named("没有名为 {name} 的片段")),
    "NoUnusedFragmentsRule": (INVALID, _named("片段 {name} 没有被使用")),
    "PossibleFragmentSpreadsRule": (INVALID, _spread),
    "NoFragmentCyclesRule": (INVALID, _named("片段 {name} 循环引用了自身")),
    "UniqueVariableNamesRule": (INVALID, _variable("变量 ${name} 重复声明")),
    "NoUndefinedVariablesRule": (INVALID, _variable("变量 ${name} 没有在操作中声明")),
    "NoUnusedVariablesRule": (INVALID, _variable("变量 ${name} 声明了却没有用到")),
    "KnownDirectivesRule": (INVALID, _named("不能在此处使用指令 @{name}")),
    "UniqueDirectivesPerLocationRule": (INVALID, _named("指令 @{name} 在同一处重复")),
    "DeferStreamDirectiveOnRootField": (INVALID, _named("指令 @{name} 不能用在此处")),
    "DeferStreamDirectiveOnValidOperationsRule": (INVALID, _named("指令 @{name} 不能用在此处")),
    "DeferStreamDirectiveLabel": (INVALID, _named("指令 @{name} 的标签须唯一")),
    "StreamDirectiveOnListField": (INVALID, _named("指令 @{name} 只能用于列表字段")),
    "KnownArgumentNamesRule": (INVALID, _unknown_argument),
    "UniqueArgumentNamesRule": (INVALID, _named("参数 {name} 重复")),
    "ProvidedRequiredArgumentsRule": (INVALID, _missing_arguments),
    "VariablesInAllowedPositionRule": (INVALID, _in_position),
    "OverlappingFieldsCanBeMergedRule": (INVALID, _conflict),
    "UniqueInputFieldNamesRule": (INVALID, _named("输入字段 {name} 重复")),
    "MaxIntrospectionDepthRule": (INVALID, _fixed("自省查询嵌套过深")),
    "DepthLimitValidator": ("QUERY_TOO_DEEP", _fixed("查询嵌套层数超过上限，请减少嵌套")),
    "MaxAliasesValidator": ("TOO_MANY_ALIASES", _fixed("查询中的别名数量超过上限")),
}


def told(code: str, message: str, error: GraphQLError) -> GraphQLError:
    """``error`` as people read it: ``message`` in Chinese, graphql-core's text kept as ``detail``."""
    return GraphQLError(
        message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        extensions={"code": code, "detail": error.message},
    )


class _Telling:
    """A validation context that writes each refusal of one rule in Chinese as it is reported,
    while the context still knows where in the schema the document is."""

    def __init__(self, context: ValidationContext, rule: str) -> None:
        self._context = context
        self._rule = rule

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        if not (error.extensions or {}).get("code"):
            code, tell = _RULES.get(self._rule, (INVALID, _fixed("查询不合法")))
            error = told(code, tell(error, self._context), error)
        self._context.report_error(error)


class _ValuesOfCorrectType(ValuesOfCorrectTypeRule):
    """graphql-core's rule for a document's literal values, saying where in the value it is wrong."""

    def is_valid_value_node(self, node: ValueNode, input_type: GraphQLInputType | None) -> VisitorAction:
        if input_type is None:
            return SKIP
        value = value_from_ast_untyped(node)
        found: list[tuple[GraphQLError, list[str | int]]] = []
        validate_input_literal(node, input_type, lambda e, path: found.append((e, path)), None, None, True)
        if found:
            error, path = found[0]
            at_type, at_value, written = _at(input_type, value, path)
            where = f"参数 {self._argument()}{written}" if self._argument() else f"参数值{written}"
            self.report_error(told(INVALID, problem(at_type, at_value, where), error))
        return SKIP

    def _argument(self) -> str:
        """The name of the argument whose value is being read, when it is one."""
        argument, directive = self.context.get_argument(), self.context.get_directive()
        owner = directive if directive is not None else self.context.get_field_def()
        arguments = owner.args if owner is not None else {}
        return next((name for name, a in arguments.items() if a is argument), "")


_TELLING: dict[type[ASTValidationRule], type[ASTValidationRule]] = {}


def telling(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """``rule`` reporting its refusals in Chinese; one class per rule, so that validation stays
    cached by its rules (strawberry's ValidationCache keys on them)."""
    if rule not in _TELLING:
        _TELLING[rule] = _telling(rule)
    return _TELLING[rule]


def _telling(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    base = _ValuesOfCorrectType if rule is ValuesOfCorrectTypeRule else rule

    class Telling(base):  # type: ignore[valid-type,misc]  # a subclass of whichever rule is given
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(cast("ValidationContext", _Telling(context, rule.__name__)))

    Telling.__name__ = Telling.__qualname__ = rule.__name__
    return Telling


# --- a request's variables and syntax ----------------------------------------------------------


def _variable_refusal(
    error: GraphQLError, schema: GraphQLSchema, variables: Mapping[str, Any]
) -> GraphQLError:
    [definition] = cast("list[VariableDefinitionNode]", error.nodes)
    name = definition.variable.name.value
    type_ = cast("GraphQLInputType", type_from_ast(schema, definition.type))
    message = _first_problem(type_, variables.get(name, Undefined), f"变量 ${name}")
    return told(BAD_VARIABLES, message or f"变量 ${name} 应为{expected(type_)}", error)


def _syntax_refusal(error: GraphQLSyntaxError) -> GraphQLError:
    # The token limit (strawberry's MaxTokensLimiter, via graphql-core's parser) has no shape of
    # its own: it is a syntax error that says so.
    if "tokens" in error.message:
        return told("QUERY_TOO_LARGE", "查询文本过长（记号数超过上限）", error)
    where = ""
    if error.locations and error.source is not None and error.positions:
        line, column = error.locations[0].line, error.locations[0].column
        rest = " ".join(error.source.body[next(iter(error.positions)) :].split())
        where = (
            f"：第 {line} 行第 {column} 列，“{rest[:20]}”附近"
            if rest
            else f"：第 {line} 行第 {column} 列处查询意外结束，括号或引号是否没有配对？"
        )
    return told(PARSE_FAILED, f"查询语法错误{where}", error)


def refusal(error: GraphQLError, schema: GraphQLSchema, variables: Mapping[str, Any]) -> GraphQLError:
    """``error`` as people read it, when it is a refusal of graphql-core's (a request's syntax,
    its document or its variables); any other error unchanged."""
    if (error.extensions or {}).get("code"):
        return error
    if isinstance(error, GraphQLSyntaxError):
        return _syntax_refusal(error)
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        return error  # a resolver's refusal or fault: api/errors.py reads it
    nodes = error.nodes or []
    if error.path is None and len(nodes) == 1 and isinstance(nodes[0], VariableDefinitionNode):
        return _variable_refusal(error, schema, variables)
    if error.path is None:
        return told(INVALID, "查询不合法", error)  # a rule without its own reading (strawberry's)
    return error


def plain(
    errors: list[GraphQLError], schema: GraphQLSchema, variables: Mapping[str, Any]
) -> list[GraphQLError]:
    """An answer's errors as people read them (see :func:`refusal`), each sentence once: a rule
    reports once per missing argument, and one sentence names them all."""
    seen: set[tuple[str, str]] = set()
    read: list[GraphQLError] = []
    for error in errors:
        told_error = refusal(error, schema, variables)
        key = (told_error.message, repr(told_error.locations))
        if key not in seen:
            seen.add(key)
            read.append(told_error)
    return read


class TellingRules(SchemaExtension):
    """Every validation rule of a request reports in Chinese (:func:`telling`); added after the
    rules are all in place and before they run."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = tuple(telling(rule) for rule in context.validation_rules)
        yield
