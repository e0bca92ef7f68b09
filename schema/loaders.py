"""Per-request DataLoaders: every relation in the schema is fetched through one of these, so a
page of N records costs one statement per relation, not N.

Made fresh for each request in the context (their cache must not outlive it).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Sequence
from enum import Enum
from typing import Any, Generic, TypeVar, overload

from aiodataloader import DataLoader

from db import calendar as db_calendar
from db import cards, cases, complaints, notifications, org, powers, ratings, red_flags, subsidies
from db.executor import Executor

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
L = TypeVar("L")


class Lazy(Generic[L]):
    """A loader of :class:`Loaders`, made from the request's executor on first use."""

    def __init__(self, make: Callable[[Executor], L]) -> None:
        self._make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Lazy[L]: ...
    @overload
    def __get__(self, instance: Loaders, owner: type) -> L: ...
    def __get__(self, instance: Loaders | None, owner: type) -> Lazy[L] | L:
        if instance is None:
            return self
        loader = instance.__dict__[self._name] = self._make(instance.db)
        return loader


class Absent(Enum):
    ABSENT = "absent"


ABSENT = Absent.ABSENT


class Loader(DataLoader[K, R]):
    """A DataLoader that can also say, without waiting, what it already holds: a resolver over
    rows a list's resolver fetched up front (:mod:`schema.prefetch`) answers at once, and
    graphql-core then makes no task for it."""

    def __init__(self, batch: Callable[[list[K]], Coroutine[Any, Any, list[R]]]) -> None:
        self._held: dict[K, asyncio.Future[R]] = {}
        super().__init__(batch, cache_map=self._held)

    def held(self, key: K) -> R | Absent:
        future = self._held.get(key)
        if future is None or not future.done() or future.cancelled() or future.exception() is not None:
            return ABSENT
        return future.result()


def _one(fetch: Callable[[list[K]], Awaitable[Sequence[R]]], key: Callable[[R], K]) -> Loader[K, R | None]:
    async def batch(keys: list[K]) -> list[R | None]:
        found = {key(row): row for row in await fetch(keys)}
        return [found.get(k) for k in keys]

    return Loader(batch)


def _many(fetch: Callable[[list[K]], Awaitable[Sequence[R]]], key: Callable[[R], K]) -> Loader[K, list[R]]:
    async def batch(keys: list[K]) -> list[list[R]]:
        groups: defaultdict[K, list[R]] = defaultdict(list)
        for row in await fetch(keys):
            groups[key(row)].append(row)
        return [groups.get(k, []) for k in keys]

    return Loader(batch)


def _published_counts(db: Executor) -> Callable[[list[int]], Coroutine[Any, Any, list[int]]]:
    async def batch(ids: list[int]) -> list[int]:
        counts = await powers.count_published_powers_by_department(db, department_ids=ids)
        return [counts.get(i, 0) for i in ids]

    return batch


def _flag_payment_counts(db: Executor) -> Callable[[list[int]], Coroutine[Any, Any, list[int]]]:
    async def batch(ids: list[int]) -> list[int]:
        counts = await red_flags.count_payments_by_card(db, card_ids=ids)
        return [counts.get(i, 0) for i in ids]

    return batch


def _flag_payments(
    db: Executor,
) -> Callable[[list[tuple[int, int]]], Coroutine[Any, Any, list[list[red_flags.FlagPaymentRow]]]]:
    """Keyed by (card id, how many): one statement for each page size asked in the request."""

    async def batch(keys: list[tuple[int, int]]) -> list[list[red_flags.FlagPaymentRow]]:
        found: defaultdict[tuple[int, int], list[red_flags.FlagPaymentRow]] = defaultdict(list)
        for limit in {limit for _, limit in keys}:
            ids = [card_id for card_id, n in keys if n == limit]
            for row in await red_flags.list_payments_by_card(db, card_ids=ids, limit=limit):
                found[(row.card_id, limit)].append(row)
        return [found.get(k, []) for k in keys]

    return batch


def _maps(db: Executor) -> Callable[[list[int]], Coroutine[Any, Any, list[powers.MapRows]]]:
    async def batch(ids: list[int]) -> list[powers.MapRows]:
        found = await powers.list_maps_by_power(db, power_ids=ids)
        return [found.get(i) or powers.MapRows([], []) for i in ids]

    return batch


