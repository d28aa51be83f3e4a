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
    cookie_secure: bool = False
    upload_quota_mb: int = 200  # evidence photos each user may store (after re-encoding)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.var_dir / 'pledge.sqlite3').resolve()}"
