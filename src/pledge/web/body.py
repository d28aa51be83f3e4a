"""Request bodies are checked before any handler reads them: a JSON body (or a body without a
content type, as webhooks send) is at most MAX_JSON_BYTES and is valid Unicode. Python's JSON
reader accepts "\\ud800", a lone surrogate that no database can store as UTF-8; without this
check such a string reached the driver and the answer was a 500. One check here covers every
model, every raw-body endpoint (payment callback, carrier webhooks) and every field type."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pledge.web.errors import problem

MAX_JSON_BYTES = 1024 * 1024
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def holds_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(holds_surrogate(k) or holds_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_surrogate(v) for v in value)
    return False


def unicode_problem(body: bytes, declared_json: bool) -> str | None:
    """Why a body is not valid Unicode JSON text, or None (bodies that are not JSON at all
    are left to the handler, which answers them itself)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the request body is not valid UTF-8" if declared_json else None
    if not SURROGATE_ESCAPE.search(text):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if holds_surrogate(data):
        return "the request body holds a lone surrogate (\\ud800-\\udfff), which is not valid Unicode text"
    return None


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


class JsonBodyGuard:
    """ASGI middleware: reads a JSON body once, refuses it with problem+json (413 too large,
    400 not Unicode) or hands the same bytes on to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = _content_type(scope) if scope["type"] == "http" else "none"
        declared_json = kind == "application/json" or kind.endswith("+json")
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or kind.startswith(FORMS)
            or not (declared_json or kind == "")
        ):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_JSON_BYTES:
                await self._refuse(
                    scope,
                    receive,
                    send,
                    413,
                    "Payload too large",
                    f"a JSON body may be at most {MAX_JSON_BYTES // 1024} KB",
                    "payload_too_large",
                )
                return
            if not message.get("more_body", False):
                break
        reason = unicode_problem(body, declared_json)
        if reason:
            await self._refuse(scope, receive, send, 400, "Malformed JSON", reason, "malformed_json")
            return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, status: int, title: str, detail: str, code: str
    ) -> None:
        await problem(status, title, detail, code, scope.get("path", ""))(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
