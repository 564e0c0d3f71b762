"""Faults on the running trial (tests/deploy/conftest.py): PostgreSQL stopped or crashed, a replica SIGKILLed.

Real PostgreSQL, real nginx, real replicas, driven by Chromium through nginx. The database is always started again
before a test ends; a killed replica is restarted only if another test needs the trial (tests/deploy/conftest.py),
which is why this file sorts after test_replicas.py and the kill comes last. Recovery times are printed, never
asserted: the waits below are timeouts at or above the issue's 30 s, not targets (benchmarks/faults.py measures them).
"""

from __future__ import annotations

import re
import secrets
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from deploy.cluster import AFFINITY_COOKIE, Cluster, nginx_binary
from tests.browser.helpers import wait_for_app
from tests.deploy.helpers import active_sessions, logged_for, new_context

if nginx_binary() is None:
    pytest.skip("nginx not installed (Debian package 'nginx'): fault tests skipped", allow_module_level=True)

RECOVERY_TIMEOUT_S = 60  # the issue asks for 30 s; twice that as a timeout on a busy 2-core machine
DATABASE_DOWN = "The database did not answer; nothing was published. Try again in a minute."
BANNER = "Published data unavailable since"
# The frame shows the banner once dashboard.py calls publish.outage_banner(); until then only the data is checked.


def needs_database(trial: Cluster) -> None:
    if trial.postgres is None or not trial.migrated:
        pytest.skip("PostgreSQL binaries not installed (Debian package 'postgresql'): no shared database to stop")


def metrics_csv(measure: str) -> str:
    return f"code,measure,period,value\nE54000034,{measure},Sep 2026,7.5\nE54000041,{measure},Sep 2026,9.1\n"


def rows_without_bytes(engine: sa.Engine) -> dict[str, int]:
    """Half-written publishes: versions without their file, events or datasets pointing at no version."""
    queries = {
        "versions without a file": "SELECT count(*) FROM versions v LEFT JOIN version_files f "
        "ON f.version_id = v.id WHERE f.version_id IS NULL",
        "events without a version": "SELECT count(*) FROM events e LEFT JOIN versions v ON v.id = e.version_id "
        "WHERE e.version_id IS NOT NULL AND v.id IS NULL",
        "datasets without a version": "SELECT count(*) FROM datasets d LEFT JOIN versions v "
        "ON v.id = d.current_version_id WHERE v.id IS NULL",
    }
    with engine.connect() as connection:
        return {name: connection.execute(sa.text(sql)).scalar_one() for name, sql in queries.items()}


@pytest.fixture
def database(trial: Cluster) -> Iterator[sa.Engine]:
    """An engine on the trial's database, and PostgreSQL running again after the test whatever happened."""
    needs_database(trial)
    from stp_data import store

    engine = store.make_engine(trial.database_url)
    yield engine
    if not trial.postgres.is_ready():
        trial.postgres.start()
    engine.dispose()


def test_a_publish_cut_off_by_a_database_crash_before_commit_leaves_nothing_half_written(
    trial: Cluster, database: sa.Engine
) -> None:
    from stp_data import store

    name = f"crash-{secrets.token_hex(4)}.csv"
    data = metrics_csv("Vacancy rate (crash test)").encode()
    report = {"kind": "metrics", "rows_read": 2, "rows_accepted": 2, "rows_rejected": 0, "notes": []}
    publisher = store.Actor("analyst@trust.nhs.uk", store.Role.PUBLISHER)
    before = store.revision(database)

    def crash(_connection: object) -> None:
        # Every row of the publish is written and only COMMIT is left: the server dies now, as in a power cut.
        trial.postgres.stop("immediate")

    sa.event.listen(database, "commit", crash)
    try:
        with pytest.raises(sa.exc.OperationalError):
            store.publish(database, publisher, name, data, report)
    finally:
        sa.event.remove(database, "commit", crash)
    trial.postgres.start()  # crash recovery replays the WAL: only committed work comes back

    assert [v for v in store.list_versions(database) if v.name == name] == []
    assert store.revision(database) == before
    assert set(rows_without_bytes(database).values()) == {0}, rows_without_bytes(database)
    version = store.publish(database, publisher, name, data, report)  # and the same publish works afterwards
    assert version.number == 1 and store.content(database, version.id) == data


def banner_count(page: Page) -> int:
    return page.get_by_text(BANNER).count()


