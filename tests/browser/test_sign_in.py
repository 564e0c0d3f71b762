"""Sign-in with a real OpenID Connect provider (oidc-provider-mock, started here on localhost) in Debian's Chromium.

A publisher signs in and publishes from Load data; the file then shows on Published data. A viewer signs in and
has no Publish button. An anonymous caller of the publishing path is refused by the store. The app gets its
[auth] settings from a secrets.toml written to a temporary folder (`--secrets.files`), never the repository's.
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
        'publishers = ["@trust.nhs.uk"]\n'
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


def upload(page: Page, tmp_path: Path) -> None:
    data = tmp_path / "vacancies.csv"
    data.write_text(FILE)
    page.goto("/load-data")
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


def test_a_viewer_signs_in_and_has_no_way_to_publish(browser, signed_app, tmp_path):
    url, _state = signed_app
    with session(browser, url) as page:
        sign_in(page, VIEWER_EMAIL)
        upload(page, tmp_path)
        expect(page.get_by_text("only publishers can publish files for everyone")).to_be_visible()
        expect(page.get_by_role("button", name="Publish")).to_have_count(0)
        page.screenshot(path=SCREENSHOTS / "sign-in-viewer-load-data.png")


def test_an_anonymous_session_has_no_publish_button_and_the_publishing_path_refuses_it(browser, signed_app, tmp_path):
    url, state = signed_app
    with session(browser, url) as page:
        upload(page, tmp_path)
        expect(page.get_by_role("button", name="Publish")).to_have_count(0)
        expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Sign in")).to_be_visible()

    from stp_data import store
    from stp_data.store import Actor, Role

    engine = store.make_engine(f"sqlite:///{state / 'stp-progress.sqlite'}")  # the app's own database
    store.upgrade(engine)  # already done by the app if it has read the database; harmless again
    before = store.revision(engine)
    for anonymous in (Actor(None, Role.VIEWER), Actor(None, Role.NONE)):
        with pytest.raises(PermissionError):
            store.publish(engine, anonymous, "vacancies.csv", FILE.encode(), {"kind": "metrics", "rows_accepted": 44})
    assert store.revision(engine) == before
    engine.dispose()
