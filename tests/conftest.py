"""Shared test set-up: the project root is importable and test output goes to test-artifacts/."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

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
