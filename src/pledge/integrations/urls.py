"""Where a webhook may be sent (SSRF): only http and https, no user:password@ in the URL, and a
host whose every address is public. Loopback, private (RFC 1918, fc00::/7), link-local
(169.254/16 with the cloud metadata address, fe80::/10), multicast, unspecified, reserved and
carrier-grade NAT (100.64/10) addresses are refused. The check runs when the endpoint is saved
and again before every delivery (a name may resolve elsewhere later: DNS rebinding); redirects
are never followed. PLEDGE_WEBHOOKS_ALLOW_PRIVATE_HOSTS lifts the address check (tests, bench)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from pledge.kernel.errors import InvalidInput

URL_MAX = 500
CGNAT = ipaddress.ip_network("100.64.0.0/10")
Resolver = Callable[[str], list[str]]


class UnsafeWebhookUrl(InvalidInput):
    code = "unsafe_webhook_url"
    title = "This address cannot receive webhooks"


def resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise UnsafeWebhookUrl(f"the host {host!r} does not resolve ({e})", field="url") from None
    return sorted({str(info[4][0]) for info in infos})


def forbidden_reason(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (  # the specific names first: Python counts 0/8 and 240/4 as "private" too
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("unspecified", ip.is_unspecified),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("carrier-grade NAT", isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT),
        ("private", ip.is_private),
    )
    return next((name for name, hit in checks if hit), None)


def check_url(url: object, *, allow_private: bool, resolver: Resolver = resolve) -> str:
    """The URL, stripped, if webhooks may be sent there; UnsafeWebhookUrl (422) otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeWebhookUrl("give the endpoint's URL", field="url")
    url = url.strip()
    if len(url) > URL_MAX:
        raise UnsafeWebhookUrl(f"the URL is longer than {URL_MAX} characters", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise UnsafeWebhookUrl("the URL cannot be read", field="url") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeWebhookUrl("only http:// and https:// URLs receive webhooks", field="url")
    if parts.username is not None or parts.password is not None:
        raise UnsafeWebhookUrl("the URL may not contain a user name or password", field="url")
    if not host:
        raise UnsafeWebhookUrl("the URL has no host", field="url")
    if not allow_private:
        for address in resolver(host):
            reason = forbidden_reason(address)
            if reason:
                raise UnsafeWebhookUrl(
                    f"{host} resolves to {address}, a {reason} address; webhooks go to public hosts only",
                    field="url",
                    address=address,
                )
    return url
