"""Shared test set-up: the project root is importable and test output goes to test-artifacts/."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Tests never write to the developer's own database (<repo>/state) nor see their publishers or data folder:
# every test run gets an empty state folder, and servers the tests start inherit it.
os.environ["STP_STATE_DIR"] = tempfile.mkdtemp(prefix="stp-test-state-")
for _setting in (
    "STP_DATABASE_URL",
    "STP_PUBLISH",
    "STP_PUBLISHERS",
    "STP_VIEWERS",
    "STP_PUBLIC_VIEWING",
    "STP_DATA_DIR",
):
    os.environ.pop(_setting, None)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One Debian Chromium for the whole run, shared by every folder's browser tests.

    Playwright's sync API runs an event loop for as long as it is open: a second one started while the first is
    alive fails, so tests/browser, tests/deploy and any other folder must share this one.
    """
    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (see .ci/setup)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
