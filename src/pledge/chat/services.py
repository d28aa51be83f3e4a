"""Chat use cases: a buyer opens a conversation with a shop (about an order or in general), both
sides post, the buyer rates it once (which ends it), and the shop's response-time and
dissatisfaction metrics are measured for the experience score (douyin:aJoPPkXuLRqc).

Who may do what is decided here, whatever the entry point: the buyer sees and writes in their
own conversations; any member of the shop reads and answers the shop's; platform staff may read
any conversation (disputes, audits) and write in none; everyone else is told the conversation
does not exist, so another shop's conversations are not revealed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pledge.accounts.services import PLATFORM_ROLES, Actor, require_shop
from pledge.catalog.tables import shops
from pledge.chat import policy
from pledge.chat.model import LIFECYCLE as CONVERSATION_LIFECYCLE
from pledge.chat.model import ConversationStatus, Sender, check_stars, clean_body
from pledge.chat.tables import conversations, messages
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.kernel.heard import NOBODY, Heard, Listener, Said
from pledge.kernel.screening import ADMIT_ALL, ContentScreen, Held, Kept, Outcome
from pledge.notifications.model import Kind
from pledge.notifications.services import notify
from pledge.orders.tables import orders
from pledge.rulebooks.loader import Rulebook

MAX_WINDOW = timedelta(days=366)
PLATFORM = "platform"


@dataclass(frozen=True)
class Opened:
    conversation_id: int
    created: bool


def open_key(buyer_id: int, shop_id: int, order_id: int | None) -> str:
    return f"{buyer_id}:{shop_id}:{order_id if order_id is not None else '-'}"


def role_in(actor: Actor, row) -> str | None:
    """buyer | shop | platform (read only) | None for anyone else."""
    if row.buyer_id == actor.user_id:
        return Sender.BUYER.value
    if row.shop_id in actor.shops:
        return Sender.SHOP.value
    if actor.platform_role in PLATFORM_ROLES:
        return PLATFORM
    return None


def conversation_for(conn: Connection, actor: Actor, conversation_id: int, *, lock: bool = False):
    """(row, role) if the actor may see the conversation; NotFound otherwise."""
    query = select(conversations).where(conversations.c.id == conversation_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()  # SQLite already serialises writers (BEGIN IMMEDIATE)
    row = conn.execute(query).first()
    role = None if row is None else role_in(actor, row)
    if role is None:
        raise NotFound(f"no conversation {conversation_id}")
    return row, role


def open_conversation(
    conn: Connection, actor: Actor, *, shop_id: int, order_id: int | None = None, at: datetime
) -> Opened:
    """The buyer's open conversation with the shop about the order (or the shop in general),
    created if there is none. A shop's own members cannot be its customers here: chatting with
    oneself would make the shop's response time whatever it likes."""
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")
    if shop_id in actor.shops:
        raise Forbidden(
            f"members of shop {shop_id} answer its conversations; they cannot open one as its customer"
        )
    if order_id is not None:
        order = conn.execute(
            select(orders.c.buyer_id, orders.c.shop_id).where(orders.c.id == order_id)
        ).first()
        if order is None or order.buyer_id != actor.user_id:
            raise NotFound(f"no order {order_id}")
        if order.shop_id != shop_id:
            raise InvalidInput(f"order {order_id} was not placed with shop {shop_id}")
    key = open_key(actor.user_id, shop_id, order_id)
    found = conn.execute(select(conversations.c.id).where(conversations.c.open_key == key)).scalar()
    if found is not None:
        return Opened(found, False)
    try:
        with conn.begin_nested():
            new_id = inserted_id(
                conn,
                conversations.insert().values(
                    shop_id=shop_id,
                    buyer_id=actor.user_id,
                    order_id=order_id,
                    status=ConversationStatus.OPEN.value,
                    open_key=key,
                    created_at=at,
                ),
            )
    except IntegrityError:  # a concurrent open of the same conversation won (PostgreSQL)
        return Opened(
            conn.execute(select(conversations.c.id).where(conversations.c.open_key == key)).scalar_one(),
            False,
        )
    return Opened(new_id, True)


