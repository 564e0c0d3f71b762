"""Compare's figures: the spine chart's markers, shapes and row labels; the A&E trends' gaps; text escaped."""

from __future__ import annotations

import pytest

from charts import compare as compare_charts
from charts import spine
from charts.style import for_board
from settings import BOARD_MIN_FONT_PX
from stp_data import compare, emergency
from stp_data.loading import load_bundle

FOUR = ("E54000033", "E54000034", "E54000007", "E54000013")
NAMES = {"E54000033": "Sussex and East Surrey", "E54000034": "Frimley", "E54000007": "Greater Manchester"}
HOSTILE = "<b onmouseover=alert(1)>Evil</b> & Co"


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


@pytest.fixture(scope="module")
def rows(bundle):
    return compare.spine_rows(bundle.metrics, bundle.measures, FOUR)


def test_one_marker_per_footprint_per_measure_with_data(rows):
    fig = spine.spine_chart(rows, FOUR, NAMES)
    ranked = rows[rows["ranked"]]
    assert spine.marker_counts(fig) == {code: len(ranked) for code in FOUR}
    names = [t.name for t in fig.data if str(t.meta).startswith("footprint:")]
    assert names == ["Sussex and East Surrey", "Frimley", "Greater Manchester", "E54000013"]  # the legend names them


def test_each_footprint_has_its_own_shape_and_colour(rows):
    fig = spine.spine_chart(rows, FOUR, NAMES)
    symbols = spine.marker_symbols(fig)
    assert len(set(symbols.values())) == len(FOUR)
    colours = {t.marker.color for t in fig.data if str(t.meta).startswith("footprint:")}
    assert len(colours) == len(FOUR)
    six = tuple(f"E540000{n}" for n in range(10, 16))
    assert (
        len(set(spine.marker_symbols(spine.spine_chart(compare.spine_rows(*_inputs(rows), six), six, {})).values()))
        == 6
    )


def _inputs(rows):
    bundle = load_bundle()
    return bundle.metrics, bundle.measures


def test_row_labels_carry_units_and_periods_and_finance_is_not_drawn(rows):
    fig = spine.spine_chart(rows, FOUR, NAMES)
    labels = spine.row_labels(fig)
    ranked = rows[rows["ranked"]]
    assert len(labels) == len(ranked)
    assert labels[0] == "<b>GPs (headcount)</b><br>per 100,000 · September 2018"
    assert "<b>A&amp;E within 4 hours (type 1)</b><br>% · Feb 2026" in labels
    assert any("week 9, 2019 · centre: median" in label for label in labels)
    assert not any("deficit" in label.lower() for label in labels)


def test_the_range_the_middle_half_and_england_are_drawn(rows):
    fig = spine.spine_chart(rows, FOUR, NAMES)
    by_meta = {t.meta: t for t in fig.data}
    ranked = rows[rows["ranked"]]
    assert len(by_meta["range"].x) == len(by_meta["middle"].x) == len(ranked)
    assert all(r >= m for r, m in zip(by_meta["range"].x, by_meta["middle"].x, strict=True))
    assert list(by_meta["centre"].x) == [0, 0]
    hover = " ".join(by_meta["footprint:E54000034"].hovertext)
    assert "worse than England (higher is better)" in hover
    assert set(by_meta["footprint:E54000034"].text) <= {"▲", "▼", ""}


def test_not_published_has_no_marker_and_says_so(bundle):
    metrics = bundle.metrics[
        ~((bundle.metrics["code"] == "E54000034") & (bundle.metrics["measure"] == "gp_fte_per100k"))
    ]
    rows = compare.spine_rows(metrics, bundle.measures, FOUR)
    fig = spine.spine_chart(rows, FOUR, NAMES)
    counts = spine.marker_counts(fig)
    assert counts["E54000034"] == counts["E54000033"] - 1
    texts = [a.text for a in fig.layout.annotations if a.name == "not-published"]
    assert texts == ["not published: Frimley"]


def test_names_are_escaped(rows):
    fig = spine.spine_chart(rows, FOUR, {**NAMES, "E54000034": HOSTILE})
    trace = next(t for t in fig.data if t.meta == "footprint:E54000034")
    assert "<b onmouseover" not in trace.name and "&lt;b onmouseover=alert(1)&gt;" in trace.name
    assert all("<b onmouseover" not in h for h in trace.hovertext)


def test_all_measures_fit_a_laptop_screen_and_a_board_reads_18px(rows):
    fig = spine.spine_chart(rows, FOUR, NAMES)
    assert fig.layout.height <= 620  # with the page title above it, inside 720 px
    board = for_board(fig)
    assert board.layout.yaxis.tickfont.size >= BOARD_MIN_FONT_PX
    assert all(a.font.size >= BOARD_MIN_FONT_PX for a in board.layout.annotations)


def test_trends_leave_frimleys_missing_months_as_a_gap(bundle):
    trends = compare.footprint_trends(bundle.metrics, emergency.AE_PCT, FOUR)
    england = emergency.england_series(bundle.metrics, bundle.measures, emergency.AE_PCT)
    fig = compare_charts.ae_trends(trends, england, FOUR, NAMES)
    frimley = next(t for t in fig.data if t.meta == "footprint:E54000034")
    assert frimley.connectgaps is False
    assert sum(v is None for v in frimley.y) == 49
    assert [t.meta for t in fig.data][-2:] == ["england", "standard"]
    symbols = {t.marker.symbol for t in fig.data if str(t.meta).startswith("footprint:")}
    assert len(symbols) == 4


def test_journeys_keep_the_comparisons_order(bundle):
    from stp_data import journey
    from stp_data.profiles import designations, footprint_profiles

    profiles = footprint_profiles(bundle)
    table = designations(bundle)
    paths, steps = journey.journeys(table, profiles), journey.milestones(table, bundle.codes)
    fig = compare_charts.journeys(paths, steps, FOUR, note="x")
    assert list(fig.layout.yaxis.categoryarray)[::-1][0] == "Sussex and East Surrey"
    assert len(fig.layout.yaxis.categoryarray) == 4
