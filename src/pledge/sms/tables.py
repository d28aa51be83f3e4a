from sqlalchemy import Column, Index, Integer, String, Table

from pledge.kernel.db import Id, UtcDateTime, metadata

# One row per verification code sent. The code itself is never kept: only its salted SHA-256
# (`code_hash`), so a copy of the database verifies no phone. A code is spent once (`used_at`)
# and refused after MAX_ATTEMPTS wrong guesses or past `expires_at` (sms/services.py).
sms_codes = Table(
    "sms_codes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("phone", String(11), nullable=False),
    Column("purpose", String(20), nullable=False),  # signup | login
    Column("code_hash", String(100), nullable=False),  # salt$sha256(salt:phone:code)
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("used_at", UtcDateTime, nullable=True),
    Column("client_address", String(45), nullable=True),  # who asked: the per-address limit
    Index("ix_sms_codes_phone_created_at", "phone", "created_at"),
    Index("ix_sms_codes_client_address_created_at", "client_address", "created_at"),
)
