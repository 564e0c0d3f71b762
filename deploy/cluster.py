"""A one-machine trial of the team deployment: N Streamlit replicas, nginx in front, PostgreSQL behind.

Importable start/stop helpers (deploy/trial.py is the command; tests/deploy and benchmarks/replicas.py reuse them):

    with cluster(replicas=2) as trial:
        trial.url               # nginx, e.g. http://127.0.0.1:8080
        trial.replicas[0].url   # one replica directly
        trial.database_url      # postgresql+psycopg://postgres@127.0.0.1:PORT/stp

Everything listens on 127.0.0.1 only and lives in one run folder (logs, nginx config and temp files, the database),
deleted on exit unless the caller chose the folder. Debian's packages: `nginx` (run in the foreground with a
generated config, not the system service) and `postgresql` (a private cluster made with initdb; initdb refuses to
run as root, so as root the server runs as the unprivileged `nobody`, as tests/stp_data/store does).
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `settings` and `stp_data` when run as deploy/trial.py

import settings  # noqa: E402

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
UNPRIVILEGED = "nobody"  # who runs PostgreSQL when we are root
DATABASE = "stp"
UPLOAD_HEADROOM_MB = 5  # multipart boundaries and headers around the file itself
HEALTH_PATH = "/_stcore/health"
AFFINITY_COOKIE = "stp_replica"


# --- finding things ---------------------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on the loopback interface (the trial never listens anywhere else)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary() -> str | None:
    """$STP_NGINX, else nginx on PATH or Debian's /usr/sbin/nginx (not on a normal user's PATH)."""
    for candidate in (os.environ.get("STP_NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def postgres_binaries() -> Path | None:
    """$STP_POSTGRES_BIN, else the newest /usr/lib/postgresql/N/bin (Debian's layout); None without initdb."""
    if os.environ.get("STP_POSTGRES_BIN"):
        chosen = Path(os.environ["STP_POSTGRES_BIN"])
        return chosen if (chosen / "initdb").exists() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def wait_http_ok(url: str, timeout_s: float = 60, process: subprocess.Popen | None = None) -> None:
    """Until `url` answers 200; fails fast if the process that should serve it has exited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer 200 within {timeout_s:.0f} s")


def _stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout_s: float = 10) -> None:
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- PostgreSQL -------------------------------------------------------------------------------------------------


@dataclass
class Postgres:
    """A private PostgreSQL server: data in `root/data`, unix socket in `root`, TCP on 127.0.0.1:port."""

    bin_dir: Path
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def _run(self, *command: str) -> None:
        full = [str(self.bin_dir / command[0]), *command[1:]]
        if os.geteuid() == 0:
            full = ["runuser", "-u", UNPRIVILEGED, "--", *full]
        result = subprocess.run(full, capture_output=True, text=True, timeout=120)
        if result.returncode:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}{tail}")

    def start(self) -> None:
        """Start (again) on the same port and data: what a patch-night restart looks like to the replicas."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "-D", str(self.root / "data"), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """fast: roll back open transactions and shut down cleanly (the data stays usable for a next start).
        immediate: no shutdown checkpoint, as if the server crashed (the next start replays the WAL)."""
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "-t", "30", "stop")

    def is_ready(self) -> bool:
        """Accepts connections (pg_isready's answer)."""
        result = subprocess.run(
            [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "2"],
            capture_output=True,
            timeout=30,
        )
        return result.returncode == 0


def start_postgres(root: Path, bin_dir: Path, port: int | None = None) -> Postgres:
    """initdb (first time only) and start; creates the `stp` database. Local connections are trusted: it listens
    on 127.0.0.1 only and is a trial, not production (deploy/README.md says what to change)."""
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(root, UNPRIVILEGED)
    root.chmod(0o700)
    server = Postgres(bin_dir=bin_dir, root=root, port=port or free_port())
    data = root / "data"
    fresh = not (data / "PG_VERSION").exists()
    if fresh:
        server._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
    server.start()
    if fresh:
        server._run("createdb", "-h", str(root), "-p", str(server.port), "-U", "postgres", DATABASE)
    return server


def migrate(database_url: str) -> bool:
    """Bring the schema to the newest migration before the replicas start (they would race to do it otherwise,
    safely but slowly); False when the store package is not there yet."""
    try:
        from stp_data import store
    except ImportError:
        return False
    engine = store.make_engine(database_url)
    try:
        store.upgrade(engine)
    finally:
        engine.dispose()
    return True


# --- Streamlit replicas -----------------------------------------------------------------------------------------


@dataclass
class Replica:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """As nginx's $upstream_addr names it."""
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        _stop_process(self.process)

    def kill(self) -> None:
        """SIGKILL, as an orchestrator or the kernel's OOM killer does: no clean shutdown, sockets just close."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def start_replica(port: int, log: Path, env: Mapping[str, str], extra_args: Sequence[str] = ()) -> Replica:
    """`python -m ui.serve` (= streamlit run dashboard.py) on 127.0.0.1:port; does not wait for it."""
    command = [
        sys.executable,
        "-m",
        "ui.serve",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        *extra_args,
    ]
    out = log.open("w")
    try:
        # Own process group: Ctrl-C in the trial's terminal reaches the trial, which stops replicas in order.
        process = subprocess.Popen(
            command, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        out.close()  # the child has its own copy
    return Replica(port=port, process=process, log=log)


def replica_env(database_url: str | None, cookie_secret: str, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    env = dict(base)
    env["PYTHONUNBUFFERED"] = "1"
    # A shared server builds every footprint's figures once at start-up, in the background, so no viewer waits for
    # the first build of a page (ui.cache.warm_up_in_background).
    env.setdefault("STP_WARM_CACHES", "1")
    # One secret for every replica: a signed-in user's cookie (st.login) stays valid on any of them, e.g. after
    # their replica restarts and nginx moves them.
    env["STREAMLIT_SERVER_COOKIE_SECRET"] = cookie_secret
    if database_url:
        env["STP_DATABASE_URL"] = database_url
    return env


# --- nginx ------------------------------------------------------------------------------------------------------


def max_body() -> str:
    return f"{settings.MAX_UPLOAD_MB + UPLOAD_HEADROOM_MB}m"


def render_nginx_config(run_dir: Path, listen: str, replica_addresses: Sequence[str]) -> str:
    """deploy/nginx.conf.template with its placeholders filled (str.replace: nginx's own $variables stay)."""
    servers = "\n".join(f"        server {address} max_fails=2 fail_timeout=10s;" for address in replica_addresses)
    text = TEMPLATE.read_text()
    for placeholder, value in {
        "@RUN_DIR@": str(run_dir),
        "@LISTEN@": listen,
        "@UPSTREAM_SERVERS@": servers,
        "@MAX_BODY@": max_body(),
    }.items():
        text = text.replace(placeholder, value)
    return text


@dataclass
class Nginx:
    port: int
    process: subprocess.Popen
    run_dir: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.run_dir / "access.log"

    @property
    def error_log(self) -> Path:
        return self.run_dir / "error.log"

    def stop(self) -> None:
        _stop_process(self.process, signal.SIGQUIT, timeout_s=5)  # QUIT = graceful: finish open requests


def start_nginx(binary: str, run_dir: Path, port: int, replica_addresses: Sequence[str]) -> Nginx:
    """nginx in the foreground (daemon off) with a generated config; checked with `nginx -t` first."""
    run_dir.mkdir(parents=True, exist_ok=True)
    # Workers run as nobody when the master is root: they must reach their temp folders inside run_dir.
    run_dir.chmod(0o755)
    config = run_dir / "nginx.conf"
    config.write_text(render_nginx_config(run_dir, f"127.0.0.1:{port}", replica_addresses))
    # -e: the error log before the config is read (the default /var/log/nginx may not be writable).
    base = [binary, "-p", str(run_dir), "-c", str(config), "-e", str(run_dir / "error.log")]
    check = subprocess.run([*base, "-t"], capture_output=True, text=True, timeout=30)
    if check.returncode:
        raise RuntimeError(f"nginx -t rejected {config}: {check.stderr}")
    stderr = (run_dir / "nginx.stderr").open("w")
    try:
        process = subprocess.Popen(
            [*base, "-g", "daemon off;"], stdout=stderr, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        stderr.close()
    return Nginx(port=port, process=process, run_dir=run_dir)


# --- the whole trial ----------------------------------------------------------------------------------------


@dataclass
class Cluster:
    run_dir: Path
    nginx: Nginx
    replicas: list[Replica]
    postgres: Postgres | None
    migrated: bool = False  # the store's schema was created (the store package is there)
    notes: list[str] = field(default_factory=list)
    replica_env: dict[str, str] = field(default_factory=dict)  # what every replica was started with
    replica_args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return self.nginx.url

    @property
    def database_url(self) -> str | None:
        return self.postgres.url if self.postgres else None

    def restart_replica(self, index: int, timeout_s: float = 90) -> Replica:
        """Start replica `index` again on its port (after a kill), waiting for its health check; nginx sends it
        its share of new browsers again once fail_timeout has passed."""
        old = self.replicas[index]
        old.kill()
        replica = start_replica(old.port, old.log.with_suffix(".restarted.log"), self.replica_env, self.replica_args)
        self.replicas[index] = replica
        wait_http_ok(replica.url + HEALTH_PATH, timeout_s, replica.process)
        return replica


def _stop_all(replicas: Sequence[Replica], nginx: Nginx | None, postgres: Postgres | None) -> None:
    """Front to back: nginx stops taking requests, then the replicas, then the database they write to."""
    if nginx is not None:
        nginx.stop()
    for replica in replicas:
        replica.stop()
    if postgres is not None:
        postgres.stop()


@contextlib.contextmanager
def cluster(
    replicas: int = 2,
    port: int = 0,
    run_dir: Path | None = None,
    use_postgres: bool = True,
    replica_args: Sequence[str] = (),
    timeout_s: float = 90,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Cluster]:
    """Start PostgreSQL, the replicas and nginx; yield when every replica and nginx answer their health check.

    extra_env: added to every replica's environment (e.g. STP_PUBLISH=open for a test that publishes through the
    browser without a sign-in provider).

    port=0 picks a free one. run_dir=None uses a temporary folder, deleted afterwards; a given folder is kept (and
    its database reused next time). use_postgres=False (or no PostgreSQL binaries) leaves the replicas on their
    embedded SQLite default, each in its own state folder, so nothing is shared.
    """
    if replicas < 1:
        raise ValueError("at least one replica")
    nginx_bin = nginx_binary()
    if nginx_bin is None:
        raise RuntimeError("nginx not found: install Debian's 'nginx' package (or set STP_NGINX)")
    temporary = run_dir is None
    root = Path(tempfile.mkdtemp(prefix="stp-trial-")) if run_dir is None else run_dir.resolve()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)  # nginx workers and PostgreSQL (as nobody) reach their subfolders
    notes: list[str] = []
    postgres: Postgres | None = None
    started: list[Replica] = []
    front: Nginx | None = None
    try:
        bin_dir = postgres_binaries() if use_postgres else None
        if use_postgres and bin_dir is None:
            notes.append("PostgreSQL binaries not found (Debian 'postgresql'): replicas use their own SQLite")
        if bin_dir is not None:
            postgres = start_postgres(root / "postgres", bin_dir)
        migrated = migrate(postgres.url) if postgres else False
        if postgres and not migrated:
            notes.append("stp_data.store not importable: PostgreSQL started, but the replicas do not use it yet")
        env = replica_env(
            postgres.url if postgres else None, os.environ.get("STP_COOKIE_SECRET") or secrets.token_hex(32)
        )
        env.update(extra_env or {})
        for _ in range(replicas):
            replica_port = free_port()
            if postgres is None:
                # Without a shared database, keep each replica's SQLite apart rather than three writers on one file.
                env = {**env, "STP_STATE_DIR": str(root / f"state-{replica_port}")}
            started.append(start_replica(replica_port, root / f"replica-{replica_port}.log", env, replica_args))
        for replica in started:
            wait_http_ok(replica.url + HEALTH_PATH, timeout_s, replica.process)
        front = start_nginx(nginx_bin, root / "nginx", port or free_port(), [r.address for r in started])
        wait_http_ok(front.url + HEALTH_PATH, 30, front.process)
        yield Cluster(root, front, started, postgres, migrated, notes, env, tuple(replica_args))
    finally:
        _stop_all(started, front, postgres)
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
