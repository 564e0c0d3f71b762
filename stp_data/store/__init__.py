"""Published data: datasets and their versions in a database (SQLite by default, PostgreSQL in production).

Pure (no Streamlit). Every write takes an `Actor` and raises PermissionError unless it is a publisher, so roles
are enforced here, whatever a page shows. Typical use:

    engine = engine_from_env()          # STP_DATABASE_URL, else SQLite in the state folder
    upgrade(engine)                     # Alembic migrations to head, once per process at start-up
    version = publish(engine, actor, "vacancies.csv", data, report_of(upload))
    current_versions(engine); list_versions(engine); content(engine, version.id); revision(engine)
    restore(engine, actor, version_id); withdraw(engine, actor, "vacancies.csv")

Every write logs one JSON audit line (stp_data.store.audit); a SQLite state folder that cannot be written raises
StoreNotWritable (a SQLAlchemyError naming the folder and what to do); stp_data.store.backup compares two stores.
"""

from __future__ import annotations

from stp_data.store.audit import AUDIT_LOGGER
from stp_data.store.database import (
    StoreNotWritable,
    database_url,
    engine_from_env,
    make_engine,
    schema_revision,
    state_dir,
    upgrade,
)
from stp_data.store.datasets import (
    Event,
    Version,
    content,
    current_versions,
    history,
    list_versions,
    publish,
    restore,
    revision,
    withdraw,
)
from stp_data.store.report import report_of
from stp_data.store.roles import Actor, Role, RolesConfig, actor_for, load_config, require_publisher, role_for

__all__ = [
    "AUDIT_LOGGER",
    "Actor",
    "Event",
    "Role",
    "RolesConfig",
    "StoreNotWritable",
    "Version",
    "actor_for",
    "content",
    "current_versions",
    "database_url",
    "engine_from_env",
    "history",
    "list_versions",
    "load_config",
    "make_engine",
    "publish",
    "report_of",
    "require_publisher",
    "restore",
    "revision",
    "role_for",
    "schema_revision",
    "state_dir",
    "upgrade",
    "withdraw",
]
