"""Store faults (issue 21), on SQLite and a real PostgreSQL: racing publishers, upgrades from the first schema and
by two processes at once, and a state folder that cannot be written or a full disk (the SQLite default)."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading

import sqlalchemy as sa

from stp_data import store
from stp_data.store import Actor, Role, database
from stp_data.store.backup import fingerprint, problems
from stp_data.store.database import first_revision, head_revision
from tests.conftest import ROOT

PUBLISHER = Actor("analyst@trust.nhs.uk", Role.PUBLISHER)
OTHER = Actor("second.analyst@other.nhs.uk", Role.PUBLISHER)
REPORT = {"kind": "metrics", "rows_read": 1, "rows_accepted": 1}


def _race(engines: list[sa.Engine], work) -> list[BaseException]:
    """Run work(i, engine) for every engine at once (a barrier releases them together); the errors raised."""
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def run(i: int, engine: sa.Engine) -> None:
        barrier.wait()
        try:
            work(i, engine)
        except BaseException as error:  # collected: the test names them instead of a thread dying silently
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, engine)) for i, engine in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_racing_publishers_and_a_racing_restore_keep_every_version_with_its_own_number(database_url):
    """Three server processes (own engines) publish one new file name at the same moment, four times each, while
    a fourth restores: before the row lock and BEGIN IMMEDIATE, 20 of 20 SQLite runs and 14 of 20 PostgreSQL
    runs lost versions to IntegrityError (duplicate numbers or a duplicate new dataset)."""
    engines = [store.make_engine(database_url) for _ in range(4)]
    store.upgrade(engines[0])
    rounds = 4
    try:

        def work(i: int, engine: sa.Engine) -> None:
            for k in range(rounds):
                if i < 3:
                    store.publish(engine, PUBLISHER if i % 2 else OTHER, "monthly.csv", f"{i},{k}\n".encode(), REPORT)
                elif versions := store.list_versions(engine):
                    store.restore(engine, PUBLISHER, versions[-1].id)  # the oldest: a real move of the pointer

        assert _race(engines, work) == []
        kept = store.list_versions(engines[0])
        assert sorted(v.number for v in kept) == list(range(1, 3 * rounds + 1))  # none lost, none duplicated
        for version in kept:
            assert hashlib.sha256(store.content(engines[0], version.id)).hexdigest() == version.sha256
        assert {store.content(engines[0], v.id) for v in kept} == {
            f"{i},{k}\n".encode() for i in range(3) for k in range(rounds)
        }
        assert problems(engines[0]) == []  # current_version_id is where the event history ends
    finally:
        for engine in engines:
            engine.dispose()


def _write_as_first_release(engine: sa.Engine) -> None:
    """Rows written with plain SQL as the first migration's tables took them (not through today's store code):
    one dataset with two versions, and a withdrawn one."""
    at, who = "2026-11-27 10:00:00", "a@trust.nhs.uk"

    def insert(connection: sa.Connection, table: str, **values: object) -> int:
        columns = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        query = sa.text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id")
        return connection.execute(query, values).scalar_one()

    with engine.begin() as connection:
        for name, status, files in (("vacancies.csv", "current", (b"v1", b"v2")), ("old.csv", "withdrawn", (b"o",))):
            dataset = insert(connection, "datasets", name=name, status=status, updated_at=at, updated_by=who)
            for number, data in enumerate(files, 1):
                version = insert(
                    connection,
                    "versions",
                    dataset_id=dataset,
                    number=number,
                    file_name=name,
                    kind="metrics",
                    published_by=who,
                    published_at=at,
                    rows=1,
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    report='{"kind": "metrics", "rows_accepted": 1}',
                )
                connection.execute(
                    sa.text("INSERT INTO version_files (version_id, data) VALUES (:v, :d)"), {"v": version, "d": data}
                )
                event = {"at": at, "actor": who, "dataset_id": dataset, "version_id": version}
                insert(connection, "events", action="publish", **event)
            connection.execute(
                sa.text("UPDATE datasets SET current_version_id = :v WHERE id = :d"), {"v": version, "d": dataset}
            )
            if status == "withdrawn":
                insert(connection, "events", action="withdraw", **event)


def test_a_database_from_the_first_migration_with_data_upgrades_to_head_with_nothing_lost(empty_engine):
    """Only one migration exists so far (first = head): this is the harness the next migration must pass, and today
    it proves that upgrading a written database is a no-op that keeps every row and byte."""
    store.upgrade(empty_engine, first_revision())
    _write_as_first_release(empty_engine)
    before = fingerprint(empty_engine)

    store.upgrade(empty_engine)
    store.upgrade(empty_engine)  # head -> head: every replica does it at start-up

    assert store.schema_revision(empty_engine) == head_revision()
    assert fingerprint(empty_engine) == before
    assert problems(empty_engine) == []
    assert [(v.name, v.number) for v in store.current_versions(empty_engine)] == [("vacancies.csv", 2)]
    assert store.publish(empty_engine, PUBLISHER, "vacancies.csv", b"v3", REPORT).number == 3


UPGRADE_WHEN_TOLD = """
import sys
from stp_data import store
engine = store.make_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()  # both processes start the migration at the same moment
store.upgrade(engine)
print(store.schema_revision(engine))
"""


def _wait_for_lock_waiters(connection: sa.Connection, count: int) -> None:
    """Until `count` sessions wait for an advisory lock (polled; fails after a minute, not a timing assertion)."""
    query = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    for _ in range(600):
        if connection.execute(query).scalar_one() >= count:
            return
        connection.commit()  # a fresh snapshot of pg_locks
        threading.Event().wait(0.1)
    raise AssertionError(f"fewer than {count} processes ever waited for the migration lock")


def test_two_processes_upgrading_an_empty_database_at_once_migrate_it_once(new_postgres_database):
    """Two replicas starting together on PostgreSQL: while the test holds the migration (advisory) lock, both wait
    for it and neither creates a table; released, one migrates and the other finds the schema at head. Both
    succeed; one alembic_version row."""
    url = new_postgres_database()
    engine = store.make_engine(url)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_WHEN_TOLD, url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    assert [process.stdout.readline().strip() for process in processes] == ["ready", "ready"]
    with engine.connect() as holder:  # the test holds the migration lock: both replicas must queue on it
        holder.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": database._MIGRATION_LOCK})
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        _wait_for_lock_waiters(holder, 2)
        assert not sa.inspect(holder).has_table("alembic_version")  # neither migrated past the lock
        holder.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": database._MIGRATION_LOCK})
        holder.commit()
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err[-2000:] for _, err in results]
    _assert_migrated_once(engine)
    assert [out.strip() for out, _ in results] == [head_revision()] * 2
    engine.dispose()


def test_two_engines_upgrading_an_empty_sqlite_file_at_once_migrate_it_once(tmp_path):
    """The same on SQLite, with threads for processes (each its own engine and connection; SQLite's lock is the
    file's, so a thread waits exactly as a process would): BEGIN IMMEDIATE queues the second upgrade."""
    url = f"sqlite:///{tmp_path / 'stp-progress.sqlite'}"
    engines = [store.make_engine(url) for _ in range(3)]
    assert _race(engines, lambda _, engine: store.upgrade(engine)) == []
    _assert_migrated_once(engines[0])
    for engine in engines:
        engine.dispose()


def _assert_migrated_once(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == [
            head_revision()
        ]
    assert problems(engine) == [] and fingerprint(engine)["versions"] == []


def test_a_postgresql_server_that_accepts_and_never_answers_fails_the_connect_instead_of_holding_it(monkeypatch):
    """A frozen database host (it accepts the TCP connection, then says nothing) used to hold every page run that
    needed a connection until TCP gave up; libpq's connect_timeout now ends the wait with an error the pages
    already handle (the outage notice and the bundled data)."""
    monkeypatch.setattr(database, "POSTGRES_CONNECT_TIMEOUT_S", 1)  # the default is 5 s: same path, shorter test
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never accepts or answers
        port = silent.getsockname()[1]
        engine = store.make_engine(f"postgresql+psycopg://stp@127.0.0.1:{port}/stp")
        outcome: list[BaseException | None] = []

        def connect() -> None:
            try:
                with engine.connect():
                    outcome.append(None)
            except BaseException as error:  # collected: the assertion names it
                outcome.append(error)

        worker = threading.Thread(target=connect, daemon=True)
        worker.start()
        worker.join(timeout=60)  # a generous bound on a hang, not a timing assertion
        engine.dispose()
    assert outcome, "connecting to a silent server was still waiting after 60 s"
    assert isinstance(outcome[0], sa.exc.OperationalError)
    assert "timeout" in str(outcome[0]).lower()


def test_a_connect_timeout_in_the_database_url_is_kept():
    """An operator's own `?connect_timeout=` wins over the default; SQLite and other servers get none."""
    assert database._connect_timeout(sa.make_url("postgresql+psycopg://u@db/stp?connect_timeout=20")) == {}
    assert database._connect_timeout(sa.make_url("postgresql+psycopg://u@db/stp")) == {
        "connect_timeout": database.POSTGRES_CONNECT_TIMEOUT_S
    }
    assert database._connect_timeout(sa.make_url("sqlite:///x.sqlite")) == {}
