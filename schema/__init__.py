"""The one GraphQL schema of Sunshine, a module per domain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.execution import Executor
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.base import get_object_definition
from strawberry.types.graphql import OperationType

from schema.audit import AuditQueries
from schema.cases import CaseMutations, CaseQueries
from schema.complaints import ComplaintMutations, ComplaintQueries
from schema.cost import make_cost_rule
from schema.feed import FeedQueries, FeedSubscriptions, fresh_event_memo
from schema.households import HouseholdQueries
from schema.memo import Memo
from schema.notifications import NotificationQueries
from schema.org import OrgQueries
from schema.performance import PerformanceQueries
from schema.plain_fields import plain_leaves
from schema.powers import PowerQueries
from schema.ratings import RatingMutations
from schema.reasons import AccessReasons, OperationFacts
from schema.refusals import TellingRules, plain
from schema.scalars import SCALARS
from schema.sql_answers import answering_officials
from schema.subsidies import SubsidyMutations, SubsidyQueries
from schema.supervision import SupervisionMutations, SupervisionQueries
from schema.text import TextLiteralRule
from schema.validation import BoundedValidation, Validated


def _root(name: str, parts: tuple[type, ...], order: tuple[str, ...]) -> type:
    """One root type from the domain modules' resolver classes, its fields listed in ``order``.

    The order is the one clients already read (introspection, the printed SDL); it is declared
    here so that a resolver moving to another module does not move in the schema. A root field
    missing from ``order`` is refused, so a new one is placed on purpose.
    """
    root = merge_types(name, parts)
    fields = get_object_definition(root, strict=True).fields
    if sorted(f.python_name for f in fields) != sorted(order):
        raise TypeError(f"{name}: the resolvers' fields and the declared order differ")
    fields.sort(key=lambda f: order.index(f.python_name))
    return root


Query = _root(
    "Query",
    (
        OrgQueries,
        PowerQueries,
        CaseQueries,
        SupervisionQueries,
        NotificationQueries,
        PerformanceQueries,
        SubsidyQueries,
        HouseholdQueries,
        ComplaintQueries,
        AuditQueries,
        FeedQueries,
    ),
    (
        *("regions", "region", "departments", "department", "viewer", "powers", "power"),
        *("case_progress", "case", "cases", "overdue_cases"),
        *("cards", "notifications", "department_performance", "supervision_rules"),
        *("funds", "household_subsidies", "notice_list", "subsidy_aggregates", "household"),
        *("track_complaint", "complaints"),
        "audit_records",
        *("supervision_events", "live_counts"),
    ),
)
Mutation = _root(
    "Mutation",
    (CaseMutations, SupervisionMutations, RatingMutations, SubsidyMutations, ComplaintMutations),
    (
        *("record_case_events", "explain_card", "rate_case", "rectify_rating"),
        *("return_card", "escalate_card", "close_card"),
        "record_subsidy_money",
        *("submit_complaint", "rate_complaint", "decide_complaint", "reply_complaint"),
    ),
)

Subscription = _root("Subscription", (FeedSubscriptions,), ("supervision_feed", "live_counts"))


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """What one document may ask; the deployment's settings (api/settings.py) choose them."""

    max_depth: int
    max_aliases: int
    max_tokens: int
    max_cost: int
    page_max: int
    # Parsed and validated documents are cached: a small query costs several times the CPU
    # without. Bounded, because officials may send any text.
    cache_size: int = 512


class Schema(strawberry.Schema):
    """Strawberry's schema, less its own error log: every error of an answer is logged once where
    it is formatted for the client (api/errors.py), a refusal at INFO and a bug at ERROR. Its
    answers' refusals read in Chinese (schema/refusals.py)."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        result = await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        if result.errors:
            result.errors = plain(result.errors, self._schema, variable_values or {})
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(limits: DocumentLimits, *, fast_paths: bool = True) -> strawberry.Schema:
    """The schema; ``fast_paths`` off, every field goes graphql-core's ordinary way (the
    differential tests compare the two)."""
    # The limiters' rule classes are made once: the validation cache keys on the rule classes, so
    # limiters built afresh for each request would never hit it. Extensions themselves are made
    # per request (factories), as strawberry requires for isolation between requests.
    rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
        make_cost_rule(max_cost=limits.max_cost, page_max=limits.page_max),
        TextLiteralRule,
    ]
    validated: Validated = Memo(limits.cache_size)
    facts: OperationFacts = Memo(limits.cache_size)
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: ParserCache(maxsize=limits.cache_size),
            lambda: AddValidationRules(rules),
            TellingRules,  # after the rules are all added, before they run
            lambda: BoundedValidation(validated),
            lambda: AccessReasons(facts),
        ],
    )
    executor: type[Executor[Any]] = StrawberryGraphQLCoreExecutionContext
    if fast_paths:
        executor = answering_officials(plain_leaves(schema._schema))
    schema.execution_context_class = fresh_event_memo(executor)
    return schema
