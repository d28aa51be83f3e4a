"""Tenancy cases per domain, collected by tests/e2e/test_tenancy_api.py (see domain_modules
there). A domain module here has ROUTES: dict[(method, path template), Case] and
prepare(world, owner, buyer, ids: Ids) -> None, which creates that side's data and stores
the ids its routes take in ids.extra[name] (a path parameter with no Ids field of that name
is looked up there). prepare runs for both shops and again before every positive control, so
keep it cheap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Ids:
    """The ids one side owns: a shop, its product and SKU, a paid order of the shop, and a
    checkout awaiting payment (with its payment ref) placed by the side's own user."""

    shop_id: int
    product_id: int
    sku_id: int
    order_id: int
    checkout_id: int
    ref: str
    category_id: int
    conversation_id: int = 0  # the side's buyer asking the side's shop about the order (客服会话)
    # after-sales (see with_aftersales): cases with the side's shop, and the owner's own purchases there
    upload_id: int = 0
    case_id: int = 0
    escalated_case_id: int = 0
    shipped_case_id: int = 0
    own_order_id: int = 0
    own_line_id: int = 0
    own_case_id: int = 0
    own_return_case_id: int = 0
    extra: dict[str, int] = field(
        default_factory=dict
    )  # ids that a domain module under tests/e2e/tenancy adds


@dataclass(frozen=True)
class Case:
    """How to call one route. `kind`: 'denied' (B's ids must be refused), 'public' (anyone may
    read it: the catalog), 'own' (acts on the caller's own data whatever the id, e.g. removing
    a SKU from one's own cart: it must not touch B's data), or 'open' (anyone signed in may do
    it to anyone's: comment in a live room, follow a shop, like a video; it answers `ok` and
    changes only the caller's own rows or a counter)."""

    kind: str
    body: Callable[[Ids, str], dict] = lambda ids, csrf: {}
    ok: int = 200  # status for merchant A with A's own ids
    operator_ok: int | None = None  # for platform-staff routes: the status for an operator
    foreign_ok: int | None = None  # 'open' routes a shop's own members may not use (wishing in it)
    params: tuple[
        tuple[str, str], ...
    ] = ()  # path parameter -> the Ids field it takes, when not its namesake ("=text": that text)
