"""Settings from PLEDGE_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The placeholders this code ships with: public, so never a real secret. Tests and library use
# may run with them; `pledge serve` and `pledge worker` refuse them outside demo mode, and demo
# mode swaps them for random secrets kept in its database (bootstrap.demo_secrets).
DEV_SECRET_KEY = "dev-only-secret-change-me"
DEV_PAYMENT_SECRET = "sandbox-payment-secret"
SHIPPED_DEFAULTS = frozenset(
    {DEV_SECRET_KEY, DEV_PAYMENT_SECRET, "change-me", "changeme", "changethis", "secret"}
)
MIN_SECRET_LENGTH = 32
GENERATE_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLEDGE_", extra="ignore")

    database_url: str = ""  # empty: SQLite file under var/
    var_dir: Path = Path("var")
    port: int = 8000
    host: str = "127.0.0.1"
    rulebook: str = "douyin"  # the one rulebook this platform runs
    demo_mode: bool = False  # enables `pledge clock advance` and the demo clock
    # The root of derived secrets: each carrier's webhook secret (logistics.webhook).
    secret_key: str = DEV_SECRET_KEY
    # Signs and verifies payment provider callbacks (payments.adapters).
    payment_secret: str = DEV_PAYMENT_SECRET
    # Rotation: the secret being replaced, still accepted on incoming signatures (never used to
    # sign) until it is removed; see docs/security.md.
    secret_key_previous: str = ""
    payment_secret_previous: str = ""
    pay_window_minutes: int = 30
    sweep_interval_seconds: float = 5.0
    run_sweeper_in_server: bool = True
    # Requests each server process runs at once in its thread pool (the `def` handlers and
    # dependencies); anyio's default is 40. Unset: 2 on PostgreSQL and 1 on SQLite, each with
    # one more beside each slow request, up to 8 (server_thread_range, web.threads).
    # More add no throughput under Python's interpreter lock, made the connection pool close and
    # reopen its overflow connections, and cost more CPU per request in handing the lock back and
    # forth: a fifth more on SQLite; on PostgreSQL, more in both the server and the database
    # (docs/serving.md, "Threads").
    server_threads: int | None = Field(default=None, ge=1, le=256)
    # Security (docs/security.md). Cookies are Secure whenever a request arrives over HTTPS; this
    # setting makes them Secure always (unset: on outside demo mode, off in demo mode).
    secure_cookies: bool | None = None
    trusted_proxies: str = ""  # comma-separated addresses/networks whose X-Forwarded-* headers count
    login_failures_per_account: int = 5  # failed logins per account within the window
    login_failures_per_address: int = 20  # failed logins per client address within the window
    login_failure_window_minutes: int = 15
    api_token_days: int = 30  # a bearer token expires this many days after it was issued
    # Open-platform apps (docs/api.md): requests per minute per app, and per shop for all its apps.
    app_requests_per_minute: int = 600
    shop_app_requests_per_minute: int = 1200
    # Webhooks (docs/webhooks.md): endpoints on loopback/private/link-local addresses are refused
    # (SSRF) unless this is set; tests and the bench set it to reach a receiver on 127.0.0.1.
    webhooks_allow_private_hosts: bool = False

    @property
    def cookies_always_secure(self) -> bool:
        return (not self.demo_mode) if self.secure_cookies is None else self.secure_cookies

    upload_quota_mb: int = 200  # evidence photos each user may store (after re-encoding)
    # Live rooms (docs/live.md): how often viewers-now is sampled for the session report and sent
    # to the room, and whether several app processes share room events through PostgreSQL.
    live_viewer_sample_seconds: float = 30.0
    live_viewers_push_seconds: float = 5.0
    live_pg_bus: bool = False
    # Reach (docs/reach.md): behaviour events older than this are deleted; the worker retrains
    # the feed when the last training is older than reach_train_every_minutes (Pledge defaults).
    reach_retention_days: int = 180
    reach_train_every_minutes: int = 360

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.var_dir / 'pledge.sqlite3').resolve()}"

    def server_thread_range(self) -> tuple[int, int]:
        """(least, most) threads running requests in a server process: PLEDGE_SERVER_THREADS
        for both, else 1 on SQLite and 2 on PostgreSQL (one runs Python while the other waits
        on the network), and another beside each slow request, up to 8 (web.threads)."""
        if self.server_threads is not None:
            return self.server_threads, self.server_threads
        return (1, 8) if self.resolved_database_url().startswith("sqlite") else (2, 8)

    @property
    def demo_guide_path(self) -> Path:
        """Where the demo seed leaves the login page's list of demo accounts (demo/guide.py)."""
        return self.var_dir / "demo-guide.json"


def weakness(value: str) -> str | None:
    """Why a secret may not protect a real deployment, or None when it may."""
    if not value or not value.strip():
        return "is missing"
    if value.strip() in SHIPPED_DEFAULTS:
        return "is a default shipped with Pledge (public)"
    if len(value) < MIN_SECRET_LENGTH:
        return f"is {len(value)} characters; at least {MIN_SECRET_LENGTH} are needed"
    return None


def secret_problems(settings: Settings) -> list[str]:
    """One line per unusable secret, naming its environment variable. A previous (rotation)
    secret is optional, but when set it must be as strong as a current one."""
    problems = []
    for field in ("secret_key", "payment_secret"):
        for name, required in ((field, True), (f"{field}_previous", False)):
            value = getattr(settings, name)
            why = weakness(value) if (required or value) else None
            if why:
                problems.append(f"PLEDGE_{name.upper()} {why}")
    return problems
