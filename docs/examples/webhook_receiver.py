"""A webhook receiver for Pledge, standard library only (docs/webhooks.md).

    PLEDGE_WEBHOOK_SECRET=whsec_... python webhook_receiver.py [port]

It checks the X-Pledge-Signature header (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`)
against the endpoint's secret, refuses timestamps more than five minutes from its own clock
(replays), and handles each event id once: Pledge delivers at least once, so the same event may
arrive again (after a timeout, or a worker that died mid-delivery)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secret: str, signature_header: str, body: bytes, *, now: float, tolerance: int = TOLERANCE_SECONDS):
    """The parsed event if the signature matches and the timestamp is fresh; ValueError otherwise."""
    parts = dict(item.split("=", 1) for item in signature_header.split(",") if "=" in item)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        raise ValueError("malformed signature header")
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise ValueError("signature does not match")
    if abs(now - int(stamp)) > tolerance:
        raise ValueError("timestamp outside the tolerance")
    return json.loads(body)


class Handler(BaseHTTPRequestHandler):
    secret = ""
    seen: set[str] = set()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            event = verify(self.secret, self.headers.get("X-Pledge-Signature", ""), body, now=time.time())
        except ValueError as e:
            self.send_response(400)
            self.end_headers()
            print(f"refused {e}", flush=True)
            return
        first = event["id"] not in self.seen
        self.seen.add(event["id"])
        if first:  # act on the event here, once
            print(f"verified {event['id']} {event['type']}", flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


def main() -> None:
    Handler.secret = os.environ["PLEDGE_WEBHOOK_SECRET"]
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
