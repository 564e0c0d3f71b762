"""Which database, and bringing its schema up to date (Alembic, at start-up).

With the SQLite default, a state folder that cannot be written (read-only, not a folder, or a full disk) surfaces as
one error, `StoreNotWritable`, naming the folder and what to do, from any store call; the bundled data needs no
database, so callers show that message and keep serving.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

ENV_DATABASE_URL = "STP_DATABASE_URL"
ENV_STATE_DIR = "STP_STATE_DIR"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_STATE_DIR = REPO / "state"
SQLITE_NAME = "stp-progress.sqlite"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant: every replica starting at once queues on it, so only one runs the migrations.
_MIGRATION_LOCK = 0x57_50_50  # "STP"
# SQLite's result codes (as sqlite3 names them) that mean "this folder or disk cannot take a write".
_UNWRITABLE = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_PERM")
_UNWRITABLE_TEXT = re.compile("readonly database|unable to open database file|disk is full|disk I/O error")
# Seconds libpq waits for a PostgreSQL server to answer a new connection (its `connect_timeout`), unless the URL
# sets its own. Without it a host that accepts the connection and then says nothing (a frozen server, a half-dead
# proxy) holds every page run that needs a connection until TCP gives up, minutes later.
POSTGRES_CONNECT_TIMEOUT_S = 5


class StoreNotWritable(sa.exc.SQLAlchemyError):
    """The SQLite state folder cannot be written. A SQLAlchemyError, so code that already copes with a database
    that does not answer (showing the bundled data) copes with this too."""

    def __init__(self, folder: Path, cause: object) -> None:
        self.folder = folder
        super().__init__(
            f"Published data cannot be saved or read: the state folder {folder} cannot be written ({cause}). "
            "Make it writable by the user running the dashboard (or free disk space if it is full), or set "
            f"{ENV_STATE_DIR} to a writable folder (or {ENV_DATABASE_URL} to a PostgreSQL database), then restart. "
            "The bundled data is unaffected."
        )


def state_dir(env: Mapping[str, str] = os.environ) -> Path:
    return Path(env[ENV_STATE_DIR]) if env.get(ENV_STATE_DIR) else DEFAULT_STATE_DIR


def database_url(env: Mapping[str, str] = os.environ) -> str:
    """STP_DATABASE_URL (e.g. postgresql+psycopg://user@host/db), else SQLite in the state folder."""
    if env.get(ENV_DATABASE_URL):
        return env[ENV_DATABASE_URL]
    return f"sqlite:///{state_dir(env) / SQLITE_NAME}"


def engine_from_env(env: Mapping[str, str] = os.environ) -> sa.Engine:
    """An engine for the configured database; creates the SQLite state folder on first use."""
    return make_engine(database_url(env))


def make_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # pre_ping: a replica outlives a database restart without failing its next page run.
        return sa.create_engine(parsed, pool_pre_ping=True, connect_args=_connect_timeout(parsed))
    folder = Path(parsed.database).parent if parsed.database and parsed.database != ":memory:" else None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # read-only parent, or a file where the folder should be
            raise StoreNotWritable(folder, error.strerror or error) from error
    # timeout: a second process waits for a publish to commit instead of failing with "database is locked".
    engine = sa.create_engine(parsed, connect_args={"timeout": 30})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    if folder is not None:
        sa.event.listen(engine, "handle_error", _unwritable_folder(folder))
    return engine


def _connect_timeout(url: sa.URL) -> dict[str, int]:
    """PostgreSQL's connect timeout, unless the URL already says (`?connect_timeout=N`); other servers: none."""
    if url.get_backend_name() != "postgresql" or "connect_timeout" in url.query:
        return {}
    return {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}


def _unwritable_folder(folder: Path) -> Callable[[sa.engine.ExceptionContext], BaseException | None]:
    """Turns SQLite's read-only, cannot-open and disk-full errors (at connect or any statement) into one
    StoreNotWritable naming the folder; every other error passes unchanged."""

    def handle_error(context: sa.engine.ExceptionContext) -> BaseException | None:
        error = context.original_exception
        if getattr(error, "sqlite_errorname", "").startswith(_UNWRITABLE) or _UNWRITABLE_TEXT.search(str(error)):
            return StoreNotWritable(folder, context.original_exception)
        return None

    return handle_error


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
    _wal_mode(cursor)  # page runs keep reading while a publish writes
    cursor.close()


def _wal_mode(cursor: object, wait_s: float = 30.0) -> None:
    """PRAGMA journal_mode=WAL, asked again while another connection holds the file. Switching a new file to WAL can
    answer "database is locked" at once, without SQLite's busy timeout: it happened to 2 of 60 races of three
    servers starting on one fresh file (tests/stp_data/store/test_faults.py). WAL stays set in the file after."""
    deadline = time.monotonic() + wait_s
    delay = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # type: ignore[attr-defined]
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def alembic_config() -> Config:
    """Alembic configured in code (no alembic.ini): the migrations ship inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: sa.Engine, target: str = "head") -> None:
    """Create or upgrade the schema to the newest migration (or `target`, for tests that build a database as an
    earlier release left it); safe to call from every process at start-up."""
    config = alembic_config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Held until this transaction ends: replicas starting together migrate one after another.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        elif engine.dialect.name == "sqlite":
            # SQLite's write lock, taken before Alembic reads the schema's revision: the same queueing.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        command.upgrade(config, target)


def first_revision() -> str:
    """The oldest migration: a database as the first release with a store created it."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_base()


def head_revision() -> str:
    """The newest migration: where `upgrade` brings every database."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def schema_revision(engine: sa.Engine) -> str | None:
    """The migration the database is at (None before the first upgrade)."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
