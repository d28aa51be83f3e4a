"""Penalties enforced where the owning packages act: bootstrap hands these to catalog, orders,
live and settlement as guards (catalog.guards, live.guards, settlement.payouts), so none of them
needs to know governance. Only penalties still in force count, so one reversed on appeal stops
counting at once; an action with an end counts until then.

- a shop under a suspension (停业整顿, until its end) or removed (清退) cannot sell or list;
- presale closed (关闭预售): the shop cannot offer a new presale listing;
- a live ban (禁播): the shop's hosts cannot announce or start a session;
- proceeds frozen (冻结货款): the shop's payouts are refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from pledge.governance.model import PenaltyStatus
from pledge.governance.policy import ActionKind
from pledge.governance.tables import governance_actions, governance_penalties
from pledge.kernel.errors import Conflict


class ShopSuspended(Conflict):
    code = "shop_suspended"
    title = "The shop is suspended by a penalty"


class PresaleClosed(Conflict):
    code = "presale_closed"
    title = "Presale is closed for the shop by a penalty"


class StreamBanned(Conflict):
    code = "stream_banned"
    title = "The shop is banned from live streaming by a penalty"


class ProceedsFrozen(Conflict):
    code = "proceeds_frozen"
    title = "The shop's proceeds are frozen by a penalty"


def _in_force(
    kinds: tuple[ActionKind, ...], at: datetime | ColumnElement[datetime]
) -> list[ColumnElement[bool]]:
    a, p = governance_actions.c, governance_penalties.c
    return [
        p.status == PenaltyStatus.IN_FORCE.value,
        a.kind.in_([k.value for k in kinds]),
        or_(a.until.is_(None), a.until > at),
    ]


def in_force(conn: Connection, shop_ids: list[int], kinds: tuple[ActionKind, ...], at: datetime):
    """The first action of these kinds in force for any of the shops at `at`, or None."""
    a, p = governance_actions.c, governance_penalties.c
    return conn.execute(
        select(a.shop_id, a.kind, a.until, p.clause)
        .join(governance_penalties, p.id == a.penalty_id)
        .where(a.shop_id.in_(shop_ids), *_in_force(kinds, at))
        .order_by(a.until.desc(), a.id)
        .limit(1)
    ).first()


SUSPENDING = (ActionKind.SHOP_REMOVED, ActionKind.SHOP_SUSPENDED)


def may_refuse_sale(
    shop_id: ColumnElement[int], product_id: ColumnElement[int], at: ColumnElement[datetime]
) -> ColumnElement[bool]:
    """refuse_sale_while_suspended's probe (catalog.guards.Probed): a suspension or removal of
    the shop is in force at `at`."""
    a, p = governance_actions.c, governance_penalties.c
    return (
        select(a.id)
        .join(governance_penalties, p.id == a.penalty_id)
        .where(a.shop_id == shop_id, *_in_force(SUSPENDING, at))
        .exists()
    )


def suspension(conn: Connection, shop_ids: list[int], at: datetime):
    """The first suspension or removal in force for any of the shops, or None."""
    return in_force(conn, shop_ids, SUSPENDING, at)


def _refuse(row) -> None:
    if row is None:
        return
    what = (
        "removed from the platform" if row.kind == ActionKind.SHOP_REMOVED else f"suspended until {row.until}"
    )
    raise ShopSuspended(f"shop {row.shop_id} is {what} ({row.clause})", clause=row.clause)


def refuse_sale_while_suspended(
    conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime
) -> None:
    _refuse(suspension(conn, list(shop_products), at))


def refuse_listing_while_suspended(conn: Connection, shop_id: int, *, at: datetime) -> None:
    _refuse(suspension(conn, [shop_id], at))


@dataclass(frozen=True)
class PenaltyGuard:
    """The listing guard (with presale: catalog.guards.PresaleGuard), the go-live guard
    (live.guards.LiveGuard, `check_live`) and the payout guard (`check_payout`). A refusal names
    the clause and the end in the platform's time (`timezone`), and carries a msgid for pages."""

    timezone: str

    def __call__(self, conn: Connection, shop_id: int, *, at: datetime) -> None:
        refuse_listing_while_suspended(conn, shop_id, at=at)

    def check_presale(self, conn: Connection, shop_id: int, *, at: datetime) -> None:
        self._refuse(
            PresaleClosed, "offer presale", in_force(conn, [shop_id], (ActionKind.PRESALE_CLOSED,), at)
        )

    def check_live(self, conn: Connection, shop_id: int, *, at: datetime) -> None:
        self._refuse(StreamBanned, "go live", in_force(conn, [shop_id], (ActionKind.STREAM_BANNED,), at))

    def check_payout(self, conn: Connection, shop_id: int, *, at: datetime) -> None:
        self._refuse(
            ProceedsFrozen, "be paid out", in_force(conn, [shop_id], (ActionKind.PROCEEDS_FROZEN,), at)
        )

    def _refuse(self, error: type[Conflict], doing: str, row) -> None:
        if row is None:
            return
        until = (
            ""
            if row.until is None
            else row.until.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M")
        )
        raise error(
            f"shop {row.shop_id} cannot {doing} until {until or 'the penalty is reversed'} "
            f"({self.timezone} time; {row.clause})",
            clause=row.clause,
            until=until,
            msgid=f"governance.refused.{row.kind}",
        )
