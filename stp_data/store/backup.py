"""Backups and upgrades, checked: what a store holds as plain data, to compare two stores (before and after a
backup is restored, or an upgrade), and SQLite's online backup.

`fingerprint(engine)` reads every dataset, version, file checksum (recomputed from the stored bytes) and event;
two stores with equal fingerprints hold the same published data and history. `problems(engine)` lists what
would make a store untrustworthy (a file whose bytes no longer match its checksum, a dataset whose current version
is not the one its history ends with). The drill (tests/stp_data/store/test_backup.py does it):

    pg_dump --format=custom --file stp.dump postgresql://user@host/stp       # PostgreSQL, while it serves
    createdb stp_check && pg_restore --no-owner --exit-on-error --dbname stp_check stp.dump
    python -m stp_data.store.backup sqlite state/stp-progress.sqlite backups/stp.sqlite   # SQLite, while it serves
    python -m stp_data.store.backup compare URL_OF_THE_LIVE_STORE URL_OF_THE_RESTORED_ONE   # exit 0: the same
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from stp_data.store.schema import datasets, events, version_files, versions


def _rows(connection: sa.Connection, query: sa.Select) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in connection.execute(query)]


def _iso(value: Any) -> str:
    """SQLite returns naive datetimes (written as UTC), PostgreSQL aware ones: compared as the same text."""
    return value.replace(tzinfo=None).isoformat() if value.utcoffset() is None else value.isoformat()


def fingerprint(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every dataset, version (with the checksum of its stored bytes) and event, as plain comparable data.

    Ids are kept: a restored store must keep them, since datasets point at versions and events at both.
    """
    with engine.connect() as connection:
        stored = {
            row.version_id: hashlib.sha256(bytes(row.data)).hexdigest()
            for row in connection.execute(sa.select(version_files.c.version_id, version_files.c.data))
        }
        found_datasets = _rows(connection, sa.select(datasets).order_by(datasets.c.id))
        found_versions = _rows(connection, sa.select(versions).order_by(versions.c.id))
        found_events = _rows(connection, sa.select(events).order_by(events.c.id))
    for row in found_versions:
        row["stored_sha256"] = stored.get(row["id"])
        row["published_at"] = _iso(row["published_at"])
    for row in found_datasets:
        row["updated_at"] = _iso(row["updated_at"])
    for row in found_events:
        row["at"] = _iso(row["at"])
    return {"datasets": found_datasets, "versions": found_versions, "events": found_events}


def problems(engine: sa.Engine) -> list[str]:
    """What is wrong with a store's data, as sentences (empty when nothing is)."""
    found = fingerprint(engine)
    issues = [
        f"version {v['id']} ({v['file_name']} v{v['number']}): stored bytes do not match sha256 {v['sha256']}"
        for v in found["versions"]
        if v["stored_sha256"] != v["sha256"]
    ]
    numbers: dict[int, list[int]] = {}
    for v in found["versions"]:
        numbers.setdefault(v["dataset_id"], []).append(v["number"])
    issues += [
        f"dataset {dataset_id}: version numbers {sorted(got)} are not 1..{len(got)}"
        for dataset_id, got in numbers.items()
        if sorted(got) != list(range(1, len(got) + 1))
    ]
    for dataset in found["datasets"]:
        pointed = [e["version_id"] for e in found["events"] if e["dataset_id"] == dataset["id"]]
        if pointed and dataset["current_version_id"] != pointed[-1]:
            issues.append(
                f"dataset {dataset['name']}: current version id {dataset['current_version_id']}, "
                f"but its history ends at version id {pointed[-1]}"
            )
    return issues


def backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite store (WAL on, the dashboard running) with SQLite's online backup API:
    the copy is one self-contained file, whatever is still in the source's -wal file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)  # page by page; a publish committing meanwhile makes it start over, never half-copy
    finally:
        writer.close()
        reader.close()


def compare(a: sa.Engine, b: sa.Engine) -> list[str]:
    """Why two stores differ (empty when they hold the same data and history), then each one's own problems."""
    first, second = fingerprint(a), fingerprint(b)
    differences = [
        f"{table}: {len(first[table])} rows against {len(second[table])}, or rows that differ"
        for table in first
        if first[table] != second[table]
    ]
    return differences + [f"first: {p}" for p in problems(a)] + [f"second: {p}" for p in problems(b)]


USAGE = """python -m stp_data.store.backup sqlite SOURCE.sqlite TARGET.sqlite   copy a live SQLite store
python -m stp_data.store.backup compare URL_A URL_B                   same datasets, versions, bytes, events?
(URLs as STP_DATABASE_URL takes them: sqlite:///path or postgresql+psycopg://user@host/db)"""


def main(argv: list[str]) -> int:
    """For operators: the SQLite backup, and the check that a restored backup (or an upgrade) lost nothing."""
    from stp_data.store.database import make_engine

    if len(argv) == 3 and argv[0] == "sqlite":
        backup_sqlite(Path(argv[1]), Path(argv[2]))
        print(f"copied {argv[1]} to {argv[2]}")
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        engines = [make_engine(url) for url in argv[1:]]
        try:
            found = compare(*engines)
        finally:
            for engine in engines:
                engine.dispose()
        print("\n".join(found) or "the same datasets, versions, checksums and events; no problems found")
        return 1 if found else 0
    print(USAGE)
    return 2


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