def post_message(
    conn: Connection,
    actor: Actor,
    conversation_id: int,
    body: str,
    *,
    at: datetime,
    screen: ContentScreen = ADMIT_ALL,
    listener: Listener = NOBODY,
) -> int:
    """A buyer message opens a round if none is open (its time is the round's start); a shop
    message closes the open round. The conversation starts with the buyer's first message.
    `screen` checks the text first: blocked text is refused, text held for review is stored but
    shown to its author only (it neither opens nor closes a round, nor notifies anyone). A buyer's
    shown message is told to the listener."""
    row, role = conversation_for(conn, actor, conversation_id, lock=True)
    if role == PLATFORM:
        raise Forbidden("platform staff can read conversations but not write in them")
    text = clean_body(body)
    if row.status != ConversationStatus.OPEN.value:
        raise Conflict(
            f"conversation {conversation_id} ended when the buyer rated it; open a new one to write again"
        )
    outcome = screen.admit([("message", text)])
    shown = outcome is Outcome.ALLOW
    message_id = inserted_id(
        conn,
        messages.insert().values(
            conversation_id=row.id,
            shop_id=row.shop_id,
            sender=role,
            author_id=actor.user_id,
            body=text,
            at=at,
            moderation=outcome.value,
            shown_at=at if shown else None,
        ),
    )
    if not shown:
        screen.hold(conn, Held(Kept.CHAT_MESSAGE, message_id, text, row.shop_id, actor.user_id), at=at)
        return message_id
    _shown(conn, row, Sender(role), message_id, text, actor.user_id, at=at, listener=listener)
    return message_id


def _shown(
    conn: Connection,
    row,
    sender: Sender,
    message_id: int,
    text: str,
    author_id: int,
    *,
    at: datetime,
    listener: Listener,
) -> None:
    """A message the other party can now read, at `at`: a buyer's opens a round if none is open
    (and starts the conversation), a shop's closes the open round and tells the buyer."""
    values: dict = {"last_message_at": at}
    if sender is Sender.BUYER:
        values.update(started_at=row.started_at or at, awaiting_reply_since=row.awaiting_reply_since or at)
        said = Heard(Said.CHAT_MESSAGE, message_id, row.shop_id, author_id, text, at, order_id=row.order_id)
        listener.heard(conn, said)
    else:
        values.update(awaiting_reply_since=None)
        _tell_buyer(conn, row, message_id, at)
    conn.execute(conversations.update().where(conversations.c.id == row.id).values(**values))


def set_moderation(
    conn: Connection, message_id: int, outcome: Outcome, *, at: datetime, listener: Listener = NOBODY
) -> None:
    """A reviewer's decision on a held or reported message (trust & safety): ALLOW shows it to the
    other party; anything else hides it from all but its author. A held message allowed is shown
    now, as if posted at the decision: a buyer's opens a reply round from this moment (the shop
    could not read it before), a shop's closes the open one — unless the buyer has rated the
    conversation since, which ended it."""
    m = messages.c
    message = conn.execute(
        select(m.conversation_id, m.sender, m.author_id, m.body, m.shown_at).where(m.id == message_id)
    ).first()
    if message is None:
        raise NotFound(f"no message {message_id}")
    first_shown = outcome is Outcome.ALLOW and message.shown_at is None
    conn.execute(
        messages.update()
        .where(m.id == message_id)
        .values(moderation=outcome.value, **({"shown_at": at} if first_shown else {}))
    )
    if not first_shown:
        return
    query = select(conversations).where(conversations.c.id == message.conversation_id)
    row = conn.execute(query.with_for_update() if conn.dialect.name == "postgresql" else query).one()
    if row.status == ConversationStatus.OPEN.value:
        _shown(
            conn,
            row,
            Sender(message.sender),
            message_id,
            message.body,
            message.author_id,
            at=at,
            listener=listener,
        )


