"""The one GraphQL schema of Sunshine, a module per domain."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.cases import CaseMutations, CaseQueries
from schema.complaints import ComplaintMutations, ComplaintQueries
from schema.cost import make_cost_rule
from schema.org import OrgQueries
from schema.powers import PowerQueries
from schema.subsidies import SubsidyMutations, SubsidyQueries
from schema.text import TextLiteralRule

Query = merge_types("Query", (OrgQueries, PowerQueries, CaseQueries, SubsidyQueries, ComplaintQueries))
Mutation = merge_types("Mutation", (CaseMutations, SubsidyMutations, ComplaintMutations))


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
    it is formatted for the client (api/errors.py), a refusal at INFO and a bug at ERROR."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(limits: DocumentLimits) -> strawberry.Schema:
    # The limiters' rule classes are made once: the validation cache keys on the rule classes, so
    # limiters built afresh for each request would never hit it. Extensions themselves are made
    # per request (factories), as strawberry requires for isolation between requests.
    rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
        make_cost_rule(max_cost=limits.max_cost, page_max=limits.page_max),
        TextLiteralRule,
    ]
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: ParserCache(maxsize=limits.cache_size),
            lambda: AddValidationRules(rules),
            lambda: ValidationCache(maxsize=limits.cache_size),
        ],
    )
