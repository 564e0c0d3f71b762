"""The compare page's board pack in a real browser: prepared, downloaded in both formats and opened.

The pack itself is tested in tests/exports/test_pack_compare.py; this checks the page hands the pack its footprints
(`pack_controls(data, "compare", "A,B,…")`) and the downloads arrive whole. Skips, saying why, while the compare
page has no pack button.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser

CODES = ["E54000033", "E54000034", "E54000035", "E54000007"]  # Frimley: no 4-hour figure May 2019 - May 2023
NAMES = ["Sussex and East Surrey", "Frimley", "Surrey Heartlands", "Greater Manchester"]
PREPARE = "Prepare Board pack for this comparison"
TITLE = "Board pack for this comparison"


def test_compare_page_downloads_its_board_pack(page):
    from pptx import Presentation
    from pypdf import PdfReader

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/compare?stp=" + ",".join(CODES))
    wait_for_app(page)
    prepare = page.get_by_role("button", name=PREPARE)
    try:
        prepare.wait_for(state="visible", timeout=30_000)
    except PlaywrightTimeout:
        pytest.skip(
            f"no {PREPARE!r} button on /compare: pages/compare.py (ui/compare_view.py) does not call "
            "ui.packs_view.pack_controls(data, 'compare', ','.join(codes), title='Board pack for this comparison') yet"
        )
    prepare.scroll_into_view_if_needed()
    prepare.click()
    pptx_button = page.get_by_role("button", name=f"{TITLE} (PowerPoint)")
    expect(pptx_button).to_be_visible(timeout=90_000)
    page.screenshot(path=str(SCREENSHOTS / "compare-board-pack.png"), full_page=False)

    with page.expect_download() as pptx_download:
        pptx_button.click()
    assert pptx_download.value.suggested_filename == f"stp-compare-{'-'.join(CODES)}.pptx"
    deck = Presentation(str(pptx_download.value.path()))
    assert len(deck.slides) == 7
    (chart,) = [shape.chart for shape in deck.slides[3].shapes if shape.has_chart]  # A&E: native, editable
    assert [s.name for s in chart.plots[0].series] == [*NAMES, "England"]
    assert sum(v is None for v in chart.plots[0].series[1].values) == 49  # Frimley's gap, never zeros

    with page.expect_download() as pdf_download:
        page.get_by_role("button", name=f"{TITLE} (PDF)").click()
    assert pdf_download.value.suggested_filename == f"stp-compare-{'-'.join(CODES)}.pdf"
    text = "".join(p.extract_text() for p in PdfReader(pdf_download.value.path()).pages)
    assert all(name in text for name in NAMES) and "Data as of" in text
    assert page.external_requests == []
