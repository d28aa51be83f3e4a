"""A real HTTP receiver on 127.0.0.1 for the webhook tests and the bench: it records every POST
(path, event id, headers, body), answers a chosen status, and can hold a request until released
(to kill a worker mid-delivery)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from pledge.integrations import webhooks
from pledge.integrations.tables import webhook_endpoints


class Receiver:
    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.received: list[dict] = []
        self.hold = threading.Event()
        self.hold.set()  # set: answer at once; cleared: wait until set
        self.arrived = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrived = time.time()
                with receiver._lock:
                    receiver.received.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body, "arrived": arrived}
                        | json.loads(body)
                    )
                receiver.arrived.set()
                receiver.hold.wait(30)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def per_path_event_counts(self) -> Counter:
        with self._lock:
            return Counter((r["path"], r["id"]) for r in self.received)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


def register(app, owner, shop_id: int, url: str, events=("order.paid",)) -> dict:
    with app.uow.begin() as c:
        return webhooks.register_endpoint(
            c, owner, shop_id=shop_id, url=url, events=list(events), at=app.clock.now(), allow_private=True
        )


def secret_of(app, endpoint_id: int) -> str:
    with app.uow.read() as c:
        return c.execute(
            select(webhook_endpoints.c.secret).where(webhook_endpoints.c.id == endpoint_id)
        ).scalar_one()
