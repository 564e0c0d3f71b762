"""Two replicas behind nginx on localhost (deploy/cluster.py): health, cookie affinity, uploads, shared publishing.

One trial for the session (tests/deploy/conftest.py): Debian's nginx in front of two `python -m ui.serve` processes
sharing a private PostgreSQL (Debian's `postgresql`). Skipped when nginx is not installed; without PostgreSQL the
publishing case is skipped and the rest run on the replicas' own SQLite. Which replica served what comes from nginx's
access log (`upstream=` and `affinity=` on every line) and from each replica's own /_stcore/metrics, asked on its own
port.
"""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from deploy.cluster import AFFINITY_COOKIE, Cluster, nginx_binary
from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import wait_for_app
from tests.deploy.helpers import access_log, active_sessions, affinity_cookie, logged_for, new_context

if nginx_binary() is None:
    pytest.skip("nginx not installed (Debian package 'nginx'): replica tests skipped", allow_module_level=True)

FRIMLEY = "E54000034"
SMALL_CSV = (
    "code,measure,period,value\n"
    "E54000034,Vacancy rate (replica test),Sep 2026,7.5\n"
    "E54000041,Vacancy rate (replica test),Sep 2026,9.1\n"
)


def test_health_answers_through_nginx_and_the_first_response_sets_the_affinity_cookie(trial: Cluster) -> None:
    with urllib.request.urlopen(f"{trial.url}/_stcore/health", timeout=10) as response:
        assert response.status == 200 and response.read() == b"ok"

    with urllib.request.urlopen(f"{trial.url}/", timeout=10) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    pinned = [c for c in cookies if c.startswith(f"{AFFINITY_COOKIE}=")]
    assert len(pinned) == 1 and "HttpOnly" in pinned[0] and "Path=/" in pinned[0], cookies
    value = pinned[0].split(";")[0].split("=", 1)[1]

    # A browser that has the cookie is not given another, and always reaches the same replica.
    for _ in range(5):
        request = urllib.request.Request(f"{trial.url}/", headers={"Cookie": f"{AFFINITY_COOKIE}={value}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert not any(c.startswith(AFFINITY_COOKIE) for c in response.headers.get_all("Set-Cookie") or [])
    pinned_lines = logged_for(trial, value, at_least=6)
    assert len(pinned_lines) == 6 and len({e.upstream for e in pinned_lines}) == 1, pinned_lines

    # Browsers without the cookie are spread over both replicas (by a random key, not by their address).
    for _ in range(20):
        urllib.request.urlopen(f"{trial.url}/_stcore/host-config", timeout=10).close()
    time.sleep(0.5)  # the last line reaches the log just after the answer
    spread = {e.upstream for e in access_log(trial) if e.path == "/_stcore/host-config"}
    assert spread == {r.address for r in trial.replicas}


@pytest.mark.browser
def test_a_browser_keeps_its_session_on_one_replica_across_page_changes(trial: Cluster, chromium: Browser) -> None:
    # Sessions other tests left (the trial is shared by the session; a closed tab's session lingers a moment).
    before = {replica.address: active_sessions(replica.url) for replica in trial.replicas}
    context = new_context(chromium, trial.url)
    page = context.new_page()
    page.goto("/")
    wait_for_app(page)
    cookie = affinity_cookie(context)
    page.get_by_test_id("stSidebarNav").get_by_text("Workforce").first.click()  # a page change in the same tab
    expect(page).to_have_url(re.compile("/workforce"))
    wait_for_app(page)
    page.goto(f"/footprint?stp={FRIMLEY}")  # full loads: a new websocket each, which must find the same replica
    wait_for_app(page)
    page.goto("/load-data")
    wait_for_app(page)

    # The replica's own view: it holds this browser's open session, and the other holds none.
    first = [e for e in logged_for(trial, cookie) if e.path == "/"]
    assert first, "the first page load is not in nginx's access log"
    serving = next(r for r in trial.replicas if r.address == first[0].upstream)
    other = next(r for r in trial.replicas if r is not serving)
    assert active_sessions(serving.url) >= before[serving.address] + 1
    assert active_sessions(other.url) <= before[other.address]
    context.close()

    # nginx's view: every request under this browser's cookie, the three websockets included, went to one replica.
    streams = logged_for(trial, cookie, path_prefix="/_stcore/stream", at_least=3)
    assert len(streams) >= 3, streams
    every = logged_for(trial, cookie)
    assert {e.upstream for e in every} == {serving.address}, {e.upstream for e in every}


@pytest.mark.browser
def test_an_upload_through_nginx_reaches_the_session_and_shows_its_validation_report(
    trial: Cluster, chromium: Browser, tmp_path: Path
) -> None:
    upload = tmp_path / "replica-vacancies.csv"
    upload.write_text(SMALL_CSV)
    context = new_context(chromium, trial.url)
    page = context.new_page()
    page.goto("/load-data")
    wait_for_app(page)
    # The PUT carries Streamlit's XSRF header and cookie through nginx; a mismatch would be a 403 here.
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(upload))
    expect(page.get_by_text("Validation report")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("2")  # rows read
    page.screenshot(path=SCREENSHOTS / "replicas-upload-through-nginx.png")
    cookie = affinity_cookie(context)
    context.close()
    uploads = logged_for(trial, cookie, path_prefix="/_stcore/upload_file")
    puts = [e for e in uploads if e.method == "PUT"]
    assert puts and all(200 <= e.status < 300 for e in puts), uploads
    assert len({e.upstream for e in logged_for(trial, cookie)}) == 1


@pytest.mark.browser
def test_a_file_published_through_one_replica_is_seen_through_the_other(trial: Cluster, chromium: Browser) -> None:
    if trial.postgres is None:
        pytest.skip("PostgreSQL binaries not installed (Debian package 'postgresql'): nothing shared to publish to")
    if not trial.migrated:
        pytest.skip("stp_data.store not there yet: nothing to publish with")
    from stp_data import store

    name = f"replica-trial-{int(time.time())}.csv"
    engine = store.make_engine(trial.database_url)
    try:
        publisher = store.Actor("analyst@trust.nhs.uk", store.Role.PUBLISHER)
        report = {"kind": "metrics", "rows_read": 2, "rows_accepted": 2, "rows_rejected": 0, "notes": []}
        store.publish(engine, publisher, name, SMALL_CSV.encode(), report)
    finally:
        engine.dispose()
    for replica in trial.replicas:  # each on its own port: both, not whichever nginx picks
        context = new_context(chromium, replica.url)
        page = context.new_page()
        page.goto("/published")
        wait_for_app(page)
        expect(page.get_by_text(name).first).to_be_visible(timeout=30_000)
        context.close()
