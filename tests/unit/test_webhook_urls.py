"""Where webhooks may go (SSRF): every address a host resolves to must be public."""

from __future__ import annotations

import pytest

from pledge.integrations.urls import UnsafeWebhookUrl, check_url, forbidden_reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
    ],
)
def test_forbidden_webhook_addresses(address, reason):
    assert forbidden_reason(address) == reason


def test_a_host_is_refused_when_any_of_its_addresses_is_private():
    def resolver(host: str) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(UnsafeWebhookUrl, match="10.0.0.7, a private address"):
        check_url("https://erp.example.com/hook", allow_private=False, resolver=resolver)
    assert check_url(" https://erp.example.com/hook ", allow_private=True, resolver=resolver) == (
        "https://erp.example.com/hook"
    )


def test_the_setting_lifts_only_the_address_check():
    with pytest.raises(UnsafeWebhookUrl, match="only http"):
        check_url("gopher://127.0.0.1/", allow_private=True)
    with pytest.raises(UnsafeWebhookUrl, match="user name"):
        check_url("http://a:b@127.0.0.1/", allow_private=True)
