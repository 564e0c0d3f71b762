"""A throw-away PostgreSQL server from Debian's `postgresql` binaries, for the store's tests.

initdb refuses to run as root (as CI runs), so as root the server runs as the unprivileged `nobody` via runuser,
in a temporary folder it owns. It listens on a free localhost port with its unix socket in that folder, trusts
local connections (a test server holding no data), and is stopped and deleted afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

UNPRIVILEGED = "nobody"


def binaries() -> Path | None:
    """$STP_POSTGRES_BIN if set, else the newest /usr/lib/postgresql/N/bin; None when initdb is not there."""
    if os.environ.get("STP_POSTGRES_BIN"):
        chosen = Path(os.environ["STP_POSTGRES_BIN"])
        return chosen if (chosen / "initdb").exists() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", UNPRIVILEGED, "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], log: Path) -> None:
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=120)
    if result.returncode:
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}{tail}")


@contextlib.contextmanager
def postgres_server(bin_dir: Path) -> Iterator[str]:
    """Start a server; yields a SQLAlchemy URL for its `postgres` database as superuser `postgres`."""
    root = Path(tempfile.mkdtemp(prefix="stp-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, UNPRIVILEGED)
        root.chmod(0o700)
    port = _free_port()
    started = False
    try:
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"],
            log,
        )
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"], log)
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            with contextlib.suppress(Exception):
                _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], log)
        shutil.rmtree(root, ignore_errors=True)
