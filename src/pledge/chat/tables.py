from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from pledge.kernel.db import Id, UtcDateTime, metadata, shop_keys

conversations = Table(
    "chat_conversations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column(
        "order_id", Id, ForeignKey("orders.id"), nullable=True, index=True
    ),  # NULL: about the shop in general
    Column("status", String(10), nullable=False),  # open | closed
    # "buyer:shop:order" while open, NULL once closed: UNIQUE, so at most one open conversation
    # per buyer + shop + order on SQLite and PostgreSQL alike (NULLs never collide).
    Column("open_key", String(80), nullable=True, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=True),  # the buyer's first message: the conversation's start
    Column("last_message_at", UtcDateTime, nullable=True),
    # The first buyer message the shop has not answered yet (the start of the open round);
    # NULL when nothing waits. The merchant inbox puts these first.
    Column("awaiting_reply_since", UtcDateTime, nullable=True),
    Column("stars", Integer, nullable=True),
    Column("rated_at", UtcDateTime, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    CheckConstraint("stars IS NULL OR (stars >= 1 AND stars <= 5)", name="stars_1_to_5"),
    CheckConstraint("status IN ('open', 'closed')", name="status_known"),
)
Index("ix_chat_conversations_shop_started", conversations.c.shop_id, conversations.c.started_at)

messages = Table(
    "chat_messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("conversation_id", Id, ForeignKey("chat_conversations.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("sender", String(10), nullable=False),  # buyer | shop
    Column("author_id", Id, ForeignKey("users.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    # the content checks' outcome (kernel.screening.Outcome): allow, or review = held from
    # everyone but its author until a reviewer decides; blocked text is never stored
    Column("moderation", String(10), nullable=False, default="allow", server_default="allow"),
    # when the other party could first read it: `at` for a message allowed at once, the
    # reviewer's decision for a held one, NULL while held; reply rounds and metrics run on it
    Column("shown_at", UtcDateTime, nullable=True),
    CheckConstraint("sender IN ('buyer', 'shop')", name="sender_known"),
    # the conversation's shop: (shop_id, conversation_id) refers to its UNIQUE (shop_id, id)
    ForeignKeyConstraint(
        ["shop_id", "conversation_id"], ["chat_conversations.shop_id", "chat_conversations.id"]
    ),
)
Index("ix_chat_messages_conversation_id_id", messages.c.conversation_id, messages.c.id)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(conversations, messages)
