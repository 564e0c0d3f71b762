"""The store, the same cases on SQLite and PostgreSQL: migrations from empty, versions, roles, atomic publishes."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
import sqlalchemy as sa

from stp_data import store
from stp_data.store import Actor, Role, datasets, schema
from stp_data.store.database import alembic_config
from tests.conftest import ROOT

PUBLISHER = Actor("analyst@trust.nhs.uk", Role.PUBLISHER)
VIEWER = Actor("board.member@trust.nhs.uk", Role.VIEWER)
ANONYMOUS = Actor(None, Role.VIEWER)
NOBODY = Actor(None, Role.NONE)
V1 = b"code,measure,period,value\nE54000034,Vacancy rate,Sep 2026,7.5\n"
V2 = b"code,measure,period,value\nE54000034,Vacancy rate,Oct 2026,7.1\nE54000041,Vacancy rate,Oct 2026,9.0\n"


def report(rows: int, kind: str = "metrics") -> dict:
    return {"kind": kind, "rows_read": rows, "rows_accepted": rows, "rows_rejected": 0, "notes": [], "mapping": None}


@pytest.fixture
def engine(empty_engine: sa.Engine) -> sa.Engine:
    store.upgrade(empty_engine)
    return empty_engine


def test_migrations_create_every_table_from_empty_and_a_second_upgrade_changes_nothing(empty_engine):
    assert store.schema_revision(empty_engine) is None
    assert sa.inspect(empty_engine).get_table_names() == []
    store.upgrade(empty_engine)
    head = alembic_config().get_main_option("script_location")
    assert head  # migrations ship inside the package
    assert store.schema_revision(empty_engine) == "0001"
    tables = set(sa.inspect(empty_engine).get_table_names())
    assert {"datasets", "versions", "version_files", "events", "alembic_version"} <= tables
    store.upgrade(empty_engine)  # every replica runs it at start-up
    assert store.schema_revision(empty_engine) == "0001"


def test_the_migrated_schema_matches_the_tables_the_queries_use(engine):
    """schema.py (what the queries use) and the migrations (what creates the tables) describe the same columns."""
    inspector = sa.inspect(engine)
    for table in schema.metadata.sorted_tables:
        assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.columns.keys()), table.name


def test_publish_makes_versions_and_the_newest_is_current(engine):
    first = store.publish(engine, PUBLISHER, "vacancies.csv", V1, report(1))
    second = store.publish(engine, PUBLISHER, "vacancies.csv", V2, report(2))
    ratings = store.publish(engine, PUBLISHER, "ratings.csv", b"code,rating\n", report(0, "ratings"))

    assert (first.number, second.number, ratings.number) == (1, 2, 1)
    assert second.sha256 == hashlib.sha256(V2).hexdigest()
    assert (second.rows, second.size, second.kind, second.published_by) == (2, len(V2), "metrics", PUBLISHER.email)
    assert second.published_at.tzinfo is not None
    assert second.report["rows_accepted"] == 2
    current = store.current_versions(engine)
    assert [(v.name, v.number) for v in current] == [("vacancies.csv", 2), ("ratings.csv", 1)]
    assert [(v.name, v.number, v.is_current) for v in store.list_versions(engine)] == [
        ("ratings.csv", 1, True),
        ("vacancies.csv", 2, True),
        ("vacancies.csv", 1, False),
    ]
    assert store.content(engine, first.id) == V1
    assert store.content(engine, second.id) == V2


def test_restore_brings_back_an_earlier_version_in_one_step(engine):
    first = store.publish(engine, PUBLISHER, "vacancies.csv", V1, report(1))
    store.publish(engine, PUBLISHER, "vacancies.csv", V2, report(2))
    before = store.revision(engine)

    restored = store.restore(engine, PUBLISHER, first.id)

    assert restored.is_current and restored.number == 1
    assert [(v.number, v.sha256) for v in store.current_versions(engine)] == [(1, hashlib.sha256(V1).hexdigest())]
    assert len(store.list_versions(engine)) == 2  # nothing is deleted: version 2 can be restored again
    assert store.revision(engine) != before
    assert store.history(engine)[0].action == "restore"


def test_withdraw_hides_a_dataset_and_restoring_a_version_shows_it_again(engine):
    first = store.publish(engine, PUBLISHER, "vacancies.csv", V1, report(1))
    store.withdraw(engine, PUBLISHER, "vacancies.csv")
    assert store.current_versions(engine) == []
    assert [v.dataset_status for v in store.list_versions(engine)] == ["withdrawn"]
    assert store.content(engine, first.id) == V1  # still downloadable as published

    store.restore(engine, PUBLISHER, first.id)
    assert [v.name for v in store.current_versions(engine)] == ["vacancies.csv"]
    with pytest.raises(KeyError):
        store.withdraw(engine, PUBLISHER, "never-published.csv")
    with pytest.raises(KeyError):
        store.restore(engine, PUBLISHER, 999)


def test_publishing_a_withdrawn_name_again_shows_it_as_a_new_version(engine):
    store.publish(engine, PUBLISHER, "vacancies.csv", V1, report(1))
    store.withdraw(engine, PUBLISHER, "vacancies.csv")
    again = store.publish(engine, PUBLISHER, "vacancies.csv", V2, report(2))
    assert again.number == 2 and again.dataset_status == "current"
    assert [v.number for v in store.current_versions(engine)] == [2]


@pytest.mark.parametrize(
    "actor",
    [VIEWER, ANONYMOUS, NOBODY, None, "analyst@trust.nhs.uk"],
    ids=["viewer", "anonymous", "no-role", "none", "a-bare-email"],
)
def test_only_publishers_write_whatever_the_caller_claims(engine, actor):
    first = store.publish(engine, PUBLISHER, "vacancies.csv", V1, report(1))
    before = store.revision(engine)
    with pytest.raises(PermissionError):
        store.publish(engine, actor, "vacancies.csv", V2, report(2))
    with pytest.raises(PermissionError):
        store.restore(engine, actor, first.id)
    with pytest.raises(PermissionError):
        store.withdraw(engine, actor, "vacancies.csv")
    assert store.revision(engine) == before
    assert [v.number for v in store.list_versions(engine)] == [1]


@pytest.mark.parametrize("step", ["_insert_version", "_insert_file", "_point_dataset", "_log_event"])
def test_a_publish_interrupted_between_writes_leaves_the_previous_version_whole(engine, monkeypatch, step):
    first = store.publish(engine, PUBLISHER, "vacancies.csv", V1, report(1))
    store.publish(engine, PUBLISHER, "new-file.csv", V1, report(1))
    before = (store.revision(engine), store.list_versions(engine), store.current_versions(engine))

    original = getattr(datasets, step)

    def write_then_die(*args, **kwargs):
        original(*args, **kwargs)  # this write reaches the database…
        raise SystemExit("server killed mid-publish")  # …and the process dies before the transaction commits

    monkeypatch.setattr(datasets, step, write_then_die)
    for name in ("vacancies.csv", "brand-new.csv"):  # a new version of a dataset, and a new dataset
        with pytest.raises(SystemExit):
            store.publish(engine, PUBLISHER, name, V2, report(2))

    assert (store.revision(engine), store.list_versions(engine), store.current_versions(engine)) == before
    assert store.content(engine, first.id) == V1
    with engine.connect() as connection:  # no orphan rows left by the failed transactions
        for table in (schema.datasets, schema.versions, schema.version_files, schema.events):
            assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 2, table.name
    monkeypatch.undo()
    assert store.publish(engine, PUBLISHER, "vacancies.csv", V2, report(2)).number == 2


KILL_MID_PUBLISH = """
import os, sys
from stp_data import store
from stp_data.store import Actor, Role, datasets

