"""Response headers that keep pages from running injected script or being framed by another
site, the proxy headers we trust, and whether a cookie must be Secure (docs/security.md)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from pledge.config import Settings

# Script, style, images, fonts and fetches come from this origin only: no inline script, no
# eval, no inline style (templates and static/app.js keep it that way; htmx's indicator style
# is switched off in base.html and lives in app.css).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "media-src 'self' blob:",  # hls.js plays a live room's stream through MediaSource (blob:)
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)
HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",  # frame-ancestors for browsers that predate CSP level 2
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# A PDF opens in the browser's own viewer, which a document policy (object-src 'none') can block.
NO_POLICY_TYPES = ("application/pdf",)


class SecurityHeaders:
    """Pure ASGI (no BaseHTTPMiddleware), so streamed answers (Server-Sent Events) pass untouched."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if not headers.get("content-type", "").startswith(NO_POLICY_TYPES):
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(web: FastAPI, settings: Settings) -> None:
    web.add_middleware(SecurityHeaders)
    if settings.trusted_proxies.strip():
        # Only these peers may say, with X-Forwarded-Proto / X-Forwarded-For, that the request
        # came over HTTPS and from which address (the login throttle counts by that address).
        web.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


def cookie_secure(request: Request, settings: Settings) -> bool:
    """Secure whenever the request came over HTTPS, and always when the setting says so
    (PLEDGE_SECURE_COOKIES; on by default outside demo mode, where TLS may end at a proxy)."""
    return settings.cookies_always_secure or request.url.scheme == "https"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
