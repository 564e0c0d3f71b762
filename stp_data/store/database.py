"""Which database, and bringing its schema up to date (Alembic, at start-up)."""

from __future__ import annotations

import os
from collections.abc import Mapping
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
        return sa.create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # timeout: a second process waits for a publish to commit instead of failing with "database is locked".
    engine = sa.create_engine(parsed, connect_args={"timeout": 30})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
    cursor.execute("PRAGMA journal_mode=WAL")  # page runs keep reading while a publish writes
    cursor.close()


def alembic_config() -> Config:
    """Alembic configured in code (no alembic.ini): the migrations ship inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: sa.Engine) -> None:
    """Create or upgrade the schema to the newest migration; safe to call from every process at start-up."""
    config = alembic_config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Held until this transaction ends: replicas starting together migrate one after another.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_revision(engine: sa.Engine) -> str | None:
    """The migration the database is at (None before the first upgrade)."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
