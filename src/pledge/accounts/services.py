"""Accounts, sessions and API tokens. Every merchant-scoped use case calls `require_shop`, so
tenancy is enforced in the service layer whatever the entry point (page, API, CLI)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, or_, select
from sqlalchemy.engine import Connection

from pledge.accounts import throttle
from pledge.accounts.tables import api_tokens, shop_members, users, web_sessions
from pledge.accounts.throttle import LoginLimits
from pledge.kernel.db import UnitOfWork, UtcDateTime, inserted_id
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from pledge.sms.services import normalize_phone

PLATFORM_ROLES = ("operator", "reviewer", "finance")


class ShopRole(StrEnum):
    """A member's role in a shop. The owner invites and removes staff; `staff` (the role members
    had before roles were split) and operations (运营/客服) run orders, products, live rooms, cases
    and chats; fulfilment (发货) ships; finance (财务) also handles settlement."""

    OWNER = "owner"
    OPERATIONS = "operations"
    FULFILMENT = "fulfilment"
    FINANCE = "finance"
    STAFF = "staff"


class Permission(StrEnum):
    """What only some roles may do in a shop; every other shop action is open to all members."""

    SETTLEMENT = "settlement"  # payouts, programme applications
    PLEDGES = "pledges"  # the shop's pledges and shipping insurance
    STAFF = "staff"  # inviting and removing staff


SHOP_ROLES = tuple(ShopRole)
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    ShopRole.OWNER: frozenset(Permission),
    ShopRole.FINANCE: frozenset({Permission.SETTLEMENT}),
    ShopRole.OPERATIONS: frozenset(),
    ShopRole.FULFILMENT: frozenset(),
    ShopRole.STAFF: frozenset(),
}
SESSION_TTL = timedelta(days=7)
TOKEN_LIFETIME = timedelta(days=30)  # the default of Settings.api_token_days
LAST_USE_PRECISION = timedelta(minutes=10)  # a token's last use is written at most this often
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    user_id: int
    display_name: str
    platform_role: str | None = None
    shops: dict[int, str] = field(default_factory=dict)  # shop_id -> role

    @property
    def is_merchant(self) -> bool:
        return bool(self.shops)

    @property
    def is_operator(self) -> bool:
        return self.platform_role == "operator"

    def may(self, shop_id: int, permission: Permission) -> bool:
        """Whether the caller's role in the shop carries the permission (for pages: which
        forms to offer; the services still check)."""
        return permission in ROLE_PERMISSIONS.get(self.shops.get(shop_id, ""), frozenset())


NOT_PERMITTED = "Your role in this shop does not allow this. Ask the shop's owner."


class NotPermitted(Forbidden):
    code = "role_not_permitted"
    title = "Your role in this shop does not allow this"


def require_shop(
    actor: Actor, shop_id: int, *, read_only: bool = False, permission: Permission | None = None
) -> str:
    """The caller's role in the shop, or Forbidden. Platform staff may read any shop (to
    handle disputes and audits) but change none. With `permission`, the member's role must
    carry it (ROLE_PERMISSIONS), else NotPermitted (403)."""
    role = actor.shops.get(shop_id)
    if role is None and read_only and actor.platform_role in PLATFORM_ROLES:
        return "platform:" + actor.platform_role
    if role is None:
        raise Forbidden(f"you are not a member of shop {shop_id}")
    if permission is not None and not actor.may(shop_id, permission):
        raise NotPermitted(NOT_PERMITTED, permission=permission.value, role=role, shop_id=shop_id)
    return role


def require_platform(actor: Actor, *roles: str) -> None:
    if actor.platform_role not in roles:
        raise Forbidden(f"this needs platform role {' or '.join(roles)}")


def token_digest(token: str) -> str:
    """What the database keeps of a session or API token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


MIN_PASSWORD = 8


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")


def hash_password(password: str) -> str:
    """The argon2 hash kept for a new password (slow: call it outside transactions)."""
    check_password_rules(password)
    return _hasher.hash(password)


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput(f"not an email address: {email!r}")
    return email


