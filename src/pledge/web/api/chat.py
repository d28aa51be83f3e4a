"""Customer-service chat (飞鸽): conversations, messages (poll with ?after=<message id>), the
buyer's rating, and the shop's response-time and dissatisfaction metrics."""

from fastapi import Response
from pydantic import BaseModel

from pledge.chat import queries
from pledge.chat import services as chat
from pledge.kernel.clock import parse_iso
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.chat import (
    ChatMetricsOut,
    ConversationOut,
    ConversationOutMessages,
    MyConversationsOut,
    OpenConversationOut,
    RateOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Cursor, Id, IsoTime, PathId, RequiredNote, Stars

router = ApiModuleRouter(tags=["chat"])


class OpenIn(BaseModel):
    order_id: Id | None = None


class MessageIn(BaseModel):
    body: RequiredNote  # 1..2000 characters after trimming (the service checks it too)


class RatingIn(BaseModel):
    stars: Stars


@router.post(
    "/shops/{shop_id}/conversations",
    status_code=201,
    summary="Buyer: open a conversation with the shop (about an order or in general), or get the open one",
    responses={201: {"model": OpenConversationOut}},
)
def open_conversation(
    shop_id: PathId, app: AppDep, response: Response, actor: ApiActor, body: OpenIn | None = None
) -> dict:
    with app.uow.begin() as conn:
        opened = chat.open_conversation(
            conn, actor, shop_id=shop_id, order_id=body.order_id if body else None, at=app.clock.now()
        )
        view = queries.conversation_view(conn, actor, opened.conversation_id)
    if not opened.created:
        response.status_code = 200
    return dict(view, created=opened.created)


@router.get(
    "/conversations",
    summary="The caller's conversations: as a buyer, and as a member of their shops",
    responses={200: {"model": MyConversationsOut}},
)
def my_conversations(app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return queries.my_conversations(conn, actor)


@router.get(
    "/conversations/{conversation_id}",
    summary="One conversation; ?after=<message id> returns only newer messages",
    responses={200: {"model": ConversationOut}},
)
def get_conversation(
    conversation_id: PathId, app: AppDep, actor: ApiActor, after: Cursor | None = None
) -> dict:
    with app.uow.read() as conn:
        return queries.conversation_view(conn, actor, conversation_id, after=after)


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=201,
    summary="Post a message as the buyer or as a member of the shop",
    responses={201: {"model": ConversationOutMessages}},
)
def post_message(conversation_id: PathId, body: MessageIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        message_id = chat.post_message(
            conn,
            actor,
            conversation_id,
            body.body,
            at=app.clock.now(),
            screen=app.comment_screen,
            listener=app.listener,
        )
        view = queries.conversation_view(conn, actor, conversation_id, after=message_id - 1)
    return view["messages"][0]


@router.post(
    "/conversations/{conversation_id}/rating",
    summary="Buyer: rate the conversation 1-5 stars (final; ends it)",
    responses={200: {"model": RateOut}},
)
def rate(conversation_id: PathId, body: RatingIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        chat.rate_conversation(conn, actor, conversation_id, body.stars, at=app.clock.now())
        view = queries.conversation_view(conn, actor, conversation_id)
    view.pop("messages")
    return view


@router.get(
    "/shops/{shop_id}/chat-metrics",
    summary="Average response time and dissatisfaction over a window (default: the last 30 days)",
    responses={200: {"model": ChatMetricsOut}},
)
def chat_metrics(
    shop_id: PathId, app: AppDep, actor: ApiActor, since: IsoTime | None = None, until: IsoTime | None = None
) -> dict:
    with app.uow.read() as conn:
        metrics = chat.shop_chat_metrics(
            conn,
            actor,
            shop_id,
            book=app.rulebook,
            now=app.clock.now(),
            since=parse_iso(since) if since else None,
            until=parse_iso(until) if until else None,
        )
    return metrics.as_dict()
