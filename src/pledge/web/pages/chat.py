"""Customer-service chat pages (联系客服): the conversation with messages that arrive without a
reload (HTMX polls a fragment every 2 s for messages after the last one shown), the buyer's
rating, the buyer's list, and the merchant inbox with unanswered conversations first."""

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from pledge.chat import queries
from pledge.chat import services as chat
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.forms import required_number, whole_number
from pledge.web.pages.routing import PageRouter
from pledge.web.render import form_error, redirect, render
from pledge.web.types import Cursor, PathId

router = PageRouter()
POLL = "2s"


@router.post("/shops/{shop_id}/chat")
def open_chat(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    """联系客服 on the product and order pages: the open conversation, created if needed."""
    app = pledge(request)
    with app.uow.begin() as conn:
        opened = chat.open_conversation(
            conn,
            caller.actor,
            shop_id=shop_id,
            order_id=whole_number(form.get("order_id"), "order_id"),
            at=app.clock.now(),
        )
    return redirect(f"/chats/{opened.conversation_id}")


@router.get("/chats")
def my_chats(request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        mine = queries.my_conversations(conn, caller.actor)
    return render(request, "chat_list.html", mine=mine)


@router.get("/chats/{conversation_id}")
def conversation_page(conversation_id: PathId, request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        view = queries.conversation_view(conn, caller.actor, conversation_id)
    return render(request, "chat_conversation.html", c=view, poll=POLL)


@router.get("/chats/{conversation_id}/messages")
def new_messages(conversation_id: PathId, request: Request, caller: PageCaller, after: Cursor = 0):
    """The polled fragment: messages after `after`, then the poller that asks for the next ones."""
    with pledge(request).uow.read() as conn:
        view = queries.conversation_view(conn, caller.actor, conversation_id, after=after)
    return render(request, "_chat_messages.html", c=view, poll=POLL)


@router.post("/chats/{conversation_id}/messages")
def send(conversation_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    htmx = bool(request.headers.get("hx-request"))
    try:
        with app.uow.begin() as conn:
            chat.post_message(
                conn,
                caller.actor,
                conversation_id,
                str(form.get("body", "")),
                at=app.clock.now(),
                screen=app.comment_screen,
                listener=app.listener,
            )
    except (InvalidInput, Conflict) as exc:
        if not htmx:
            raise
        # shown under the form; the transaction was rolled back, nothing changed
        return HTMLResponse(
            f'<span data-testid="chat-error">{escape(form_error(request, exc.status, exc.detail))}</span>',
            headers={"HX-Retarget": f"#chat-error-{conversation_id}", "HX-Reswap": "innerHTML"},
        )
    if htmx:  # the poller fetches the new message at once
        return Response(status_code=204, headers={"HX-Trigger": "chat-sent"})
    return redirect(f"/chats/{conversation_id}")


@router.post("/chats/{conversation_id}/rating")
def rate(conversation_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        chat.rate_conversation(
            conn,
            caller.actor,
            conversation_id,
            required_number(form.get("stars"), "stars"),
            at=app.clock.now(),
        )
    return redirect(f"/chats/{conversation_id}")


@router.get("/merchant/shops/{shop_id}/chats")
def inbox(shop_id: PathId, request: Request, caller: PageCaller):
    actor = caller.actor
    app = pledge(request)
    with app.uow.read() as conn:
        rows = queries.shop_inbox(conn, actor, shop_id)
        if request.headers.get("hx-request"):
            return render(request, "_merchant_chats_table.html", shop_id=shop_id, rows=rows)
        metrics = chat.shop_chat_metrics(conn, actor, shop_id, book=app.rulebook, now=app.clock.now())
    return render(request, "merchant_chats.html", shop_id=shop_id, rows=rows, metrics=metrics, poll=POLL)
