"""Shop staff (子账号): the owner invites an existing user by the e-mail they signed up with,
gives them a role (ShopRole), changes it, or removes them. Roles limit what a member may do
(ROLE_PERMISSIONS in accounts/services.py): settlement and pledges stay with the owner (and
finance for settlement). A shop always keeps at least one owner."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, Permission, ShopRole, require_shop
from pledge.accounts.tables import shop_members, users
from pledge.kernel.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    display_name: str
    email: str
    role: ShopRole


def _role(value: str) -> ShopRole:
    try:
        return ShopRole(value)
    except ValueError:
        raise InvalidInput(f"a shop role is one of {', '.join(ShopRole)}, not {value[:40]!r}") from None


def invite_staff(conn: Connection, actor: Actor, shop_id: int, *, email: str, role: str) -> StaffMember:
    """Add a registered user to the shop with a role (the owner only). Inviting someone who is
    already a member is a Conflict: change their role instead."""
    require_shop(actor, shop_id, permission=Permission.STAFF)
    chosen = _role(role)
    user = conn.execute(
        select(users.c.id, users.c.display_name, users.c.email).where(users.c.email == email.strip().lower())
    ).first()
    if user is None:
        raise NotFound("no account with this e-mail address: the person signs up first, then you invite them")
    if _member_role(conn, shop_id, user.id) is not None:
        raise Conflict("this person is already a member of the shop; change their role instead")
    conn.execute(shop_members.insert().values(shop_id=shop_id, user_id=user.id, role=chosen.value))
    return StaffMember(user.id, user.display_name, user.email, chosen)


def _member_role(conn: Connection, shop_id: int, user_id: int) -> str | None:
    m = shop_members.c
    return conn.execute(select(m.role).where(m.shop_id == shop_id, m.user_id == user_id)).scalar()


def _keep_an_owner(conn: Connection, shop_id: int, user_id: int) -> None:
    m = shop_members.c
    if _member_role(conn, shop_id, user_id) != ShopRole.OWNER:
        return
    owners = conn.execute(
        select(func.count()).where(m.shop_id == shop_id, m.role == ShopRole.OWNER.value)
    ).scalar_one()
    if owners <= 1:
        raise Conflict("a shop keeps at least one owner")


def change_role(conn: Connection, actor: Actor, shop_id: int, *, user_id: int, role: str) -> None:
    require_shop(actor, shop_id, permission=Permission.STAFF)
    chosen = _role(role)
    if _member_role(conn, shop_id, user_id) is None:
        raise NotFound(f"user {user_id} is not a member of shop {shop_id}")
    if chosen != ShopRole.OWNER:
        _keep_an_owner(conn, shop_id, user_id)
    m = shop_members.c
    conn.execute(
        shop_members.update().where(m.shop_id == shop_id, m.user_id == user_id).values(role=chosen.value)
    )


def remove_staff(conn: Connection, actor: Actor, shop_id: int, *, user_id: int) -> None:
    """Take a member out of the shop (the owner only); the last owner cannot be removed."""
    require_shop(actor, shop_id, permission=Permission.STAFF)
    if _member_role(conn, shop_id, user_id) is None:
        raise NotFound(f"user {user_id} is not a member of shop {shop_id}")
    _keep_an_owner(conn, shop_id, user_id)
    m = shop_members.c
    conn.execute(shop_members.delete().where(m.shop_id == shop_id, m.user_id == user_id))


def shop_staff(conn: Connection, actor: Actor, shop_id: int) -> list[StaffMember]:
    """The shop's members, owners first (any member may see who works in the shop)."""
    require_shop(actor, shop_id)
    m = shop_members.c
    rows = conn.execute(
        select(users.c.id, users.c.display_name, users.c.email, m.role)
        .join(users, users.c.id == m.user_id)
        .where(m.shop_id == shop_id)
        .order_by(m.role != ShopRole.OWNER.value, users.c.id)
    ).all()
    return [StaffMember(r.id, r.display_name, r.email, ShopRole(r.role)) for r in rows]
