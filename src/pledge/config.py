"""Settings from PLEDGE_* environment variables."""
from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLEDGE_", extra="ignore")

    database_url: str = ""  # empty: SQLite file under var/
    var_dir: Path = Path("var")
    port: int = 8000
    host: str = "127.0.0.1"
    rulebook: str = "douyin"  # the one rulebook this platform runs
    demo_mode: bool = False  # enables `pledge clock advance` and the demo clock
    secret_key: str = "dev-only-secret-change-me"
    payment_secret: str = "sandbox-payment-secret"
    pay_window_minutes: int = 30
    sweep_interval_seconds: float = 5.0
    run_sweeper_in_server: bool = True
    # Security (docs/security.md). Cookies are Secure whenever a request arrives over HTTPS; this
    # setting makes them Secure always (unset: on outside demo mode, off in demo mode).
    secure_cookies: bool | None = None
    trusted_proxies: str = ""  # comma-separated addresses/networks whose X-Forwarded-* headers count
    login_failures_per_account: int = 5  # failed logins per account within the window
    login_failures_per_address: int = 20  # failed logins per client address within the window
    login_failure_window_minutes: int = 15
    api_token_days: int = 30  # a bearer token expires this many days after it was issued

    @property
    def cookies_always_secure(self) -> bool:
        return (not self.demo_mode) if self.secure_cookies is None else self.secure_cookies

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.var_dir / 'pledge.sqlite3').resolve()}"