def open_view(page: Page, path: str) -> None:
    page.goto(path)
    wait_for_app(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def assert_published_data_shown(page: Page, file_name: str) -> None:
    """Load data lists every file the pages show (the published ones by name)."""
    open_view(page, "/load-data")
    expect(page.get_by_text(file_name).first).to_be_visible(timeout=30_000)


@pytest.mark.browser
def test_with_postgresql_stopped_viewers_keep_published_data_and_a_publish_fails_plainly_then_all_recovers(
    trial: Cluster, chromium: Browser, database: sa.Engine, tmp_path: Path
) -> None:
    from stp_data import store

    tag = secrets.token_hex(3)
    published_measure = f"Vacancy rate (outage {tag})"
    report = {"kind": "metrics", "rows_read": 2, "rows_accepted": 2, "rows_rejected": 0, "notes": []}
    store.publish(
        database,
        store.Actor("analyst@trust.nhs.uk", store.Role.PUBLISHER),
        f"outage-{tag}.csv",
        metrics_csv(published_measure).encode(),
        report,
    )
    context = new_context(chromium, trial.url)
    viewer, publisher = context.new_page(), context.new_page()  # one browser: both pages on one replica
    assert_published_data_shown(viewer, f"outage-{tag}.csv")
    # The publisher has a file loaded and validated, ready to publish, when the database goes.
    upload = tmp_path / f"late-{tag}.csv"
    upload.write_text(metrics_csv(f"Vacancy rate (late {tag})"))
    open_view(publisher, "/load-data")
    publisher.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(upload))
    expect(publisher.get_by_text("Validation report")).to_be_visible(timeout=30_000)
    wait_for_app(publisher)

    trial.postgres.stop()
    try:
        open_view(viewer, "/")  # the overview still draws, without an error
        assert_published_data_shown(viewer, f"outage-{tag}.csv")  # the published data stayed
        open_view(viewer, "/your-data")  # and Your data draws it, not "No data loaded yet in this session"
        expect(viewer.get_by_text("No data loaded yet")).to_have_count(0)
        expect(viewer.get_by_text(BANNER)).to_have_count(1)
        publish = publisher.get_by_role("button", name="Publish")
        expect(publish).to_be_visible()  # stays, rather than vanishing
        publish.click()
        expect(publisher.get_by_text(DATABASE_DOWN)).to_be_visible(timeout=30_000)
    finally:
        trial.postgres.start()
    returned = time.monotonic()

    # The replica notices by itself: no restart, the banner goes on a later page run.
    while True:
        open_view(viewer, "/your-data")
        if banner_count(viewer) == 0 or time.monotonic() - returned > RECOVERY_TIMEOUT_S:
            break
        time.sleep(1)
    assert banner_count(viewer) == 0
    print(f"banner gone {time.monotonic() - returned:.1f} s after PostgreSQL returned")
    wait_for_app(publisher)
    publisher.get_by_role("button", name="Publish").click()
    expect(publisher.get_by_text(re.compile(rf"Published late-{tag}\.csv as version 1"))).to_be_visible(timeout=30_000)
    context.close()
    assert [v.number for v in store.list_versions(database) if v.name == f"late-{tag}.csv"] == [1]
    assert set(rows_without_bytes(database).values()) == {0}


def cookies_on(trial: Cluster, address: str, count: int) -> list[str]:
    """Affinity cookie values that nginx hashes to the replica at `address` (found by asking, a few tries)."""
    found: list[str] = []
    for _ in range(40):
        value = f"fault-{secrets.token_hex(6)}"
        request = urllib.request.Request(
            f"{trial.url}/_stcore/host-config", headers={"Cookie": f"{AFFINITY_COOKIE}={value}"}
        )
        urllib.request.urlopen(request, timeout=10).close()
        if logged_for(trial, value)[-1].upstream == address:
            found.append(value)
        if len(found) == count:
            return found
    raise AssertionError(f"no {count} cookies hash to {address}")


VIEWS = ("/footprint?stp=E54000034", "/workforce")


@pytest.mark.browser
def test_a_killed_replicas_browsers_redraw_the_same_view_through_the_survivor(
    trial: Cluster, chromium: Browser
) -> None:
    victim, survivor = trial.replicas
    versions_before = None
    if trial.postgres is not None and trial.migrated:
        from stp_data import store

        engine = store.make_engine(trial.database_url)
        versions_before = [(v.name, v.number, v.sha256) for v in store.list_versions(engine)]
    pages: list[tuple[Page, str]] = []
    for value, view in zip(cookies_on(trial, victim.address, len(VIEWS)), VIEWS, strict=True):
        context = new_context(chromium, trial.url)
        context.add_cookies([{"name": AFFINITY_COOKIE, "value": value, "url": trial.url}])
        page = context.new_page()
        open_view(page, view)
        pages.append((page, page.get_by_role("heading", level=1).first.inner_text()))
    assert active_sessions(victim.url) >= len(VIEWS)
    on_survivor = active_sessions(survivor.url)

    victim.kill()
    killed = time.monotonic()
    try:
        # Streamlit's page notices the closed websocket and reconnects by itself: a new session on the survivor each.
        while active_sessions(survivor.url) < on_survivor + len(VIEWS):
            assert time.monotonic() - killed < RECOVERY_TIMEOUT_S, "the browsers did not reach the survivor"
            time.sleep(0.2)
        for (page, heading), view in zip(pages, VIEWS, strict=True):
            # nginx found the victim refusing and handed each to the survivor, where the new session ran the page
            # of the URL the browser still shows.
            wait_for_app(page, timeout_ms=RECOVERY_TIMEOUT_S * 1000)
            expect(page).to_have_url(re.compile(re.escape(view)))
            expect(page.get_by_role("heading", level=1).first).to_have_text(heading)
            expect(page.get_by_test_id("stException")).to_have_count(0)
        print(f"{len(VIEWS)} browsers redrawn by the survivor {time.monotonic() - killed:.1f} s after the kill")
        if versions_before is not None:
            assert [(v.name, v.number, v.sha256) for v in store.list_versions(engine)] == versions_before
    finally:
        for page, _ in pages:
            page.context.close()
        if versions_before is not None:
            engine.dispose()
