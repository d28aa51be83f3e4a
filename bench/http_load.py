"""The HTTP side of the place_order benchmark: the app server in its own process (bench._server),
bearer tokens for the buyers, and client threads that drive an action n times and time it."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def tokens(base: str, emails: list[str], password: str) -> list[str]:
    """POST /api/v1/auth/token per buyer, four at a time (each is an argon2 verify)."""

    def one(email: str) -> str:
        r = httpx.post(base + "/api/v1/auth/token", json={"email": email, "password": password}, timeout=60)
        r.raise_for_status()
        return r.json()["token"]

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, emails))


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

    elapsed = release_together(clients, per_thread, body, "bench-client")
    requests, latency = latency_summary(latencies)
    errors = sum((c for c in failures), Counter())
    return {
        "elapsed_s": elapsed,
        "requests": requests,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "first_error": first_error[0] if first_error else None,
        "latency_ms": latency,
    }


class _HttpState:
    def __init__(self, base: str, tokens: list[str]) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.headers = [{"Authorization": f"Bearer {t}"} for t in tokens]

    def close(self) -> None:
        self.client.close()


def http_run(server: Server, tokens: list[str], catalogue: list[dict], *, n: int, clients: int) -> dict:
    sku_ids = [s["id"] for s in catalogue]

    def per_thread(k: int) -> _HttpState:
        return _HttpState(server.base, tokens[k::clients])  # each buyer belongs to one thread

    def checkout(state: _HttpState, i: int) -> str | None:
        r = state.client.post(
            "/api/v1/checkout",
            headers=state.headers[i % len(state.headers)],
            json={"lines": [{"sku_id": sku_ids[i % len(sku_ids)], "quantity": 1}]},
        )
        return None if r.status_code == 201 else f"HTTP {r.status_code}: {r.text}"

    return drive(clients, n, per_thread, checkout)