original = datasets._insert_file
def insert_then_die(*args, **kwargs):
    original(*args, **kwargs)
    os._exit(9)  # killed: no exception handler, no rollback, no clean close
datasets._insert_file = insert_then_die
report = {"kind": "metrics", "rows_read": 2, "rows_accepted": 2}
store.publish(store.make_engine(sys.argv[1]), Actor("a@trust.nhs.uk", Role.PUBLISHER), "vacancies.csv", b"v2", report)
"""


def test_a_server_process_killed_mid_publish_leaves_the_previous_version_current(engine, database_url):
    first = store.publish(engine, PUBLISHER, "vacancies.csv", V1, report(1))
    before = store.revision(engine)
    result = subprocess.run(
        [sys.executable, "-c", KILL_MID_PUBLISH, database_url], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 9, result.stderr
    assert store.revision(engine) == before
    assert [(v.id, v.number) for v in store.current_versions(engine)] == [(first.id, 1)]
    assert len(store.list_versions(engine)) == 1
    assert store.publish(engine, PUBLISHER, "vacancies.csv", V2, report(2)).number == 2  # no lock left behind


def test_a_second_engine_as_another_process_would_sees_a_publish_and_the_revision_move(engine, database_url):
    other = store.make_engine(database_url)  # another server process: its own engine and connection pool
    try:
        assert store.current_versions(other) == []
        seen = store.revision(other)
        store.publish(engine, PUBLISHER, "vacancies.csv", V1, report(1))
        assert store.revision(other) != seen
        [version] = store.current_versions(other)
        assert store.content(other, version.id) == V1
        store.withdraw(other, PUBLISHER, "vacancies.csv")
        assert store.current_versions(engine) == []
    finally:
        other.dispose()


def test_bad_publishes_are_refused_before_any_write(engine):
    with pytest.raises(ValueError):
        store.publish(engine, PUBLISHER, "  ", V1, report(1))
    with pytest.raises(ValueError):
        store.publish(engine, PUBLISHER, "x.csv", V1, {"kind": "boundaries", "rows_accepted": 1})
    assert store.revision(engine) == (0, 0)


def test_the_default_database_is_sqlite_in_the_state_folder(tmp_path):
    url = store.database_url({"STP_STATE_DIR": str(tmp_path / "somewhere")})
    assert url == f"sqlite:///{tmp_path / 'somewhere' / 'stp-progress.sqlite'}"
    engine = store.engine_from_env({"STP_STATE_DIR": str(tmp_path / "somewhere")})
    store.upgrade(engine)  # creates the folder and the file on first run
    assert (tmp_path / "somewhere" / "stp-progress.sqlite").exists()
    engine.dispose()
    assert store.database_url({"STP_DATABASE_URL": "postgresql+psycopg://u@h/db"}) == "postgresql+psycopg://u@h/db"
    assert store.database_url({}).endswith("/state/stp-progress.sqlite")


def test_every_publish_is_logged_with_who_and_what(caplog):
    import logging

    engine = store.make_engine("sqlite://")
    store.upgrade(engine)
    with caplog.at_level(logging.INFO, logger="stp_data.store"):
        store.publish(engine, PUBLISHER, "beds.csv", b"code,measure,period,value\n", report(0))
    assert any("analyst@trust.nhs.uk" in r.getMessage() and "beds.csv" in r.getMessage() for r in caplog.records)
