"""Deep-link parsing and source links."""

from __future__ import annotations

import pytest

from stp_data.links import escape_markdown, parse_footprint_param, selected_location, selected_row, source_links

KNOWN = {"E54000034", "E54000005"}


@pytest.mark.parametrize(
    ("raw", "code", "notice_part"),
    [
        ("E54000034", "E54000034", None),
        (" e54000034 ", "E54000034", None),
        (["E54000005", "E54000034"], "E54000034", None),
        (None, None, None),
        ("", None, None),
        ("E54000099", None, "not one of the 44 STP footprints"),
        ("E99999999", None, "not a valid ONS STP code"),
        ("<script>alert(1)</script>", None, "code in this link is not"),
        ("[x](http://evil.example)", None, "code in this link is not"),
        ("E54" + "0" * 5000, None, "code in this link is not"),
    ],
)
def test_footprint_param(raw, code, notice_part):
    linked = parse_footprint_param(raw, KNOWN)
    assert linked.code == code
    if notice_part is None:
        assert linked.notice is None
    else:
        assert notice_part in linked.notice
        assert "<" not in linked.notice and "http" not in linked.notice


def test_source_links_split_only_between_urls():
    cell = "https://a.org/x (A, 1 Jan 2017); https://b.org/y (B; with a semicolon)"
    assert source_links(cell) == [("A, 1 Jan 2017", "https://a.org/x"), ("B; with a semicolon", "https://b.org/y")]
    assert source_links(None) == []
    assert source_links("javascript:alert(1) (x)") == []


def test_escape_markdown_shows_text_literally():
    assert escape_markdown("[a](b) *c*") == r"\[a\]\(b\) \*c\*"


def test_map_click_and_table_pick_give_the_footprint():
    click = {"selection": {"points": [{"location": "E54000020", "z": 1}], "point_indices": [0]}}
    assert selected_location(click) == "E54000020"
    assert selected_location({"selection": {"points": []}}) is None
    assert selected_location(None) is None
    assert selected_row({"selection": {"rows": [3], "columns": []}}) == 3
    assert selected_row({"selection": {"rows": []}}) is None


@pytest.mark.parametrize(
    ("base", "page", "params", "expected"),
    [
        (
            "http://localhost:8501/footprint",
            "footprint",
            {"stp": "E54000034", "mode": "board"},
            "http://localhost:8501/footprint?stp=E54000034&mode=board",
        ),
        ("http://localhost:8501/", "", {"mode": "board", "other": "x"}, "http://localhost:8501/?mode=board"),
        (
            "https://nhs.example/stp/workforce",
            "workforce",
            {"measure": "gp_fte_per100k", "period": "September 2018"},
            "https://nhs.example/stp/workforce?measure=gp_fte_per100k&period=September+2018",
        ),
        (None, "sources", {}, "http://localhost:8501/sources"),
    ],
)
def test_share_url(base, page, params, expected):
    from stp_data.links import share_url

    assert share_url(base, page, params) == expected
