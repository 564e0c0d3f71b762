"""Publish, list, restore and withdraw datasets: each write one transaction, each checked against the actor's role.

A dataset is a file name; publishing that name again adds a version, and the dataset points at the one everyone
sees. Versions are never changed or deleted, so restoring is moving the pointer back. Every write adds an event
in the same transaction: the event log says who did what, and its size is the cheap `revision` each page run
compares to see whether anything changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from stp_data.store.audit import audited
from stp_data.store.report import validate_report
from stp_data.store.roles import Actor, require_publisher
from stp_data.store.schema import datasets, events, version_files, versions

CURRENT, WITHDRAWN = "current", "withdrawn"
MAX_NAME = 255


@dataclass(frozen=True)
class Version:
    """One published file, without its bytes (`content` reads those)."""

    id: int
    dataset_id: int
    name: str  # the dataset's name: the file name it was first published as
    number: int
    file_name: str
    kind: str  # metrics | ratings
    published_by: str
    published_at: datetime  # UTC
    rows: int
    size: int
    sha256: str
    report: dict[str, Any]
    is_current: bool  # the version everyone sees (when the dataset is not withdrawn)
    dataset_status: str  # current | withdrawn


def now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were written as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_COLUMNS = (
    versions.c.id,
    versions.c.dataset_id,
    datasets.c.name,
    versions.c.number,
    versions.c.file_name,
    versions.c.kind,
    versions.c.published_by,
    versions.c.published_at,
    versions.c.rows,
    versions.c.size,
    versions.c.sha256,
    versions.c.report,
    (datasets.c.current_version_id == versions.c.id).label("is_current"),
    datasets.c.status,
)


def _select() -> sa.Select:
    return sa.select(*_COLUMNS).join(datasets, datasets.c.id == versions.c.dataset_id)


def _version(row: sa.Row) -> Version:
    return Version(
        id=row.id,
        dataset_id=row.dataset_id,
        name=row.name,
        number=row.number,
        file_name=row.file_name,
        kind=row.kind,
        published_by=row.published_by,
        published_at=_utc(row.published_at),
        rows=row.rows,
        size=row.size,
        sha256=row.sha256,
        report=json.loads(row.report),
        is_current=bool(row.is_current),
        dataset_status=row.status,
    )


# --- Writes: small steps, so a test can interrupt a publish between any two of them -------------------------


@contextlib.contextmanager
def _writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One write transaction. On SQLite it starts with BEGIN IMMEDIATE, taking the database's write lock before
    the first read: two publishes (threads or processes) then queue here (up to the 30 s busy timeout) instead of
    both reading the same newest version number. On PostgreSQL the dataset row lock does that (_locked_dataset)."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection


def _dataset_for_update(connection: sa.Connection, name: str) -> sa.Row | None:
    # FOR UPDATE (PostgreSQL): writes to one dataset queue here, so version numbers never clash and the order of
    # its events is the order the writes committed in.
    query = sa.select(datasets).where(datasets.c.name == name).with_for_update()
    return connection.execute(query).first()


def _locked_dataset(connection: sa.Connection, name: str, actor: Actor, at: datetime) -> sa.Row:
    """The dataset row, created if this is a new name, locked until the transaction ends.

    Insert-if-absent first: two first publishes of one name would otherwise both find no row and both insert
    one, and the second would fail on the unique name. ON CONFLICT DO NOTHING waits for the other transaction
    and then leaves its row, which the SELECT … FOR UPDATE then locks.
    """
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    values = {"name": name, "status": CURRENT, "updated_at": at, "updated_by": actor.label}
    connection.execute(insert(datasets).values(values).on_conflict_do_nothing(index_elements=["name"]))
    found = _dataset_for_update(connection, name)
    assert found is not None  # inserted above, or by a transaction that committed before the lock was granted
    return found


def _insert_version(connection: sa.Connection, dataset_id: int, values: dict[str, Any]) -> int:
    # max + 1 is safe only under the dataset's lock (_writing, _locked_dataset): every caller holds it.
    number = connection.execute(
        sa.select(sa.func.coalesce(sa.func.max(versions.c.number), 0) + 1).where(versions.c.dataset_id == dataset_id)
    ).scalar_one()
    query = sa.insert(versions).values(dataset_id=dataset_id, number=number, **values).returning(versions.c.id)
    return connection.execute(query).scalar_one()


def _insert_file(connection: sa.Connection, version_id: int, data: bytes) -> None:
    connection.execute(sa.insert(version_files).values(version_id=version_id, data=data))


def _point_dataset(connection: sa.Connection, dataset_id: int, version_id: int, actor: Actor, at: datetime) -> None:
    connection.execute(
        sa.update(datasets)
        .where(datasets.c.id == dataset_id)
        .values(current_version_id=version_id, status=CURRENT, updated_at=at, updated_by=actor.label)
    )


def _log_event(
    connection: sa.Connection, actor: Actor, action: str, dataset_id: int, version_id: int | None, at: datetime
) -> None:
    values = {"at": at, "actor": actor.label, "action": action, "dataset_id": dataset_id, "version_id": version_id}
    connection.execute(sa.insert(events).values(values))


def _get(connection: sa.Connection, version_id: int) -> Version:
    row = connection.execute(_select().where(versions.c.id == version_id)).first()
    if row is None:
        raise KeyError(f"no published version {version_id}")
    return _version(row)


def publish(engine: sa.Engine, actor: Actor, file_name: str, data: bytes, report: dict[str, Any]) -> Version:
    """Store `data` as the newest version of the dataset named `file_name`, which everyone then sees.

    One transaction: the dataset row, the version, its bytes, the pointer and the event all commit, or none does
    (a process killed half-way leaves the previous version current and no trace of this one). Publishes of one
    name at the same moment, from any number of processes, queue on the dataset's lock and each get a number.
    """
    with audited("publish", actor, dataset=str(file_name).strip()) as line:
        require_publisher(actor)
        name = file_name.strip()
        if not name or len(name) > MAX_NAME:
            raise ValueError(f"a file name of 1 to {MAX_NAME} characters is needed, not {file_name!r}")
        report = validate_report(report)
        at = now()
        values = {
            "file_name": name,
            "kind": report["kind"],
            "published_by": actor.label,
            "published_at": at,
            "rows": report["rows_accepted"],
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "report": json.dumps(report, ensure_ascii=False),
        }
        line.update(sha256=values["sha256"], size=values["size"], rows=values["rows"])
        with _writing(engine) as connection:
            dataset_id = _locked_dataset(connection, name, actor, at).id
            version_id = _insert_version(connection, dataset_id, values)
            _insert_file(connection, version_id, data)
            _point_dataset(connection, dataset_id, version_id, actor, at)
            _log_event(connection, actor, "publish", dataset_id, version_id, at)
            version = _get(connection, version_id)
        line.update(version=version.number, version_id=version.id)
    return version


def restore(engine: sa.Engine, actor: Actor, version_id: int) -> Version:
    """Make an earlier version the one everyone sees again (also brings a withdrawn dataset back)."""
    with audited("restore", actor, version_id=version_id) as line:
        require_publisher(actor)
        at = now()
        with _writing(engine) as connection:
            old = _get(connection, version_id)
            line.update(dataset=old.name, version=old.number, sha256=old.sha256)
            _dataset_for_update(connection, old.name)  # after any publish of this name in flight (its order)
            _point_dataset(connection, old.dataset_id, version_id, actor, at)
            _log_event(connection, actor, "restore", old.dataset_id, version_id, at)
            version = _get(connection, version_id)
    return version


def withdraw(engine: sa.Engine, actor: Actor, name: str) -> None:
    """Stop showing a dataset to anyone; its versions stay, so restoring one brings it back."""
    with audited("withdraw", actor, dataset=name) as line:
        require_publisher(actor)
        at = now()
        with _writing(engine) as connection:
            found = _dataset_for_update(connection, name)
            if found is None:
                raise KeyError(f"no published dataset named {name!r}")
            connection.execute(
                sa.update(datasets)
                .where(datasets.c.id == found.id)
                .values(status=WITHDRAWN, updated_at=at, updated_by=actor.label)
            )
            _log_event(connection, actor, "withdraw", found.id, found.current_version_id, at)
            line["version_id"] = found.current_version_id


# --- Reads ------------------------------------------------------------------------------------------------------


def current_versions(engine: sa.Engine) -> list[Version]:
    """The version everyone sees of each dataset that is not withdrawn, oldest dataset first."""
    query = (
        _select()
        .where(datasets.c.current_version_id == versions.c.id, datasets.c.status == CURRENT)
        .order_by(datasets.c.id)
    )
    with engine.connect() as connection:
        return [_version(row) for row in connection.execute(query)]


def list_versions(engine: sa.Engine) -> list[Version]:
    """Every version of every dataset (withdrawn ones too), by dataset name then newest version first."""
    query = _select().order_by(datasets.c.name, versions.c.number.desc())
    with engine.connect() as connection:
        return [_version(row) for row in connection.execute(query)]


def content(engine: sa.Engine, version_id: int) -> bytes:
    """The file exactly as it was published."""
    with engine.connect() as connection:
        data = connection.execute(
            sa.select(version_files.c.data).where(version_files.c.version_id == version_id)
        ).scalar_one_or_none()
    if data is None:
        raise KeyError(f"no published version {version_id}")
    return bytes(data)


def revision(engine: sa.Engine) -> tuple[int, int]:
    """Changes whenever anything is published, restored or withdrawn: (events, last event id). One small query.

    The count, not only the highest id: on PostgreSQL ids are handed out before commit, so a slower transaction
    can commit a lower id after a faster one; events are never deleted, so the count still moves.
    """
    with engine.connect() as connection:
        count, last = connection.execute(sa.select(sa.func.count(), sa.func.max(events.c.id))).one()
    return int(count), int(last or 0)


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    action: str
    name: str
    version_number: int | None


def history(engine: sa.Engine, limit: int = 50) -> list[Event]:
    """The latest publishes, restores and withdrawals, newest first (for the Published data page)."""
    query = (
        sa.select(events.c.at, events.c.actor, events.c.action, datasets.c.name, versions.c.number)
        .join(datasets, datasets.c.id == events.c.dataset_id)
        .outerjoin(versions, versions.c.id == events.c.version_id)
        .order_by(events.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        return [Event(_utc(r.at), r.actor, r.action, r.name, r.number) for r in connection.execute(query)]
