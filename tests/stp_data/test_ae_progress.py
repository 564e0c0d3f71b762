"""A&E type-1 4-hour performance per group of footprints: ratios of summed counts, gaps, windows, headlines."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from stp_data import ae_progress as ae
from stp_data.metrics import ratio_of_sums_by_period

FRIMLEY = "E54000034"


def counts(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """Tidy metrics from (code, period, within, reported) rows: both measures, as the bundle holds them."""
    out = []
    for code, period, within, reported in rows:
        end = pd.Period(period, freq="M").to_timestamp(how="end").strftime("%Y-%m-%d")
        for measure, value in ((ae.WITHIN, within), (ae.REPORTED, reported)):
            out.append({"code": code, "measure": measure, "period": period, "period_end": end, "value": value})
    return pd.DataFrame(out)


def months(first: str, last: str) -> list[str]:
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def test_a_group_month_is_the_ratio_of_its_summed_counts():
    metrics = counts([("A", "2016-04", 900, 1000), ("B", "2016-04", 150, 200), ("C", "2016-04", 10, 10)])
    series = ae.group_series(metrics, {"A": "g", "B": "g", "C": "h"})
    row = series[(series["group"] == "g") & (series["period"] == "2016-04")].iloc[0]
    assert row["within"] == 1050 and row["reported"] == 1200 and row["footprints"] == 2 and row["members"] == 2
    assert row["value"] == pytest.approx(100 * 1050 / 1200)


def test_a_group_is_not_the_average_of_its_footprints_percentages():
    # A big footprint at 90% and a small one at 50%: the mean of percentages says 70%, the patients say 86.4%.
    metrics = counts([("BIG", "2016-04", 9000, 10000), ("SMALL", "2016-04", 500, 1000)])
    value = ae.group_series(metrics, {"BIG": "g", "SMALL": "g"})["value"].iloc[0]
    assert value == pytest.approx(100 * 9500 / 11000)
    assert value != pytest.approx((90 + 50) / 2)


def test_england_matches_the_catalogue_rule():
    metrics = counts([("A", "2016-04", 90, 100), ("B", "2016-04", 40, 80), ("A", "2016-05", 70, 100)])
    england = ae.england_series(metrics).set_index("period")["value"]
    expected = ratio_of_sums_by_period(metrics, ae.WITHIN, ae.REPORTED, 100.0)
    assert england.to_dict() == pytest.approx(expected)


def test_frimleys_gap_months_reduce_the_groups_footprint_count_and_leave_it_out():
    rows = [("E54000041", p, 80, 100) for p in ("2019-04", "2019-05", "2019-06")]
    rows += [(FRIMLEY, "2019-04", 50, 100)]  # no 4-hour rows from May 2019 (field-test site)
    series = ae.group_series(counts(rows), {FRIMLEY: "top", "E54000041": "top"}).set_index("period")
    assert series["footprints"].to_dict() == {"2019-04": 2, "2019-05": 1, "2019-06": 1}
    assert (series["members"] == 2).all()
    assert series.at["2019-05", "value"] == pytest.approx(80.0)  # the other footprint alone, nothing filled in
    assert ae.coverage(series.reset_index()) == "1 of 2 in 2 months (May 2019 – Jun 2019)"


def test_a_group_with_no_data_in_a_month_has_no_value_not_zero():
    rows = [("E54000041", p, 80, 100) for p in ("2019-04", "2019-05")] + [(FRIMLEY, "2019-04", 50, 100)]
    series = ae.group_series(counts(rows), {FRIMLEY: "alone", "E54000041": "other"})
    alone = series[series["group"] == "alone"].set_index("period")
    assert alone.at["2019-05", "footprints"] == 0 and math.isnan(alone.at["2019-05", "value"])


def test_windows_are_the_two_financial_years_and_the_latest_twelve_months():
    spans = ae.windows(months("2016-04", "2026-02"))
    assert [(w.key, w.first, w.last) for w in spans] == [
        ("2016/17", "2016-04", "2017-03"),
        ("2019/20", "2019-04", "2020-03"),
        ("latest", "2025-03", "2026-02"),
    ]
    assert spans[-1].label == "Mar 2025 – Feb 2026"


def test_twelve_month_figures_sum_the_counts_not_the_monthly_percentages():
    rows = [("A", p, 900, 1000) for p in months("2016-04", "2016-05")]
    rows += [("A", p, 10, 100) for p in months("2016-06", "2017-03")]
    spans = (ae.financial_year("2016/17"),)
    summary = ae.window_summary(ae.group_series(counts(rows), {"A": "g"}), spans)
    assert summary["value"].iloc[0] == pytest.approx(100 * (2 * 900 + 10 * 10) / (2 * 1000 + 10 * 100))


def ratings_frame(middle_latest: float) -> tuple[pd.DataFrame, tuple[ae.Window, ...]]:
    """Top 90% -> 70%, bottom 80% -> 60%, the middle 80% -> `middle_latest` (2016/17 vs latest 12 months)."""
    spans = (ae.financial_year("2016/17"), ae.Window(ae.LATEST, "Apr 2024 – Mar 2025", "2024-04", "2025-03"))
    groups = {"T": ae.RATING_TOP, "M": ae.RATING_UNPUBLISHED, "B": ae.RATING_BOTTOM}
    start = {"T": 90, "M": 80, "B": 80}
    end = {"T": 70, "M": middle_latest, "B": 60}
    rows = [(c, p, start[c] * 10, 1000) for c in groups for p in months("2016-04", "2017-03")]
    rows += [(c, p, end[c] * 10, 1000) for c in groups for p in months("2024-04", "2025-03")]
    series = ae.group_series(counts(rows), groups, ae.RATING_ORDER)
    return ae.window_summary(series, spans), spans


def test_the_headline_says_the_middle_moved_toward_the_top_when_it_did():
    summary, spans = ratings_frame(middle_latest=68.0)
    text = ae.rating_headline(summary, spans)
    assert "90.0% in 2016/17" in text and "80.0%, a gap of 10.0 points" in text
    assert "70.0% and 60.0%, a gap of 10.0 points (about the same)" in text
    assert "10.0 points behind the top in 2016/17 and 2.0 points behind the top" in text
    assert "the middle moved toward the top by 8.0 points" in text


def test_the_headline_says_the_middle_did_not_move_when_it_fell_back():
    summary, spans = ratings_frame(middle_latest=55.0)
    text = ae.rating_headline(summary, spans)
    assert "15.0 points behind the top in the latest 12 months" in text
    assert "the middle did not move toward the top (it fell back by 5.0 points)" in text
    assert text != ae.rating_headline(*ratings_frame(middle_latest=68.0))


def test_the_headline_names_a_middle_that_overtook_the_top():
    summary, spans = ratings_frame(middle_latest=72.0)
    assert "2.0 points ahead of the top in the latest 12 months" in ae.rating_headline(summary, spans)


def test_the_headline_admits_missing_groups():
    summary, spans = ratings_frame(middle_latest=68.0)
    text = ae.rating_headline(summary[summary["group"] != ae.RATING_BOTTOM], spans)
    assert text.startswith("A&E type-1 4-hour performance by July 2017 rating:") and "see the table" in text


def test_rating_groups_merge_the_named_middle_and_keep_the_unpublished_apart():
    profiles = pd.DataFrame(
        {
            "code": ["a", "b", "c", "d", "e"],
            "rating_group": [
                "Outstanding",
                "Advanced",
                "Making progress",
                "Middle: rating not published",
                "Needs most improvement",
            ],
        }
    )
    assert ae.rating_groups(profiles) == {
        "a": ae.RATING_TOP,
        "b": ae.RATING_NAMED_MIDDLE,
        "c": ae.RATING_NAMED_MIDDLE,
        "d": ae.RATING_UNPUBLISHED,
        "e": ae.RATING_BOTTOM,
    }


def test_waves_are_the_year_the_whole_footprint_became_an_ics():
    profiles = pd.DataFrame(
        {
            "code": ["gm", "a", "b", "c"],
            "name": ["Greater Manchester", "A", "B", "C"],
            "ics_date": pd.to_datetime(["2016-04-01", "2017-06-19", "2020-12-08", None]),
        }
    )
    waves = ae.ics_waves(profiles)
    assert waves == {"gm": ae.FIRST_WAVE, "a": ae.FIRST_WAVE, "b": "ICS in 2020", "c": ae.NO_WAVE}
    assert ae.wave_order(waves) == [ae.FIRST_WAVE, "ICS in 2020", ae.NO_WAVE]
    rule = ae.wave_rule(profiles)
    assert "Greater Manchester (designated before 2017)" in rule and "C: only part designated" in rule


def test_the_wave_headline_compares_the_earliest_and_latest_waves():
    spans = (ae.financial_year("2016/17"), ae.Window(ae.LATEST, "Apr 2024 – Mar 2025", "2024-04", "2025-03"))
    groups = {"E": ae.FIRST_WAVE, "L": "ICS in 2021"}
    rows = [(c, p, 900, 1000) for c in groups for p in months("2016-04", "2017-03")]
    rows += [("E", p, 800, 1000) for p in months("2024-04", "2025-03")]
    rows += [("L", p, 600, 1000) for p in months("2024-04", "2025-03")]
    metrics = counts(rows)
    series = ae.group_series(metrics, groups)
    text = ae.wave_headline(ae.window_summary(series, spans), ae.england_series(metrics), spans)
    assert "fell by 20.0 points in England" in text and "ICS in 2017 or earlier −10.0; ICS in 2021 −30.0" in text
    assert (
        "The earliest wave (ICS in 2017 or earlier) −10.0 points against −30.0 for the latest (ICS in 2021): 20.0"
        in text
    )
    assert text.endswith("points better.")


def test_the_bundled_data_gives_four_rating_groups_and_frimleys_gap(bundle_and_profiles):
    bundle, profiles = bundle_and_profiles
    series = ae.group_series(bundle.metrics, ae.rating_groups(profiles), ae.RATING_ORDER)
    assert list(dict.fromkeys(series["group"])) == list(ae.RATING_ORDER)
    assert series["period"].nunique() == 119
    top = series[series["group"] == ae.RATING_TOP].set_index("period")
    assert top.at["2019-04", "footprints"] == 5 and top.at["2019-05", "footprints"] == 4
    assert top.at["2023-05", "footprints"] == 4 and top.at["2023-06", "footprints"] == 5
    assert int((top["footprints"] < 5).sum()) == 49


@pytest.fixture(scope="module")
def bundle_and_profiles():
    from stp_data.loading import load_bundle
    from stp_data.profiles import footprint_profiles

    bundle = load_bundle()
    return bundle, footprint_profiles(bundle)
