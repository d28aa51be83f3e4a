"""Every error leaves as RFC 9457 problem+json on the API and as a readable page elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from pledge.kernel.errors import DomainError, TooManyAttempts
from pledge.web.render import error_page

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, code: str, instance: str, **extra) -> JSONResponse:
    body = {
        "type": f"https://pledge.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


BOUND_MESSAGES = {
    "less_than_equal": "must be at most {le}",
    "string_too_long": "must be at most {max_length} characters",
    "too_long": "may hold at most {max_length} items",
    "int_type": "must be a whole number (a JSON integer, not text or true/false)",
}


def field_message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, or for a bound (kernel/limits.py) the bound in plain words."""
    template = BOUND_MESSAGES.get(str(error.get("type", "")))
    message = str(error.get("msg", ""))
    try:
        return template.format(**error.get("ctx", {})) if template else message
    except (KeyError, IndexError):
        return message


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        response: Response
        if _wants_page(request):
            msgid = exc.extra.get("msgid")  # a refusal worded for pages (e.g. merchant.yuan.*)
            detail = msgid if isinstance(msgid, str) else exc.detail
            response = error_page(request, exc.status, exc.title, detail, exc.extra if msgid else None)
        else:
            response = problem(exc.status, exc.title, exc.detail, exc.code, request.url.path, **exc.extra)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(
                400,
                "Malformed JSON",
                "the request body is not valid JSON",
                "malformed_json",
                request.url.path,
            )
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": field_message(e)}
            for e in errors
        ]
        detail = "; ".join(f"{f['field'] or 'body'}: {f['message']}" for f in fields)
        if _wants_page(request):
            return error_page(request, 422, "Invalid input", detail)
        return problem(422, "Invalid input", detail, "invalid_input", request.url.path, errors=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        if _wants_page(request):
            # 404, 405, ...: the page says it in the reader's language (render.STATUS_TEXT).
            return error_page(request, exc.status_code, None, "")
        return problem(exc.status_code, detail, detail, f"http_{exc.status_code}", request.url.path)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        # Starlette's outermost handler: the error is still logged and re-raised after this answer.
        if _wants_page(request):
            return error_page(request, 500, None, "")
        return problem(
            500, "Server error", "the server failed; nothing was half-saved", "server_error", request.url.path
        )
