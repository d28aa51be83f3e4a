"""`pledge serve --workers N` as a real subprocess on a free port, and which of its processes
answered a given connection (from /proc: the server-side socket's inode, then the process whose
file descriptors hold it)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import free_port

PLEDGE = Path(sys.executable).parent / "pledge"


class Served:
    """The running `pledge serve` command: its URL, its process and its worker processes."""

    def __init__(self, database_url: str, var_dir: Path, workers: int, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            PLEDGE_DATABASE_URL=database_url,
            PLEDGE_PORT=str(self.port),
            PLEDGE_VAR_DIR=str(var_dir),
            PLEDGE_SECRET_KEY=secrets.token_urlsafe(32),
            PLEDGE_PAYMENT_SECRET=secrets.token_urlsafe(32),
            PLEDGE_SECURE_COOKIES="false",
            **{f"PLEDGE_{name.upper()}": value for name, value in settings.items()},
        )
        self.log = var_dir / "serve.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(PLEDGE), "serve", "--workers", str(workers)], env=env, stdout=out, stderr=out
            )

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"pledge serve exited: {self.log.read_text()}"
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"pledge serve did not answer: {self.log.read_text()}")

    def workers(self) -> set[int]:
        """The processes serving requests: the command's children that hold a socket."""
        return {pid for pid in children(self.process.pid) if _socket_inodes(pid)}

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C, as an operator stops it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def serving_process(server_port: int, client_port: int, candidates: set[int]) -> int:
    """Which of `candidates` holds the server end of the connection from `client_port`."""
    want = (f"{server_port:04X}", f"{client_port:04X}")
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
        if (local, remote) == want:
            inode = fields[9]
    assert inode is not None, f"no server socket for client port {client_port}"
    (pid,) = [pid for pid in candidates if inode in _socket_inodes(pid)]
    return pid


def client_port(response: httpx.Response) -> int:
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]