def _tell_buyer(conn: Connection, row, message_id: int, at: datetime) -> None:
    """The shop answered: the buyer's inbox hears of it (once per message)."""
    shop = conn.execute(select(shops.c.name).where(shops.c.id == row.shop_id)).scalar_one()
    notify(
        conn,
        [row.buyer_id],
        kind=Kind.CHAT_REPLY,
        params={"conversation_id": row.id, "shop": shop},
        link=f"/chats/{row.id}",
        cause=f"chat-reply:{message_id}",
        at=at,
    )


def rate_conversation(
    conn: Connection, actor: Actor, conversation_id: int, stars: int, *, at: datetime
) -> None:
    """The buyer's 1-5 star rating; final, and it ends the conversation (see chat.model)."""
    row, role = conversation_for(conn, actor, conversation_id, lock=True)
    if role != Sender.BUYER:
        raise Forbidden("only the buyer rates a conversation")
    stars = check_stars(stars)
    if row.stars is not None:
        raise Conflict(
            f"conversation {conversation_id} was already rated {row.stars} stars; a rating is final"
        )
    if row.started_at is None:
        raise InvalidInput("write to the shop first: there is nothing to rate yet")
    CONVERSATION_LIFECYCLE.move(
        conn,
        conversations,
        row.id,
        row.status,
        ConversationStatus.CLOSED,
        where=[conversations.c.stars.is_(None)],
        stars=stars,
        rated_at=at,
        closed_at=at,
        open_key=None,
    )


def measure_shop(
    conn: Connection, shop_id: int, *, book: Rulebook, since: datetime, until: datetime
) -> policy.ChatMetrics:
    """The shop's chat metrics over [since, until), for the experience score. No tenancy check:
    the caller is the platform itself (shop_chat_metrics is the checked entry for people)."""
    tz = conn.execute(select(shops.c.timezone).where(shops.c.id == shop_id)).scalar()
    if tz is None:
        raise NotFound(f"no shop {shop_id}")
    c = conversations.c
    in_window = (c.shop_id == shop_id, c.started_at >= since, c.started_at < until)
    rows = conn.execute(select(c.id, c.stars, c.rated_at, c.closed_at).where(*in_window).order_by(c.id)).all()
    history: dict[int, list[policy.Message]] = {r.id: [] for r in rows}
    for conversation_id, message in _shown_messages(conn, in_window, until):
        history[conversation_id].append(message)
    logs = [policy.ConversationLog(history[r.id], r.stars, r.rated_at, r.closed_at, r.id) for r in rows]
    return policy.measure(
        logs, chat_rules=policy.rules(book, until), tz=tz, since=since, until=until, shop_id=shop_id
    )


def _shown_messages(conn: Connection, in_window, until: datetime) -> list[tuple[int, policy.Message]]:
    """The messages the other party could read, in the order the metrics count them: a buyer's
    from when it was shown (a held one: when a reviewer allowed it — the shop could not answer
    before), a shop's from when it was sent (a review's delay is not the shop's), once allowed."""
    c, m = conversations.c, messages.c
    rows = conn.execute(
        select(m.conversation_id, m.id, m.sender, m.at, m.shown_at)
        .join(conversations, c.id == m.conversation_id)
        .where(*in_window, m.shown_at.is_not(None), m.at < until)
    ).all()
    timed = [(r.shown_at if r.sender == Sender.BUYER else r.at, r) for r in rows]
    timed.sort(key=lambda pair: (pair[1].conversation_id, pair[0], pair[1].id))
    return [(r.conversation_id, policy.Message(at, r.sender)) for at, r in timed if at < until]


def shop_chat_metrics(
    conn: Connection,
    actor: Actor,
    shop_id: int,
    *,
    book: Rulebook,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> policy.ChatMetrics:
    """For the shop's members and platform staff; the window defaults to the rulebook's
    (the last 30 days up to now)."""
    require_shop(actor, shop_id, read_only=True)
    until = until or now
    if until > now:
        raise InvalidInput(
            "the window cannot end in the future: unanswered rounds would be counted too early"
        )
    since = since or until - policy.rules(book, until).window
    if since >= until or until - since > MAX_WINDOW:
        raise InvalidInput(f"the window must start before it ends and span at most {MAX_WINDOW.days} days")
    return measure_shop(conn, shop_id, book=book, since=since, until=until)