class Loaders:
    """The loaders of one request, each made the first time a resolver asks for it (a request
    uses a few of the dozens there are)."""

    region = Lazy(lambda db: _one(lambda codes: org.list_regions_by_code(db, codes=codes), lambda r: r.code))
    department = Lazy(lambda db: _one(lambda ids: org.list_departments_by_id(db, ids=ids), lambda r: r.id))
    department_by_code = Lazy(
        lambda db: _one(lambda codes: org.list_departments_by_code(db, codes=codes), lambda r: r.code)
    )
    windows = Lazy(
        lambda db: _many(lambda ids: org.list_windows_by_department(db, ids=ids), lambda r: r.department_id)
    )
    posts = Lazy(
        lambda db: _many(lambda ids: org.list_posts_by_department(db, ids=ids), lambda r: r.department_id)
    )
    staff = Lazy(
        lambda db: _many(lambda ids: org.list_staff_by_department(db, ids=ids), lambda r: r.department_id)
    )
    materials = Lazy(
        lambda db: _many(lambda ids: powers.list_materials_by_power(db, power_ids=ids), lambda r: r.power_id)
    )
    adjustments = Lazy(
        lambda db: _many(
            lambda ids: powers.list_adjustments_by_power(db, power_ids=ids), lambda r: r.power_id
        )
    )
    steps = Lazy(
        lambda db: _many(lambda ids: powers.list_steps_by_power(db, power_ids=ids), lambda r: r.power_id)
    )
    process_map = Lazy(lambda db: Loader(_maps(db)))
    step_risk_points = Lazy(
        lambda db: _many(lambda ids: powers.list_risk_points_by_step(db, step_ids=ids), lambda r: r.step_id)
    )
    power_risk_points = Lazy(
        lambda db: _many(
            lambda ids: powers.list_risk_points_by_power(db, power_ids=ids), lambda r: r.power_id
        )
    )
    measures = Lazy(
        lambda db: _many(
            lambda ids: powers.list_measures_by_risk_point(db, risk_point_ids=ids), lambda r: r.risk_point_id
        )
    )
    power = Lazy(lambda db: _one(lambda ids: powers.list_powers_by_id(db, ids=ids), lambda r: r.id))
    case = Lazy(lambda db: _one(lambda ids: cases.list_cases_by_id(db, ids=ids), lambda r: r.id))
    case_steps = Lazy(
        lambda db: _many(lambda ids: cases.list_steps_by_case(db, case_ids=ids), lambda r: r.case_id)
    )
    case_events = Lazy(
        lambda db: _many(lambda ids: cases.list_events_by_case(db, case_ids=ids), lambda r: r.case_id)
    )
    card = Lazy(lambda db: _one(lambda ids: cards.list_cards_by_id(db, ids=ids), lambda r: r.id))
    complaint = Lazy(
        lambda db: _one(lambda ids: complaints.list_complaints_by_id(db, ids=ids), lambda r: r.id)
    )
    case_cards = Lazy(
        lambda db: _many(lambda ids: cards.list_cards_by_case(db, case_ids=ids), lambda r: r.case_id)
    )
    case_locks = Lazy(
        lambda db: _many(lambda ids: cards.list_lock_events_by_case(db, case_ids=ids), lambda r: r.case_id)
    )
    # Which of the asked years have a calendar loaded (a year is its own key; None: not loaded).
    calendar_year = Lazy(
        lambda db: _one(lambda years: db_calendar.list_years_loaded_in(db, years=years), int)
    )
    sub_cases = Lazy(
        lambda db: _many(lambda ids: cases.list_sub_cases_by_lead(db, lead_ids=ids), lambda r: r.lead_case_id)
    )
    case_rating = Lazy(
        lambda db: _one(lambda ids: ratings.list_ratings_by_case(db, case_ids=ids), lambda r: r.case_id)
    )
    member = Lazy(lambda db: _one(lambda ids: subsidies.list_members_by_id(db, ids=ids), lambda r: r.id))
    payment = Lazy(
        lambda db: _one(lambda refs: subsidies.list_payments_by_ref(db, refs=refs), lambda r: (r.year, r.id))
    )
    card_notifications = Lazy(
        lambda db: _many(
            lambda ids: notifications.list_notifications_by_card(db, card_ids=ids), lambda r: r.card_id
        )
    )
    notification_attempts = Lazy(
        lambda db: _many(
            lambda ids: notifications.list_attempts_by_notification(db, notification_ids=ids),
            lambda r: r.notification_id,
        )
    )
    flag_payment_counts = Lazy(lambda db: DataLoader[int, int](_flag_payment_counts(db)))
    flag_payments = Lazy(
        lambda db: DataLoader[tuple[int, int], list[red_flags.FlagPaymentRow]](_flag_payments(db))
    )
    flag_other_holders = Lazy(
        lambda db: _many(
            lambda ids: red_flags.list_other_holders_by_card(db, card_ids=ids), lambda r: r.card_id
        )
    )
    flag_officials = Lazy(
        lambda db: _many(lambda ids: red_flags.list_officials_by_card(db, card_ids=ids), lambda r: r.card_id)
    )
    published_count = Lazy(lambda db: DataLoader[int, int](_published_counts(db)))

    def __init__(self, db: Executor) -> None:
        self.db = db
