"""A throwaway PostgreSQL cluster for the test suite: initdb + pg_ctl on a free port, as the
`postgres` user when the tests run as root (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ENABLE_HINT = (
    "PostgreSQL tests skipped: install PostgreSQL 15 server binaries (initdb, pg_ctl on PATH, "
    "e.g. `apt-get install postgresql`) or set PLEDGE_TEST_PG_URL to an empty database server URL"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_cluster_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class Cluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pledge-pg-"))
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        subprocess.run(
            _as_cluster_owner(
                [
                    "initdb",
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ]
            ),
            check=True,
            capture_output=True,
        )
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        subprocess.run(
            _as_cluster_owner(
                [
                    "pg_ctl",
                    "-D",
                    str(data),
                    "-o",
                    opts,
                    "-l",
                    str(self.dir / "log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start; see " + str(self.dir / "log"))

    def stop(self) -> None:
        subprocess.run(
            _as_cluster_owner(["pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        # Every test's database stays until the end (creating one from the template is cheap, dropping
        # each would not be): a worker's cluster ends with hundreds of databases and about a
        # thousand files each, which took ~50 s to delete at the end of every run. A detached `rm`
        # deletes them while pytest reports and exits.
        subprocess.Popen(
            ["rm", "-rf", str(self.dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


def available() -> bool:
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        return False
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True
