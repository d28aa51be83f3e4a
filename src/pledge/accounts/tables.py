from sqlalchemy import Boolean, CheckConstraint, Column, Date, ForeignKey, Index, String, Table

from pledge.kernel.db import Id, UtcDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    # A user signs up with an email or a verified mainland mobile number (or both): at least one
    # is set (migration 0017 made email nullable).
    Column("email", String(200), nullable=True, unique=True),
    Column("phone", String(11), nullable=True, unique=True),
    Column("phone_verified_at", UtcDateTime, nullable=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("platform_role", String(20), nullable=True),  # operator | reviewer | finance
    Column("created_at", UtcDateTime, nullable=False),
    # Optional; a blind-box purchase and the limits for minors need it (pledge.minors). The buyer
    # sets it once (accounts.birthdates); a correction goes through support (migration 0020).
    Column("birth_date", Date, nullable=True),
    CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
)

shop_members = Table(
    "shop_members",
    metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True, index=True),
    Column("role", String(20), nullable=False),  # owner | staff
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),  # to within accounts.LAST_USE_PRECISION
)

# One row per login attempt still in its throttle window (failures, and attempts in flight):
# shared by every process on the database. Keys are digests: what was typed as an email is
# not kept. Rows older than the window are pruned by the next attempt.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("account_key", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("attempted_at", UtcDateTime, nullable=False),
    Index("ix_login_attempts_account_key_attempted_at", "account_key", "attempted_at"),
    Index("ix_login_attempts_address_attempted_at", "address", "attempted_at"),
)