def insert_user(
    conn: Connection,
    *,
    password_hash: str,
    display_name: str,
    at: datetime,
    email: str | None = None,
    phone: str | None = None,
    platform_role: str | None = None,
    birth_date: date | None = None,
) -> int:
    """A new user with an email or a (verified) phone number, both unique."""
    if email is None and phone is None:
        raise InvalidInput("sign up with an email address or a phone number")
    if platform_role is not None and platform_role not in PLATFORM_ROLES:
        raise InvalidInput(f"unknown platform role {platform_role!r}")
    taken = conn.execute(
        select(users.c.email, users.c.phone).where(
            or_(users.c.email == email, users.c.phone == phone)
            if email and phone
            else (users.c.email == email if email else users.c.phone == phone)
        )
    ).first()
    if taken is not None:
        raise Conflict("this email address or phone number is already registered")
    return inserted_id(
        conn,
        users.insert().values(
            email=email,
            phone=phone,
            phone_verified_at=at if phone else None,
            password_hash=password_hash,
            display_name=display_name,
            platform_role=platform_role,
            created_at=at,
            birth_date=birth_date,
        ),
    )


def create_user(
    conn: Connection,
    *,
    email: str,
    password: str,
    display_name: str,
    at: datetime,
    platform_role: str | None = None,
) -> int:
    """An account with an email (staff, merchants, the demo); buyers sign up in accounts.signup."""
    return insert_user(
        conn,
        email=normalize_email(email),
        password_hash=hash_password(password),
        display_name=display_name,
        at=at,
        platform_role=platform_role,
    )


def add_shop_member(conn: Connection, *, shop_id: int, user_id: int, role: str) -> None:
    if role not in SHOP_ROLES:
        raise InvalidInput(f"unknown shop role {role!r}")
    conn.execute(shop_members.insert().values(shop_id=shop_id, user_id=user_id, role=role))


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _password_hash(conn: Connection, login: str):
    """The user who logs in as `login`: an email address or a mobile number."""
    login = login.strip().lower()
    if "@" not in login:
        try:
            login = normalize_phone(login)
        except InvalidInput:
            pass  # an unknown login: checked against the dummy hash like any other
    column = users.c.email if "@" in login else users.c.phone
    return conn.execute(select(users.c.id, users.c.password_hash).where(column == login)).first()


