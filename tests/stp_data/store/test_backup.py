"""Backup and restore drill: pg_dump of a live store restored into a fresh database, and SQLite's online backup
while the dashboard's WAL is on, give the same datasets, versions, checksums and events."""

from __future__ import annotations

import subprocess

import sqlalchemy as sa

from stp_data import store
from stp_data.store import Actor, Role
from stp_data.store.backup import backup_sqlite, fingerprint, main, problems
from tests.stp_data.store.postgres import binaries

PUBLISHER = Actor("analyst@trust.nhs.uk", Role.PUBLISHER)
REPORT = {"kind": "metrics", "rows_read": 1, "rows_accepted": 1}


def _live_store(engine: sa.Engine) -> None:
    """Several datasets and versions, a withdraw and a restore: every kind of row and event."""
    store.upgrade(engine)
    first = store.publish(engine, PUBLISHER, "vacancies.csv", b"code,value\nE54000034,7.5\n", REPORT)
    store.publish(engine, PUBLISHER, "vacancies.csv", b"code,value\nE54000034,7.1\n", REPORT)
    store.publish(engine, PUBLISHER, "beds.csv", bytes(range(256)) * 40, REPORT)  # binary bytes survive too
    store.publish(engine, PUBLISHER, "ratings.csv", b"code,rating\n", {"kind": "ratings", "rows_accepted": 0})
    store.withdraw(engine, PUBLISHER, "ratings.csv")
    store.restore(engine, PUBLISHER, first.id)


def _connection_options(url: str) -> list[str]:
    parsed = sa.make_url(url)
    return ["-h", str(parsed.host), "-p", str(parsed.port), "-U", str(parsed.username)]


def test_pg_dump_of_a_live_store_restored_into_a_fresh_database_is_the_same_store(new_postgres_database, tmp_path):
    live_url, fresh_url = new_postgres_database(), new_postgres_database()
    live, fresh = store.make_engine(live_url), store.make_engine(fresh_url)
    try:
        _live_store(live)
        bin_dir = binaries()
        dump = tmp_path / "stp.dump"
        database = sa.make_url(live_url).database
        subprocess.run(
            [
                str(bin_dir / "pg_dump"),
                *_connection_options(live_url),
                "--format=custom",
                "--file",
                str(dump),
                database,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        fresh_database = str(sa.make_url(fresh_url).database)
        restore_options = ["--no-owner", "--exit-on-error", "--dbname", fresh_database]
        subprocess.run(
            [str(bin_dir / "pg_restore"), *_connection_options(fresh_url), *restore_options, str(dump)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert fingerprint(fresh) == fingerprint(live)
        assert problems(fresh) == []
        assert store.schema_revision(fresh) == store.schema_revision(live)
        # The restored store carries on: sequences came back too, so the next publish gets new ids and number 3.
        assert store.publish(fresh, PUBLISHER, "vacancies.csv", b"v3", REPORT).number == 3
    finally:
        live.dispose()
        fresh.dispose()


def test_sqlite_online_backup_while_wal_is_on_is_the_same_store(tmp_path):
    source = tmp_path / "state" / "stp-progress.sqlite"
    live = store.make_engine(f"sqlite:///{source}")
    try:
        _live_store(live)
        with live.connect() as reader:  # a page run holding a read open on the live database meanwhile
            assert reader.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            reader.execute(sa.select(sa.func.count()).select_from(store.schema.versions)).scalar_one()
            assert source.with_name(source.name + "-wal").exists()  # writes still in the WAL, not yet in the file
            backup_sqlite(source, tmp_path / "backup" / "stp-progress.sqlite")
        copy = store.make_engine(f"sqlite:///{tmp_path / 'backup' / 'stp-progress.sqlite'}")
        try:
            assert fingerprint(copy) == fingerprint(live)
            assert problems(copy) == []
        finally:
            copy.dispose()
    finally:
        live.dispose()


def test_problems_names_a_file_whose_bytes_no_longer_match_and_a_pointer_the_history_does_not_end_at(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'stp.sqlite'}")
    _live_store(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.update(store.schema.version_files)
            .values(data=b"tampered")
            .where(store.schema.version_files.c.version_id == 1)
        )
        connection.execute(
            sa.update(store.schema.datasets)
            .values(current_version_id=2)
            .where(store.schema.datasets.c.name == "vacancies.csv")
        )
    found = problems(engine)
    engine.dispose()
    assert len(found) == 2
    assert "stored bytes do not match" in found[0]
    assert "vacancies.csv" in found[1] and "history ends at version id 1" in found[1]


def test_the_operators_commands_copy_a_sqlite_store_and_say_whether_two_stores_match(tmp_path, capsys):
    source, copy = tmp_path / "live.sqlite", tmp_path / "backups" / "copy.sqlite"
    live = store.make_engine(f"sqlite:///{source}")
    _live_store(live)
    assert main(["sqlite", str(source), str(copy)]) == 0
    assert main(["compare", f"sqlite:///{source}", f"sqlite:///{copy}"]) == 0
    assert "the same datasets, versions, checksums and events" in capsys.readouterr().out

    store.publish(live, PUBLISHER, "beds.csv", b"one more", REPORT)
    live.dispose()
    assert main(["compare", f"sqlite:///{source}", f"sqlite:///{copy}"]) == 1
    assert "versions: 5 rows against 4" in capsys.readouterr().out
    assert main([]) == 2
