"""A real Streamlit server on a free localhost port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("STP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@contextlib.contextmanager
def serve_app(log_name: str = "streamlit-browser-test.log") -> Iterator[str]:
    """A fresh Streamlit server process for the dashboard; yields its base URL."""
    port = free_port()
    log = (ROOT / "test-artifacts").joinpath(log_name)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ui.serve",  # = streamlit run dashboard.py, without the legacy pages/ first request (ui/serve.py)
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    with serve_app() as url:
        yield url


@pytest.fixture
def page(browser, app_url):
    """A fresh page that records any request leaving localhost and any console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=app_url)
    page = context.new_page()
    page.external_requests = []
    page.console_errors = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "data:", "blob:"))
            else page.external_requests.append(request.url)
        ),
    )
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    context.close()
