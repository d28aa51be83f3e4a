"""Ports through which checks owned by higher packages (logistics sanctions, the settlement
deposit) may refuse a sale or a new listing, so that catalog and orders need not import them.
The caller wires the real checks (bootstrap.App.sale_guards / listing_guards); a guard refuses
by raising a DomainError (409 with the clause), and checks nothing else."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement


class SaleGuard(Protocol):
    """May these shops sell these products at `at`? {shop_id: {product_id, ...}}."""

    def __call__(self, conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime) -> None: ...


class ListingGuard(Protocol):
    """May this shop list a new product at `at`?"""

    def __call__(self, conn: Connection, shop_id: int, *, at: datetime) -> None: ...


@runtime_checkable
class PresaleGuard(Protocol):
    """A listing guard that also decides whether the shop may offer a new presale (预售) listing
    now (a penalty's 关闭预售: pledge.governance, wired by bootstrap)."""

    def __call__(self, conn: Connection, shop_id: int, *, at: datetime) -> None: ...

    def check_presale(self, conn: Connection, shop_id: int, *, at: datetime) -> None: ...


def check_presale(guards: Sequence[ListingGuard], conn: Connection, shop_id: int, *, at: datetime) -> None:
    for guard in guards:
        if isinstance(guard, PresaleGuard):
            guard.check_presale(conn, shop_id, at=at)


@dataclass(frozen=True)
class Screening:
    """What the content checks said of a listing's texts that they did not refuse: `publish`
    False means a reviewer must look first (the listing waits unpublished); `evidence` is what the
    screen needs to queue it (opaque to catalog)."""

    publish: bool = True
    evidence: object = None


class ListingScreen(Protocol):
    """Do a listing's texts pass the platform's content checks? `texts` maps each field (title,
    description, SKU name) to its text; a refusal raises (422 naming the term and the clause), a
    text that needs a reviewer answers `publish=False`, and `hold` then puts the saved listing in
    the reviewer queue in the same transaction."""

    def __call__(self, texts: Sequence[tuple[str, str]]) -> Screening: ...

    def hold(
        self, conn: Connection, *, shop_id: int, product_id: int, screening: Screening, at: datetime
    ) -> None: ...


Probe = Callable[[ColumnElement[int], ColumnElement[int], ColumnElement[datetime]], ColumnElement[bool]]


@dataclass(frozen=True)
class Probed:
    """A sale guard with its probe: `probe(shop_id, product_id, at)` is a SQL condition, true for
    a line when the guard might refuse it at `at`; false guarantees that the guard would neither
    refuse nor record anything for it. Checkout reads the probes with its SKUs (one statement for
    all of them) and then runs only the guards whose probe was true for some line: a shop with no
    sanction, no penalty and a whole deposit costs no statement per guard.

    A guard of any class may probe by having a `may_refuse` method of this signature; it must
    then be a hashable value whose equals probe alike, because checkout builds the statement once
    per set of probing guards (see `probing`)."""

    guard: SaleGuard
    probe: Probe

    def __call__(self, conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime) -> None:
        self.guard(conn, shop_products, at=at)

    def may_refuse(
        self, shop_id: ColumnElement[int], product_id: ColumnElement[int], at: ColumnElement[datetime]
    ) -> ColumnElement[bool]:
        return self.probe(shop_id, product_id, at)


def probing(guards: Sequence[SaleGuard]) -> tuple[SaleGuard, ...]:
    """The guards that probe, in order: what a statement reading their probes depends on."""
    return tuple(guard for guard in guards if getattr(guard, "may_refuse", None) is not None)


def _probe_label(index: int) -> str:
    return f"guard_{index}_may_refuse"


def probes(
    guards: Sequence[SaleGuard],
    shop_id: ColumnElement[int],
    product_id: ColumnElement[int],
    at: ColumnElement[datetime],
) -> list[ColumnElement[bool]]:
    """The probes of `probing(guards)` as labelled columns, to select with each line's SKU; `at`
    is usually a bound parameter, so that the statement can be built once and reused."""
    return [
        guard.may_refuse(shop_id, product_id, at).label(_probe_label(i))  # type: ignore[attr-defined]
        for i, guard in enumerate(probing(guards))
    ]


def still_to_run(guards: Sequence[SaleGuard], lines: Sequence[Row]) -> tuple[SaleGuard, ...]:
    """The guards a checkout must run after reading `lines` with `probes(guards, …)`: every guard
    without a probe, and every probing guard whose probe was true for at least one line."""
    to_run, probed = [], 0
    for guard in guards:
        if getattr(guard, "may_refuse", None) is None:
            to_run.append(guard)
            continue
        if any(line._mapping[_probe_label(probed)] for line in lines):
            to_run.append(guard)
        probed += 1
    return tuple(to_run)


def check_sale(
    guards: Sequence[SaleGuard], conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime
) -> None:
    for guard in guards:
        guard(conn, shop_products, at=at)


def check_listing(guards: Sequence[ListingGuard], conn: Connection, shop_id: int, *, at: datetime) -> None:
    for guard in guards:
        guard(conn, shop_id, at=at)


@dataclass(frozen=True)
class PurchaseLine:
    product_id: int
    quantity: int
    blind_box: bool = False  # read with the product when the line was priced: guards need no second read


@dataclass(frozen=True)
class PurchaseOrder:
    """One order of a checkout: `order_id` is None while it is checked, set once it is written."""

    order_id: int | None
    shop_id: int  # the order's shop, which rows written with the order carry (a blind box's draws)
    paid_fen: int
    lines: tuple[PurchaseLine, ...]


@dataclass(frozen=True)
class Purchase:
    buyer_id: int
    orders: tuple[PurchaseOrder, ...]

    @property
    def has_blind_box(self) -> bool:
        return any(line.blind_box for order in self.orders for line in order.lines)


@runtime_checkable
class PurchaseGuard(Protocol):
    """A sale guard that also looks at who buys (minors' limits, blind boxes: pledge.minors,
    pledge.blindboxes; wired by bootstrap). `check_purchase` may refuse before anything is
    written; `record_purchase` writes what the purchase entails (a blind box's draws) in the
    same transaction as the orders."""

    def __call__(self, conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime) -> None: ...

    def check_purchase(self, conn: Connection, purchase: Purchase, *, at: datetime) -> None: ...

    def record_purchase(self, conn: Connection, purchase: Purchase, *, at: datetime) -> None: ...


def check_purchase(
    guards: Sequence[SaleGuard], conn: Connection, purchase: Purchase, *, at: datetime
) -> None:
    for guard in guards:
        if isinstance(guard, PurchaseGuard):
            guard.check_purchase(conn, purchase, at=at)


def record_purchase(
    guards: Sequence[SaleGuard], conn: Connection, purchase: Purchase, *, at: datetime
) -> None:
    for guard in guards:
        if isinstance(guard, PurchaseGuard):
            guard.record_purchase(conn, purchase, at=at)
