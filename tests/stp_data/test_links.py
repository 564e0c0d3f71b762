"""Deep-link parsing and source links."""

from __future__ import annotations

import pytest

from stp_data import links
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
    # A publisher named after a separator (the designations table's 2020 wave): no stray "; " in the label.
    assert source_links("http://p.com/n ; HSJ newsletter copy (quoted)") == [
        ("HSJ newsletter copy (quoted)", "http://p.com/n")
    ]


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


MONTHS = {f"{year}-{month:02d}" for year in range(2016, 2027) for month in range(1, 13)}


@pytest.mark.parametrize(
    ("raw", "months", "noticed"),
    [
        (None, None, False),  # absent: the defaults
        ("", None, False),
        ("none", (), False),  # one set of limits, chosen
        ("NONE", (), False),
        ("2018-07", ("2018-07",), False),  # an old link: now "only July 2018"
        ("2021-07,2020-03", ("2020-03", "2021-07"), False),  # sorted
        ("2020-03, 2020-03", ("2020-03",), False),  # repeats dropped, spaces allowed
        (["2019-05", "2020-03"], ("2020-03",), False),  # a repeated parameter: the last
        ("garbage,2099-01", None, True),  # nothing usable: the defaults, with a notice
        ("2020-03,2099-01", ("2020-03",), True),  # unknown month ignored, with a notice
        ("2020-13,2020-3", None, True),
    ],
)
def test_recalc_param(raw, months, noticed):
    choice = links.parse_recalc_param(raw, MONTHS)
    assert choice.months == months
    assert (choice.notice is not None) == noticed


def test_recalc_notice_echoes_only_safe_text():
    notice = links.parse_recalc_param("garbage,2099-01", MONTHS).notice
    assert "“garbage”" in notice and "“2099-01”" in notice and "default" in notice
    hostile = links.parse_recalc_param("<script>alert(1)</script>,2020-03", MONTHS)
    assert hostile.months == ("2020-03",) and "<" not in hostile.notice and "1 value(s)" in hostile.notice
    many = links.parse_recalc_param(",".join(["2020-03"] * 100), None)
    assert many.months == ("2020-03",) and many.notice is not None


def test_recalc_param_written_back():
    assert links.format_recalc_param(None) is None
    assert links.format_recalc_param((), ("2020-03",)) == "none"
    assert links.format_recalc_param(["2021-07", "2020-03"], ("2020-03",)) == "2020-03,2021-07"
    assert links.format_recalc_param(["2020-03"], ("2020-03",)) is None  # the defaults: no parameter
    for months in [("2020-03", "2021-07"), ()]:
        assert links.parse_recalc_param(links.format_recalc_param(months, ("2019-05",)), MONTHS).months == months
