"""Progress page, A&E by group (issue 20, section 2) through AppTest: heading, headline, chart, table, ?ae_by=."""

from __future__ import annotations

import pytest

from tests.pages.test_new_pages import deep_link
from tests.pages.test_pages import figures, run

HEADING = "Did the middle catch up on A&E? Type-1 4-hour performance, Apr 2016 – Feb 2026"


def ae_chart(at) -> dict:
    return next(f for f in figures(at) if any(t.get("name", "").startswith("England") for t in f["data"]))


def ae_table(at):
    return next(d.value for d in at.dataframe if "Footprints with 4-hour data" in d.value.columns)


def test_progress_shows_ae_by_july_2017_rating_with_a_computed_headline_and_table():
    at = run(page="pages/progress.py")
    assert not at.exception
    assert HEADING in [h.value for h in at.header]
    assert at.selectbox(key="url_ae_by").value == "rating"
    assert any("The 28 footprints of the unpublished middle were" in m.value for m in at.markdown)
    chart = ae_chart(at)
    assert len(chart["data"]) == 4 + 2  # four rating groups, England, the 95% standard
    table = ae_table(at).set_index("Group")
    assert table.loc["Top: Outstanding", "Footprints"] == 5
    assert table.loc["Top: Outstanding", "Footprints with 4-hour data"] == "4 of 5 in 49 months (May 2019 – May 2023)"
    assert table.loc["England", "Footprints"] == 44
    captions = " ".join(c.value for c in at.caption).replace("\\", "")  # markdown escapes removed
    assert "provider-based" in captions and "Burton" in captions and "Frimley" in captions
    assert "never an average of percentages" in captions


def test_progress_groups_ae_by_ics_wave_from_the_url():
    at = deep_link("pages/progress.py", {"ae_by": "wave"})
    assert at.selectbox(key="url_ae_by").value == "wave"
    assert any(m.value.startswith("From 2016/17 to the latest 12 months") for m in at.markdown)
    table = ae_table(at)
    assert table["Group"].tolist()[0] == "ICS in 2017 or earlier" and table["Footprints"].iloc[:-1].sum() == 44
    assert any("ICS wave: the year the whole footprint" in c.value for c in at.caption)


@pytest.mark.parametrize("bad", ["garbage", "<script>alert(1)</script>", ""])
def test_progress_bad_ae_by_falls_back_to_the_rating(bad):
    at = deep_link("pages/progress.py", {"ae_by": bad})
    assert at.selectbox(key="url_ae_by").value == "rating"
    assert HEADING in [h.value for h in at.header]
