"""ASGI middleware for the Idempotency-Key header on the API's writing requests (POST, PUT, PATCH,
DELETE under /api/v1): the rules are pledge.integrations.idempotency's; here the request is read,
fingerprinted, run once and its answer kept or replayed (with `Idempotent-Replayed: true`).

Keys belong to the credential that sent them (the Authorization header or the session cookie,
hashed): two callers' keys never meet. A request without a credential ignores the header (it can
change nothing anyone would retry: signing in, say)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pledge.integrations import idempotency
from pledge.kernel.errors import DomainError
from pledge.web.errors import problem

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_COOKIE = b"pledge_session="


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def _credential(scope: Scope) -> bytes | None:
    auth = _header(scope, b"authorization")
    if auth:
        return b"auth:" + auth
    cookies = _header(scope, b"cookie") or b""
    for part in cookies.split(b";"):
        if part.strip().startswith(SESSION_COOKIE):
            return b"session:" + part.strip()[len(SESSION_COOKIE) :]
    return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class IdempotencyKeys:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        credential = _credential(scope) if key is not None else None
        if (
            key is None
            or credential is None
            or scope["method"] not in WRITES
            or not scope["path"].startswith("/api/v1/")
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return
        await self._once(scope, _replay(body, receive), send, key, credential, body)

    async def _once(
        self, scope: Scope, receive: Receive, send: Send, raw_key: bytes, credential: bytes, body: bytes
    ) -> None:
        pledge = scope["app"].state.pledge
        caller = idempotency.digest(credential)
        request = (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body)
        fingerprint = idempotency.digest(*request)

        def claim() -> idempotency.Answer | None:
            key = idempotency.check_key(raw_key.decode("latin-1"))
            with pledge.uow.begin() as conn:
                return idempotency.claim(conn, caller, key, fingerprint, at=pledge.clock.now())

        try:
            kept = await run_in_threadpool(claim)
        except DomainError as exc:
            title = "Idempotency-Key refused"
            await problem(exc.status, title, str(exc), exc.code, scope["path"])(scope, receive, send)
            return
        if kept is not None:
            await _send_kept(send, kept)
            return
        await self._run_and_keep(scope, receive, send, raw_key.decode("latin-1"), caller)

    async def _run_and_keep(self, scope: Scope, receive: Receive, send: Send, key: str, caller: str) -> None:
        pledge = scope["app"].state.pledge
        answer: dict = {"status": 500, "content_type": "", "body": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["content_type"] = dict(message.get("headers", ())).get(b"content-type", b"").decode()
            elif message["type"] == "http.response.body":
                answer["body"].append(message.get("body", b""))
            await send(message)

        def finish() -> None:
            with pledge.uow.begin() as conn:
                if answer["status"] >= 500:
                    idempotency.release(conn, caller, key)
                else:
                    kept = idempotency.Answer(
                        answer["status"], answer["content_type"], b"".join(answer["body"])
                    )
                    idempotency.keep(conn, caller, key, kept)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            answer["status"] = 500  # whatever was sent, a failed request's answer is not kept
            raise
        finally:
            await run_in_threadpool(finish)


async def _send_kept(send: Send, kept: idempotency.Answer) -> None:
    headers = [(b"idempotent-replayed", b"true"), (b"content-length", str(len(kept.body)).encode())]
    if kept.content_type:
        headers.append((b"content-type", kept.content_type.encode()))
    await send({"type": "http.response.start", "status": kept.status, "headers": headers})
    await send({"type": "http.response.body", "body": kept.body})
