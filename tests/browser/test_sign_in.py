"""Sign-in with a real OpenID Connect provider (oidc-provider-mock, started here on localhost) in Debian's Chromium.

A publisher signs in and publishes from Load data; the file then shows on Published data. A viewer signs in and
has no Publish button. An anonymous caller of the publishing path is refused by the store. Then a table: anonymous,
viewer, publisher and a publisher from a second allowed domain, each × publish, restore, withdraw and download, as
the running app offers them, with forged query parameters and a forged sign-in cookie that must grant nothing. The
app gets its [auth] settings from a secrets.toml written to a temporary folder (`--secrets.files`), never the
repository's.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, SCREENSHOTS
from tests.browser.helpers import free_port, wait_for_app, wait_healthy

pytestmark = pytest.mark.browser

PUBLISHER_EMAIL = "analyst@trust.nhs.uk"
VIEWER_EMAIL = "board.member@other.nhs.uk"
FILE = "STP code,Measure,Period,Value,Unit,Polarity\n" + "".join(
    f"E540000{n:02d},Vacancy rate,Sep 2026,{5 + n / 10:.1f}%,%,lower is better\n" for n in range(5, 49)
)


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """A local OpenID Connect provider: the test types the email it signs in as (it becomes the email claim)."""
    oidc_provider_mock = pytest.importorskip("oidc_provider_mock")
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def write_secrets(folder: Path, app_port: int, issuer: str) -> Path:
    path = folder / "secrets.toml"
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "stp-progress"\n'
        'client_secret = "test-only"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        "\n[stp_progress]\n"
        'publishers = ["@trust.nhs.uk", "@icb.nhs.uk"]\n'
    )
    return path


@pytest.fixture(scope="module")
def signed_app(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The dashboard with sign-in configured and its own empty state folder; yields (base URL, state folder)."""
    folder = tmp_path_factory.mktemp("sign-in")
    port = free_port()
    secrets_file = write_secrets(folder, port, provider)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STP_")}
    env["STP_STATE_DIR"] = str(folder / "state")
    log = ROOT / "test-artifacts" / "streamlit-sign-in-test.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "ui.serve", "--server.port", str(port), "--server.address", "127.0.0.1"]
    command += ["--server.headless", "true", "--secrets.files", str(secrets_file)]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        # localhost, not 127.0.0.1: the browser must use the host of redirect_uri, or the sign-in cookie is lost.
        url = f"http://localhost:{port}"
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process)
            yield url, folder / "state"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def session(browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, email: str) -> None:
    """Sign in from the sidebar: the provider's form takes the subject, which it also sends as the email."""
    page.goto("/")
    wait_for_app(page)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"), timeout=30_000)
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {email}")).to_be_visible(timeout=30_000)


def upload(page: Page, tmp_path: Path, query: str = "", text: str = FILE) -> None:
    data = tmp_path / "vacancies.csv"
    data.write_text(text)
    page.goto("/load-data" + (f"?{query}" if query else ""))
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(data))
    expect(page.get_by_text("Validation report")).to_be_visible(timeout=30_000)
    wait_for_app(page)


def test_a_publisher_signs_in_and_publishes_for_everyone(browser, signed_app, tmp_path):
    url, _state = signed_app
    with session(browser, url) as page:
        sign_in(page, PUBLISHER_EMAIL)
        upload(page, tmp_path)
        page.get_by_role("button", name="Publish").click()
        expect(page.get_by_text(re.compile("Published vacancies.csv as version 1"))).to_be_visible(timeout=30_000)
        page.screenshot(path=SCREENSHOTS / "sign-in-published.png")

    with session(browser, url) as page:  # another browser, signed in as a viewer: sees the publish
        sign_in(page, VIEWER_EMAIL)
        page.goto("/published")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="vacancies.csv")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(PUBLISHER_EMAIL).first).to_be_visible()
        expect(page.get_by_role("button", name="Restore")).to_have_count(0)
        page.screenshot(path=SCREENSHOTS / "sign-in-published-data-viewer.png", full_page=True)


# --- Who may do what: one row per kind of person, every write offered (or not) by the running app -------------

OTHER_DOMAIN_PUBLISHER = "lead@icb.nhs.uk"  # publishers = ["@trust.nhs.uk", "@icb.nhs.uk"] (write_secrets)
TABLE_DATASET = "roles-table.csv"
# What someone might try in the address bar: none of these names means anything to the app.
FORGED = "role=publisher&user=analyst%40trust.nhs.uk&email=analyst%40trust.nhs.uk&is_logged_in=true&publish=open"
FORGED_COOKIE = '{"is_logged_in": true, "email": "analyst@trust.nhs.uk"}'  # unsigned: st.user must ignore it


