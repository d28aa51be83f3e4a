"""The HTTP side of the place_order benchmark: the app server in its own process (bench._server),
bearer tokens for the buyers, and client threads that drive an action n times and time it."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench import ROOT, latency_summary, release_together


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, log: Path, workers: int = 1) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench._server", url, str(self.port), str(workers)],
            cwd=ROOT,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
        )

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.proc.returncode}:\n{self.log.read_text()[-2000:]}"
                )
            try:
                if httpx.get(self.base + "/__bench/statements", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(
            f"the server did not answer within {timeout:.0f} s:\n{self.log.read_text()[-2000:]}"
        )

    def cpu_seconds(self) -> float | None:
        """utime + stime of the server (Linux /proc), its worker processes included, to tell
        whether it is CPU-bound; None where /proc cannot tell."""
        try:
            return sum(_own_cpu_seconds(p) for p in (self.proc.pid, *_children(self.proc.pid)))
        except (OSError, ValueError, IndexError):
            return None

    def statements(self, since: dict | None = None) -> dict:
        params = {"since": since["count"], "since_begin": since["begins"]} if since else {}
        return httpx.get(self.base + "/__bench/statements", params=params, timeout=30).json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


def _own_cpu_seconds(pid: int, with_exited_children: bool = False) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if with_exited_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def postgres_cpu_seconds() -> float | None:
    """CPU seconds of every PostgreSQL process on the machine (the throwaway cluster's and any
    other running), from /proc: each one's utime + stime, plus cutime + cstime, which on the
    postmaster hold the backends that have exited (a connection the pool closed takes its
    backend's CPU with it otherwise). None where /proc cannot tell. Read before and after a
    run, it tells the database's share of the CPU."""
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += _own_cpu_seconds(int(entry.name), with_exited_children=True)
            except OSError:
                continue
    except OSError:
        return None
    return total


def tokens(base: str, emails: list[str], password: str) -> list[str]:
    """POST /api/v1/auth/token per buyer, four at a time (each is an argon2 verify)."""

    def one(email: str) -> str:
        r = httpx.post(base + "/api/v1/auth/token", json={"email": email, "password": password}, timeout=60)
        r.raise_for_status()
        return r.json()["token"]

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, emails))


@dataclass(frozen=True)
class Reply:
    status_code: int
    text: str
    content_type: str

    def json(self):
        return json.loads(self.text)


class KeepAliveClient:
    """The load generator's HTTP/1.1 client: one keep-alive connection (the standard library's
    http.client), JSON bodies. It costs the bench process about a fifth of httpx's CPU per
    request (docs/benchmarks.md, "the fifth round"), CPU the server shares on a two-core machine.
    `--http-client httpx` runs the same load through httpx instead."""

    def __init__(self, base: str, timeout: float = 60, headers: dict | None = None) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def post(self, path: str, json: object, headers: dict | None = None) -> Reply:
        body = _json_bytes(json)
        sent = {**self.headers, **headers} if headers else self.headers
        try:
            return self._exchange(path, body, sent)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # the server closed an idle keep-alive connection before reading the request
            self.conn.close()
            return self._exchange(path, body, sent)

    def _exchange(self, path: str, body: bytes, headers: dict) -> Reply:
        self.conn.request("POST", path, body=body, headers=headers)
        r = self.conn.getresponse()
        return Reply(r.status, r.read().decode(), r.getheader("content-type", ""))

    def close(self) -> None:
        self.conn.close()


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class HttpxClient:
    """The same interface over httpx (the client the benchmarks used before the fifth round)."""

    def __init__(self, base: str, timeout: float = 60, headers: dict | None = None) -> None:
        self.client = httpx.Client(base_url=base, timeout=timeout, headers=headers or {})

    def post(self, path: str, json: object, headers: dict | None = None) -> Reply:
        r = self.client.post(path, json=json, headers=headers)
        return Reply(r.status_code, r.text, r.headers.get("content-type", ""))

    def close(self) -> None:
        self.client.close()


HTTP_CLIENTS = {"stdlib": KeepAliveClient, "httpx": HttpxClient}
# The load generator's client for this run: `python -m bench --http-client` sets it once, before
# any benchmark starts; results record it in their config.
_chosen = ["stdlib"]


def choose_client(kind: str) -> None:
    if kind not in HTTP_CLIENTS:
        raise ValueError(f"no HTTP client {kind!r}; choose from {sorted(HTTP_CLIENTS)}")
    _chosen[0] = kind


def client_kind() -> str:
    return _chosen[0]


def http_client(base: str, timeout: float = 60, headers: dict | None = None):
    """A load-generator client (the one `choose_client` picked) on `base`."""
    return HTTP_CLIENTS[_chosen[0]](base, timeout=timeout, headers=headers)


def drive(clients: int, n: int, per_thread, action) -> dict:
    """Run `action(state, i)` n times over `clients` threads; returns wall time and latencies.
    per_thread(k) builds thread k's state (its HTTP client, its buyers) before the clock starts."""
    indices = itertools.count()  # next() on itertools.count is atomic under the GIL
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[Counter] = [Counter() for _ in range(clients)]
    first_error: list[str] = []

    def body(k: int, state) -> None:
        while (i := next(indices)) < n:
            t0 = time.perf_counter()
            try:
                problem = action(state, i)
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
            latencies[k].append(time.perf_counter() - t0)
            if problem:
                failures[k][problem.split(":")[0]] += 1
                if not first_error:
                    first_error.append(problem[:500])

    cpu_before = time.process_time()
    elapsed = release_together(clients, per_thread, body, "bench-client")
    client_cpu = time.process_time() - cpu_before
    requests, latency = latency_summary(latencies)
    errors = sum((c for c in failures), Counter())
    return {
        "elapsed_s": elapsed,
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(requests, 1), 3),
        "requests": requests,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "first_error": first_error[0] if first_error else None,
        "latency_ms": latency,
    }


class _HttpState:
    def __init__(self, client, tokens: list[str]) -> None:
        self.client = client
        self.headers = [{"Authorization": f"Bearer {t}"} for t in tokens]

    def close(self) -> None:
        self.client.close()


def http_run(server: Server, tokens: list[str], catalogue: list[dict], *, n: int, clients: int) -> dict:
    sku_ids = [s["id"] for s in catalogue]

    def per_thread(k: int) -> _HttpState:
        # each buyer belongs to one thread
        return _HttpState(http_client(server.base), tokens[k::clients])

    def checkout(state: _HttpState, i: int) -> str | None:
        r = state.client.post(
            "/api/v1/checkout",
            headers=state.headers[i % len(state.headers)],
            json={"lines": [{"sku_id": sku_ids[i % len(sku_ids)], "quantity": 1}]},
        )
        return None if r.status_code == 201 else f"HTTP {r.status_code}: {r.text}"

    return drive(clients, n, per_thread, checkout)
