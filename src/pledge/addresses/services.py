"""A buyer's address book: add, edit, delete, choose the default. Every use case is scoped to
the owner: another user's address is NotFound, never revealed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from pledge.addresses.model import MAX_PER_USER, Address
from pledge.addresses.tables import addresses
from pledge.kernel.db import AnyRow, inserted_id
from pledge.kernel.errors import Conflict, NotFound


def owned_address(conn: Connection, user_id: int, address_id: int) -> AnyRow:
    row = conn.execute(
        select(addresses).where(addresses.c.id == address_id, addresses.c.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound(f"no address {address_id} in your address book")
    return row


def address_of(row: AnyRow) -> Address:
    return Address(row.recipient, row.phone, row.province, row.city, row.district, row.detail)


def _make_default(conn: Connection, user_id: int, address_id: int) -> None:
    conn.execute(
        addresses.update()
        .where(addresses.c.user_id == user_id)
        .values(is_default=addresses.c.id == address_id)
    )


def add_address(
    conn: Connection, user_id: int, address: Address, *, at: datetime, make_default: bool = False
) -> int:
    """The new address's id; the first address becomes the default."""
    checked = address.checked()
    count = conn.execute(
        select(func.count()).select_from(addresses).where(addresses.c.user_id == user_id)
    ).scalar_one()
    if count >= MAX_PER_USER:
        raise Conflict(f"an address book holds at most {MAX_PER_USER} addresses; delete one first")
    address_id = inserted_id(
        conn,
        addresses.insert().values(
            user_id=user_id, is_default=False, created_at=at, updated_at=at, **asdict(checked)
        ),
    )
    if make_default or count == 0:
        _make_default(conn, user_id, address_id)
    return address_id


def update_address(
    conn: Connection,
    user_id: int,
    address_id: int,
    address: Address,
    *,
    at: datetime,
    make_default: bool = False,
) -> None:
    owned_address(conn, user_id, address_id)
    conn.execute(
        addresses.update()
        .where(addresses.c.id == address_id)
        .values(updated_at=at, **asdict(address.checked()))
    )
    if make_default:
        _make_default(conn, user_id, address_id)


def set_default_address(conn: Connection, user_id: int, address_id: int) -> None:
    owned_address(conn, user_id, address_id)
    _make_default(conn, user_id, address_id)


def delete_address(conn: Connection, user_id: int, address_id: int) -> None:
    """Orders keep their own copy, so nothing else changes; a deleted default passes to the
    most recently added address left."""
    row = owned_address(conn, user_id, address_id)
    conn.execute(addresses.delete().where(addresses.c.id == address_id))
    if row.is_default:
        newest = conn.execute(
            select(addresses.c.id)
            .where(addresses.c.user_id == user_id)
            .order_by(addresses.c.id.desc())
            .limit(1)
        ).scalar()
        if newest is not None:
            _make_default(conn, user_id, newest)


def address_book(conn: Connection, user_id: int) -> list[dict]:
    """The user's addresses, the default first."""
    rows = conn.execute(
        select(addresses)
        .where(addresses.c.user_id == user_id)
        .order_by(addresses.c.is_default.desc(), addresses.c.id.desc())
    ).all()
    return [dict(r._mapping) for r in rows]


_DEFAULT_ADDRESS = select(addresses.c.id).where(
    addresses.c.user_id == bindparam("user_id"), addresses.c.is_default.is_(True)
)  # built once: every checkout reads it


def default_address_id(conn: Connection, user_id: int) -> int | None:
    return conn.execute(_DEFAULT_ADDRESS, {"user_id": user_id}).scalar()
