"""`snapshot`, which hundreds of "changes nothing" assertions rest on, sees every change of
business state on both engines and ignores only the security bookkeeping it names."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, update

from pledge.accounts.tables import api_tokens, login_attempts
from pledge.catalog.tables import shops
from pledge.schema import metadata
from tests.e2e.conftest import BOOKKEEPING, snapshot


def test_snapshot_sees_a_new_row_and_a_changed_column(app, world):
    shop_id, _ = world.shop()
    before = snapshot(app)
    assert {t.name for t in metadata.sorted_tables} - set(before) == {"login_attempts"}
    assert [r[0] for r in before["shops"]] == [shop_id]

    with app.uow.begin() as c:
        c.execute(update(shops).where(shops.c.id == shop_id).values(name="大乐水果"))
    renamed = snapshot(app)
    assert renamed != before and "大乐水果" in renamed["shops"][0]

    world.shop("伞厂直营")
    assert len(snapshot(app)["shops"]) == 2


def test_snapshot_ignores_only_the_bookkeeping_it_names(app, world):
    _, owner = world.shop()
    now = app.clock.now()
    with app.uow.begin() as c:
        c.execute(
            insert(api_tokens).values(
                token_hash="f" * 64, user_id=owner.user_id, created_at=now, expires_at=now + timedelta(days=1)
            )
        )
    before = snapshot(app)
    with app.uow.begin() as c:
        c.execute(insert(login_attempts).values(account_key="k", address="127.0.0.1", attempted_at=now))
        c.execute(update(api_tokens).values(last_used_at=now))
    assert snapshot(app) == before, f"bookkeeping {BOOKKEEPING} is not business state"
    with app.uow.begin() as c:
        c.execute(update(api_tokens).values(revoked=True))
    assert snapshot(app) != before
