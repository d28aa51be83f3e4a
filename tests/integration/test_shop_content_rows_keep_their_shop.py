"""The rows under a shop's audiences, conversations, products, reviews, apps and webhooks carry
their parent's shop (issue 19, docs/scaling.md, migration 0048): the composite foreign key
(shop_id, parent id) → parent (shop_id, id) refuses a row whose shop disagrees with its parent's,
and the migration fills the column from the parent, refuses orphans, and comes back down and up
again with the data intact. Every row here is written by the services, so their writers are
checked too. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Table, create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from pledge.audiences import services as audiences
from pledge.audiences.model import Rule, RuleKind
from pledge.audiences.tables import audience_recipients, audience_rules
from pledge.catalog import images
from pledge.catalog.tables import product_images, skus
from pledge.chat import services as chat
from pledge.chat.tables import messages
from pledge.followers import services as followers
from pledge.integrations import apps, delivery
from pledge.integrations.tables import app_keys, webhook_attempts, webhook_deliveries
from pledge.migrate import alembic_config, upgrade
from pledge.reviews import services as reviews
from pledge.reviews.tables import review_photos
from pledge.uploads.services import save_image
from pledge.uploads.store import LocalFileStore
from tests.e2e.test_aftersales_api import PNG, delivered_order
from tests.webhook_support import register

TABLES = (
    audience_rules,
    audience_recipients,
    messages,
    product_images,
    review_photos,
    app_keys,
    webhook_deliveries,
    webhook_attempts,
)


def _image(app, actor) -> int:
    with app.uow.begin() as c:
        return save_image(c, app.files, actor, data=PNG, filename="a.png", at=app.clock.now())


def _audience_sent(app, shop_id: int, owner, follower) -> None:
    """An audience of the shop's followers, and a coupon campaign sent to it."""
    now = app.clock.now()
    with app.uow.begin() as c:
        followers.follow(c, follower, shop_id=shop_id, at=now)
        audience_id = audiences.create_audience(
            c,
            owner,
            shop_id=shop_id,
            name="粉丝",
            rules=[Rule(RuleKind.FOLLOWERS)],
            book=app.rulebook,
            at=now,
        )
        campaign_id = audiences.create_campaign(
            c,
            owner,
            audience_id=audience_id,
            kind="coupon",
            amount_fen=500,
            min_spend_fen=3000,
            valid_days=7,
            book=app.rulebook,
            at=now,
        )
        audiences.send_campaign(c, owner, campaign_id=campaign_id, book=app.rulebook, at=now)


def _reviewed_and_chatted(app, shop_id: int, owner, buyer, sku: int) -> None:
    """The buyer's delivered order, reviewed with a photo, and a message to the shop about it."""
    order_id, line_id = delivered_order(app, buyer, owner, sku, hours_ago=1)
    photo = _image(app, buyer)
    with app.uow.begin() as c:
        review = reviews.ReviewIn(5, "花很新鲜", upload_ids=[photo])
        reviews.post_review(c, buyer, line_id, review, book=app.rulebook, at=app.clock.now())
        opened = chat.open_conversation(c, buyer, shop_id=shop_id, order_id=order_id, at=app.clock.now())
        chat.post_message(c, buyer, opened.conversation_id, "几点发货？", at=app.clock.now())


@pytest.fixture
def shop(app, world, tmp_path) -> dict:
    """A shop with a row in each table, every one written by the services; and another shop."""
    app.files = LocalFileStore(tmp_path / "uploads")
    shop_id, owner = world.shop()
    other_shop, _ = world.shop("另一家花店")
    buyer = world.user()
    sku = world.product(owner, shop_id, stock=100)
    register(app, owner, shop_id, "http://127.0.0.1:9/hook")  # the order's payment is delivered to it
    with app.uow.begin() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
        apps.register_app(c, owner, shop_id=shop_id, name="ERP", scopes=["orders:read"], at=app.clock.now())
    spare = _image(app, owner)
    with app.uow.begin() as c:
        images.add_image(c, owner, product_id=product_id, upload_id=spare)
    _audience_sent(app, shop_id, owner, buyer)
    _reviewed_and_chatted(app, shop_id, owner, buyer, sku)
    with app.uow.begin() as c:
        (claimed,) = delivery.claim(c, app.clock.now())
        delivery.finish(c, claimed, delivery.Outcome(503, 12, "HTTP 503"), app.clock.now())
    return {"shop_id": shop_id, "other_shop": other_shop, "owner": owner, "spare_upload": spare}


def _copy(app, table: Table, shop: dict) -> dict:
    """One of the shop's rows of `table`, changed so that it is a new row (its unique keys free)."""
    with app.uow.read() as c:
        row = dict(c.execute(select(table).limit(1)).one()._mapping)
    row.pop("id", None)
    changes = {
        "audience_recipients": {"user_id": shop["owner"].user_id},
        "product_images": {"position": 99},
        "review_photos": {"upload_id": shop["spare_upload"]},
        "app_keys": {"key_hash": "f" * 64},
        "webhook_deliveries": {"replay_no": 7},
    }
    return row | changes.get(table.name, {})


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_a_row_of_another_shop_is_refused(app, shop, table: Table):
    row = _copy(app, table, shop)
    assert row["shop_id"] == shop["shop_id"]
    with pytest.raises(IntegrityError), app.uow.begin() as c:
        c.execute(table.insert().values(row | {"shop_id": shop["other_shop"]}))
    with app.uow.begin() as c:  # the same row in its parent's shop is taken
        c.execute(table.insert().values(row))


def _rows(url: str) -> dict[str, list[dict]]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return {
                t.name: sorted((dict(r._mapping) for r in c.execute(select(t))), key=repr) for t in TABLES
            }
    finally:
        engine.dispose()


def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {col["name"] for col in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_the_migration_fills_the_shop_from_the_parent_and_comes_back(app, shop, db_url):
    before = _rows(db_url)
    assert all(rows for rows in before.values()), before
    assert {name: {r["shop_id"] for r in rows} for name, rows in before.items()} == {
        t.name: {shop["shop_id"]} for t in TABLES
    }
    app.uow.engine.dispose()

    command.downgrade(alembic_config(db_url), "0047")
    assert not any("shop_id" in _columns(db_url, t.name) for t in TABLES)
    upgrade(db_url)
    assert _rows(db_url) == before


def test_the_migration_refuses_an_attempt_without_its_delivery(app, shop, db_url):
    app.uow.engine.dispose()
    command.downgrade(alembic_config(db_url), "0047")
    engine = create_engine(db_url)  # plain connection: on SQLite, foreign keys unchecked
    try:
        with engine.begin() as c:
            if engine.dialect.name == "postgresql":
                c.execute(text("SET LOCAL session_replication_role = replica"))  # no FK triggers
            c.execute(text("UPDATE webhook_attempts SET delivery_id = delivery_id + 1000"))
    finally:
        engine.dispose()
    with pytest.raises(RuntimeError, match="of webhook_attempts have no webhook_deliveries row"):
        upgrade(db_url)
    # nothing was changed: the tables migrated before the attempts are as they were
    assert not any("shop_id" in _columns(db_url, t.name) for t in TABLES)