def _check_password(row, password: str) -> int:
    """The user id if the password matches. An unknown email is verified against a dummy hash
    so that it takes as long as a wrong password and cannot be told apart by timing."""
    try:
        _hasher.verify(_dummy_hash() if row is None else row.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong email, phone number or password") from None
    if row is None:  # not reached in practice: the dummy hash is of a random secret
        raise Unauthorized("wrong email, phone number or password")
    return row.id


def authenticate(conn: Connection, email: str, password: str) -> int:
    return _check_password(_password_hash(conn, email), password)


def log_in(
    uow: UnitOfWork, *, email: str, password: str, address: str, at: datetime, limits: LoginLimits
) -> int:
    """A throttled login (accounts/throttle.py): refused with TooManyAttempts past either
    limit, a failure counted, a success clearing the account's failures. The slow hash runs
    outside any transaction, so logins never hold the database's write lock while hashing."""
    with uow.read() as conn:
        earlier_failures = throttle.check(conn, email=email, address=address, at=at, limits=limits)
        row = _password_hash(conn, email)
    try:
        user_id = _check_password(row, password)
    except Unauthorized:
        with uow.begin() as conn:
            throttle.record_failure(conn, email=email, address=address, at=at, limits=limits)
        raise
    if earlier_failures:
        with uow.begin() as conn:
            throttle.forget_failures(conn, email=email)
    return user_id


def load_actor(conn: Connection, user_id: int) -> Actor:
    row = conn.execute(
        select(users.c.display_name, users.c.platform_role).where(users.c.id == user_id)
    ).first()
    if row is None:
        raise Unauthorized("unknown user")
    shops = dict(
        conn.execute(
            select(shop_members.c.shop_id, shop_members.c.role).where(shop_members.c.user_id == user_id)
        ).all()
    )
    return Actor(user_id, row.display_name, row.platform_role, shops)


def issue_api_token(
    conn: Connection, *, user_id: int, at: datetime, lifetime: timedelta = TOKEN_LIFETIME
) -> str:
    token = "plg_" + secrets.token_urlsafe(32)
    conn.execute(
        api_tokens.insert().values(
            token_hash=token_digest(token),
            user_id=user_id,
            created_at=at,
            expires_at=at + lifetime,
            revoked=False,
        )
    )
    return token


# Built once: it runs on every API call, and building it cost more than running it.
_TOKEN_OWNER = (
    select(
        users.c.id,
        users.c.display_name,
        users.c.platform_role,
        shop_members.c.shop_id,
        shop_members.c.role,
        api_tokens.c.last_used_at,
    )
    .select_from(
        api_tokens.join(users, users.c.id == api_tokens.c.user_id).outerjoin(
            shop_members, shop_members.c.user_id == users.c.id
        )
    )
    .where(
        api_tokens.c.token_hash == bindparam("digest"),
        api_tokens.c.revoked.is_(False),
        api_tokens.c.expires_at > bindparam("at", type_=UtcDateTime),
    )
)


def _token_owner(conn: Connection, token: str, at: datetime) -> tuple[Actor, datetime | None]:
    """The token's user with shop memberships, in one statement (it runs on every API call),
    and when the token was last used."""
    rows = conn.execute(_TOKEN_OWNER, {"digest": token_digest(token), "at": at}).all()
    if not rows:
        raise Unauthorized(
            "invalid, expired or revoked API token; get a new one with POST /api/v1/auth/token"
        )
    first = rows[0]
    actor = Actor(
        first.id,
        first.display_name,
        first.platform_role,
        {r.shop_id: r.role for r in rows if r.shop_id is not None},
    )
    return actor, first.last_used_at


def actor_for_api_token(uow: UnitOfWork, token: str, at: datetime) -> Actor:
    """The caller of an API request. Its use is written in a short transaction of its own,
    at most once per LAST_USE_PRECISION, so that API reads rarely take the write lock."""
    with uow.read() as conn:
        actor, last_used = _token_owner(conn, token, at)
    if last_used is None or at - last_used >= LAST_USE_PRECISION:
        with uow.begin() as conn:
            conn.execute(
                api_tokens.update()
                .where(
                    api_tokens.c.token_hash == token_digest(token),
                    or_(
                        api_tokens.c.last_used_at.is_(None),
                        api_tokens.c.last_used_at <= at - LAST_USE_PRECISION,
                    ),
                )
                .values(last_used_at=at)
            )
    return actor


def revoke_api_token(conn: Connection, *, user_id: int, token_hash: str) -> None:
    """Revoke one of the user's own live tokens (another user's token is NotFound, as is an
    unknown one: the answer does not tell them apart)."""
    done = conn.execute(
        api_tokens.update()
        .where(
            api_tokens.c.token_hash == token_hash,
            api_tokens.c.user_id == user_id,
            api_tokens.c.revoked.is_(False),
        )
        .values(revoked=True)
    ).rowcount
    if not done:
        raise NotFound("no such API token of yours (already revoked?)")


def start_session(conn: Connection, *, user_id: int, at: datetime) -> tuple[str, str]:
    """A new session token (for the cookie) and its CSRF token (for forms)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    conn.execute(
        web_sessions.insert().values(
            token_hash=token_digest(token),
            user_id=user_id,
            csrf_token=csrf,
            created_at=at,
            expires_at=at + SESSION_TTL,
        )
    )
    return token, csrf


def session_for(conn: Connection, token: str, at: datetime) -> tuple[int, str] | None:
    row = conn.execute(
        select(web_sessions.c.user_id, web_sessions.c.csrf_token, web_sessions.c.expires_at).where(
            web_sessions.c.token_hash == token_digest(token)
        )
    ).first()
    if row is None or row.expires_at <= at:
        return None
    return row.user_id, row.csrf_token


def end_session(conn: Connection, token: str) -> None:
    conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == token_digest(token)))