@pytest.fixture(scope="module")
def two_versions(signed_app: tuple[str, Path]) -> None:
    """Two versions of one dataset in the app's own database, so a publisher has a version to restore."""
    from stp_data import store
    from stp_data.store import Actor, Role

    _url, state = signed_app
    engine = store.make_engine(f"sqlite:///{state / 'stp-progress.sqlite'}")
    store.upgrade(engine)
    publisher = Actor(PUBLISHER_EMAIL, Role.PUBLISHER)
    for rows in (FILE, FILE + "E54000034,Vacancy rate,Oct 2026,7.0%,%,lower is better\n"):
        report = {"kind": "metrics", "rows_read": 44, "rows_accepted": 44, "rows_rejected": 0, "notes": []}
        store.publish(engine, publisher, TABLE_DATASET, rows.encode(), report)
    engine.dispose()


@pytest.mark.parametrize(
    ("email", "may_view", "may_publish"),
    [
        pytest.param(None, False, False, id="anonymous"),
        pytest.param(VIEWER_EMAIL, True, False, id="viewer"),
        pytest.param(PUBLISHER_EMAIL, True, True, id="publisher"),
        pytest.param(OTHER_DOMAIN_PUBLISHER, True, True, id="publisher-other-domain"),
    ],
)
def test_who_may_publish_restore_withdraw_and_download_through_the_running_app(
    browser, signed_app, two_versions, tmp_path, email, may_view, may_publish
):
    url, state = signed_app
    with session(browser, url) as page:
        if email:
            sign_in(page, email)
        else:  # a hand-made sign-in cookie: not signed with the server's secret, so still anonymous
            page.context.add_cookies([{"name": "_streamlit_user", "value": FORGED_COOKIE, "url": url}])
        # Load data: Publish only for publishers, whatever the address bar says.
        upload(page, tmp_path, query=FORGED, text=FILE.replace("Sep 2026", "Aug 2026"))  # never published as is
        expect(page.get_by_role("button", name="Publish")).to_have_count(1 if may_publish else 0)
        if email == VIEWER_EMAIL:
            expect(page.get_by_text("only publishers can publish files for everyone")).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "sign-in-viewer-load-data.png")
        if email is None:
            expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Sign in")).to_be_visible()

        page.goto(f"/published?{FORGED}")
        wait_for_app(page)
        dataset = page.get_by_role("heading", name=TABLE_DATASET)
        downloads = page.get_by_role("button", name="Download as published")
        restores = page.get_by_role("button", name="Restore")
        withdraw = page.get_by_role("button", name=f"Withdraw {TABLE_DATASET}")
        if not may_view:
            expect(page.get_by_text("Sign in to see published data.")).to_be_visible()
            expect(dataset).to_have_count(0)
            expect(downloads).to_have_count(0)
        else:
            expect(dataset).to_be_visible(timeout=30_000)
            expect(downloads.first).to_be_visible()
            with page.expect_download() as download:
                downloads.first.click()
            assert Path(download.value.path()).read_bytes().startswith(b"STP code,Measure")
        expect(restores).to_have_count(1 if may_publish else 0)  # the one version of roles-table.csv not shown
        expect(withdraw).to_have_count(1 if may_publish else 0)
        if may_publish:  # and the restore works, recorded under this publisher's own email
            restores.first.click()
            expect(page.get_by_text(re.compile(rf"Restored version \d of {re.escape(TABLE_DATASET)}"))).to_be_visible(
                timeout=30_000
            )
            from stp_data import store

            engine = store.make_engine(f"sqlite:///{state / 'stp-progress.sqlite'}")
            assert store.history(engine)[0].actor == email
            engine.dispose()


def test_the_publishing_path_refuses_anonymous_callers_whatever_the_page_offers(signed_app):
    from stp_data import store
    from stp_data.store import Actor, Role

    _url, state = signed_app
    engine = store.make_engine(f"sqlite:///{state / 'stp-progress.sqlite'}")  # the app's own database
    store.upgrade(engine)  # already done by the app if it has read the database; harmless again
    before = store.revision(engine)
    for anonymous in (Actor(None, Role.VIEWER), Actor(None, Role.NONE)):
        with pytest.raises(PermissionError):
            store.publish(engine, anonymous, "vacancies.csv", FILE.encode(), {"kind": "metrics", "rows_accepted": 44})
    assert store.revision(engine) == before
    engine.dispose()
