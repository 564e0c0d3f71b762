"""A SQLite state folder that cannot be written, or a full disk (the one-command default's database): one clear
error naming the folder and what to do, from the store; and the dashboard keeps serving the bundled data.

Before StoreNotWritable, a state folder path under a file raised NotADirectoryError from every page (the whole app
showed "This app has encountered an error"), and a full disk surfaced as a bare sqlite3 OperationalError.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from stp_data import store
from stp_data.store import Actor, Role, StoreNotWritable
from tests.conftest import ROOT

PUBLISHER = Actor("analyst@trust.nhs.uk", Role.PUBLISHER)
REPORT = {"kind": "metrics", "rows_read": 1, "rows_accepted": 1}


def _unwritable_state_dir(tmp_path: Path) -> Path:
    """A state folder that cannot be created: its parent is a file. Unlike chmod 0o555, this stops root too (CI
    runs the tests as root, and root writes into read-only folders)."""
    (tmp_path / "a-file").write_text("not a folder")
    return tmp_path / "a-file" / "state"


def _assert_clear(error: StoreNotWritable, folder: Path) -> None:
    message = str(error)
    assert str(folder) in message and "STP_STATE_DIR" in message and "writable" in message
    assert isinstance(error, sa.exc.SQLAlchemyError)  # pages that cope with a database that is down cope with this


def test_an_unwritable_state_folder_is_one_clear_error_naming_it(tmp_path):
    folder = _unwritable_state_dir(tmp_path)
    with pytest.raises(StoreNotWritable) as raised:
        store.upgrade(store.engine_from_env({"STP_STATE_DIR": str(folder)}))
    _assert_clear(raised.value, folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a chmod 0o555 folder; the file-parent case covers root")
def test_a_read_only_state_folder_is_one_clear_error_naming_it(tmp_path):
    folder = tmp_path / "state"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        engine = store.engine_from_env({"STP_STATE_DIR": str(folder)})
        with pytest.raises(StoreNotWritable) as raised:
            store.upgrade(engine)
        _assert_clear(raised.value, folder)
    finally:
        folder.chmod(0o755)


def test_a_full_disk_fails_the_publish_cleanly_and_the_published_data_stays_readable(tmp_path, caplog):
    folder = tmp_path / "state"
    engine = store.engine_from_env({"STP_STATE_DIR": str(folder)})
    store.upgrade(engine)
    first = store.publish(engine, PUBLISHER, "vacancies.csv", b"v1", REPORT)

    # A disk with no room left: SQLite may not grow the file past the pages it has (its own "disk is full").
    sa.event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA max_page_count = 1"))
    engine.dispose()
    caplog.clear()  # only this publish's line (the dashboard, run earlier in the process, logs audits at INFO)
    with caplog.at_level(logging.INFO, logger=store.AUDIT_LOGGER), pytest.raises(StoreNotWritable) as raised:
        store.publish(engine, PUBLISHER, "vacancies.csv", b"x" * 200_000, REPORT)

    _assert_clear(raised.value, folder)
    assert "disk is full" in str(raised.value)
    [line] = [json.loads(record.getMessage()) for record in caplog.records if record.name == store.AUDIT_LOGGER]
    assert (line["action"], line["outcome"], line["version"]) == ("publish", "failed", None)
    assert [(v.id, v.number) for v in store.current_versions(engine)] == [(first.id, 1)]  # nothing half-written
    assert store.content(engine, first.id) == b"v1"
    engine.dispose()


DASHBOARD = str(ROOT / "dashboard.py")


def test_the_dashboard_keeps_serving_bundled_data_with_an_unwritable_state_folder(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("STP_STATE_DIR", str(_unwritable_state_dir(tmp_path)))
    monkeypatch.setenv("STP_PUBLISH", "open")  # publishing offered: the page must still render
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and at.get("plotly_chart")  # the overview's bundled ratings: title and charts
    at.switch_page("pages/published.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error  # says the published data cannot be read (pages/published.py words it)
