"""Fixtures the export tests share: the Chromium kaleido renders in, and the bundled data a pack is built from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exports import packs
from exports import png as png_export
from exports.png import chromium_path


@pytest.fixture(scope="module")
def chromium() -> Iterator[str]:
    """Kaleido renders in Chromium: a missing browser is a failure to fix, never a silent skip."""
    path = chromium_path()
    if not Path(path).is_file():
        pytest.fail(
            f"PNG export needs Chromium at {path}: run `bash .ci/setup dev` (installs Debian's chromium) "
            "or set STP_CHROMIUM to a Chromium binary.",
            pytrace=False,
        )
    yield path
    png_export.shutdown_renderer()


@pytest.fixture(scope="module")
def inputs() -> packs.PackInputs:
    """What the overview and footprint pages show for the bundled data."""
    return packs.bundled_inputs()
