"""The benchmarks' load-generator client (bench.http_load.KeepAliveClient): requests go over one
keep-alive connection, the reply carries status, body and content type, and a connection the
server closed while idle is opened again instead of failing the next request."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.http_load import HTTP_CLIENTS, KeepAliveClient, choose_client, client_kind, http_client


class _Echo(BaseHTTPRequestHandler):
    """Answers a POST with its JSON body, the path, the Authorization header and how many
    requests this connection has carried; closes the connection after it when the body asks."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.served = 0
        self.server.connections += 1

    def do_POST(self) -> None:
        self.served += 1
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = json.dumps(
            {
                "echo": body,
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "on_this_connection": self.served,
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        if body.get("then_close"):
            self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.connections = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_requests_share_one_connection_and_carry_the_headers(echo_server):
    client = KeepAliveClient(
        f"http://127.0.0.1:{echo_server.server_port}", headers={"Authorization": "Bearer a"}
    )
    try:
        first = client.post("/api/v1/checkout", json={"lines": [{"sku_id": 7, "quantity": 1}]})
        second = client.post("/x", json={"n": 2}, headers={"Authorization": "Bearer b"})
    finally:
        client.close()
    assert (first.status_code, first.content_type) == (201, "application/json")
    assert first.json() == {
        "echo": {"lines": [{"sku_id": 7, "quantity": 1}]},
        "path": "/api/v1/checkout",
        "auth": "Bearer a",
        "on_this_connection": 1,
    }
    assert second.json()["auth"] == "Bearer b"
    assert second.json()["on_this_connection"] == 2
    assert echo_server.connections == 1


def test_a_connection_the_server_closed_is_opened_again(echo_server):
    client = KeepAliveClient(f"http://127.0.0.1:{echo_server.server_port}")
    try:
        client.post("/a", json={"then_close": True})
        after = client.post("/b", json={"n": 1})
    finally:
        client.close()
    assert after.status_code == 201
    assert after.json()["on_this_connection"] == 1
    assert echo_server.connections == 2


def test_the_run_chooses_its_client_once():
    assert client_kind() == "stdlib"
    with pytest.raises(ValueError, match="no HTTP client 'curl'"):
        choose_client("curl")
    choose_client("httpx")
    try:
        client = http_client("http://127.0.0.1:9")
        client.close()
    finally:
        choose_client("stdlib")
    assert isinstance(client, HTTP_CLIENTS["httpx"])
    plain = http_client("http://127.0.0.1:9")
    plain.close()
    assert isinstance(plain, KeepAliveClient)
