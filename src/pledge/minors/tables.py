from sqlalchemy import Column, ForeignKey, Index, String, Table

from pledge.kernel.db import Id, UtcDateTime, metadata

# A guardian's consent for a minor's blind-box purchases (douyin:aHGYneqr4WDJ 4.5 "取得监护人明确
# 同意"): who (the guardian's phone, verified by an SMS code sent to it) and when. Kept as a
# record: a new consent is a new row.
guardian_consents = Table(
    "guardian_consents",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("guardian_phone", String(11), nullable=False),
    Column("consented_at", UtcDateTime, nullable=False),
    Index("ix_guardian_consents_user_id", "user_id"),
)
