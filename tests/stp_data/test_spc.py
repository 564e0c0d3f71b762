"""SPC rules (Making Data Count XmR): each rule triggered alone, limits by hand, icons, breaks, winters."""

from __future__ import annotations

import pandas as pd
import pytest

from stp_data import spc

RULES = ("outside", "shift", "trend", "two_in_three")


def series(values, flagged=None) -> pd.DataFrame:
    frame = pd.DataFrame({"period": [f"p{i:02d}" for i in range(len(values))], "value": values})
    if flagged is not None:
        frame["flagged"] = flagged
    return frame


def fired(result: spc.SpcResult) -> dict[str, list[int]]:
    p = result.points
    return {rule: p.index[p[rule]].tolist() for rule in RULES}


NONE = [10, 12] * 6
OUTSIDE = [10, 12, 10, 12, 10, 40, 12, 10, 12, -18, 12, 10, 12, 10]
SHIFT = [9, 13, 9, 13, 9, 13, 9, 13, 11.5, 12.5, 11.5, 12.5, 11.5, 12.5, 11.5, 9, 13, 9, 13, 9]
TREND = [12, 10, 12, 10, 12, 10, 10.1, 10.4, 10.7, 11.0, 11.3, 11.6, 11.9, 10, 12, 10, 12, 10]
TWO_IN_THREE = [10, 12, 10, 12, 10, 12, 16.2, 16.4, 10, 12, 10, 12, 10, 12, 10]


def test_limits_worked_by_hand():
    # mean 12; moving ranges 2, 1, 2, 1 -> mean 1.5; limits 12 +/- 2.66 x 1.5 = 8.01 and 15.99
    result = spc.xmr(series([10, 12, 11, 13, 14]))
    first = result.points.iloc[0]
    assert first["mean"] == pytest.approx(12.0)
    assert first["upper"] == pytest.approx(15.99)
    assert first["lower"] == pytest.approx(8.01)
    assert not result.points["special"].any()


@pytest.mark.parametrize(
    ("values", "rule", "points"),
    [
        (OUTSIDE, "outside", [5, 9]),
        (SHIFT, "shift", list(range(7, 15))),  # 13 at p07 is above the mean too: 8 points in the run
        (TREND, "trend", list(range(5, 13))),  # 10 -> 10.1 -> ... -> 11.9: 8 rising points
        (TWO_IN_THREE, "two_in_three", [6, 7]),
    ],
)
def test_each_rule_alone(values, rule, points):
    result = fired(spc.xmr(series(values)))
    assert result[rule] == points
    assert all(marked == [] for other, marked in result.items() if other != rule)


def test_a_plain_series_fires_no_rule():
    result = spc.xmr(series(NONE))
    assert fired(result) == {rule: [] for rule in RULES}
    assert result.variation == spc.COMMON


def test_six_points_are_not_a_shift_or_a_trend():
    assert not spc.runs_on_one_side([1, 1, 1, 1, 1, 1, -1]).any()
    assert spc.runs_on_one_side([1] * 7).all()
    assert not spc.trends([1, 2, 3, 4, 5, 6])[0].any()
    assert spc.trends([1, 2, 3, 4, 5, 6, 7])[0].all()
    # a point on the mean ends a run; an equal pair ends a trend
    assert not spc.runs_on_one_side([1, 1, 1, 0, 1, 1, 1]).any()
    assert not spc.trends([1, 2, 3, 3, 4, 5, 6])[0].any()


def test_two_in_three_needs_all_three_on_one_side():
    split = [10, 12, 10, 12, 10, 12, 16.2, 10, 16.4, 10, 12, 10, 12, 10, 12, 10]
    assert fired(spc.xmr(series(split)))["two_in_three"] == []


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [
        ("higher_is_better", spc.IMPROVEMENT_HIGH),
        ("lower_is_better", spc.CONCERN_HIGH),
        ("neutral", spc.NEUTRAL_HIGH),
    ],
)
def test_polarity_decides_improvement_or_concern(polarity, expected):
    values = [10, 12] * 6 + [40]  # the latest point far above the limit
    result = spc.xmr(series(values), polarity=polarity)
    assert result.points["point_type"].iloc[-1] == expected
    assert result.variation == expected
    assert result.variation_icon.meaning.endswith(".")


def test_low_special_cause_by_polarity():
    values = [10, 12] * 6 + [-20]
    assert spc.xmr(series(values), polarity="higher_is_better").variation == spc.CONCERN_LOW
    assert spc.xmr(series(values), polarity="lower_is_better").variation == spc.IMPROVEMENT_LOW
    assert spc.xmr(series(values), polarity="neutral").variation == spc.NEUTRAL_LOW


def test_a_falling_trend_is_concern_for_higher_is_better_even_above_the_mean():
    result = spc.xmr(series(TREND[::-1]), polarity="higher_is_better")
    trend = result.points.loc[result.points["trend"]]
    assert set(trend["point_type"]) == {spc.CONCERN_LOW}


@pytest.mark.parametrize(
    ("polarity", "target", "expected"),
    [
        ("higher_is_better", 95, spc.FAIL),  # limits about 5.7 to 16.3
        ("higher_is_better", 2, spc.PASS),
        ("higher_is_better", 11, spc.HIT_AND_MISS),
        ("lower_is_better", 95, spc.PASS),
        ("lower_is_better", 2, spc.FAIL),
        ("lower_is_better", 11, spc.HIT_AND_MISS),
        ("neutral", 95, None),
        ("higher_is_better", None, None),
    ],
)
def test_assurance(polarity, target, expected):
    result = spc.xmr(series(NONE), polarity=polarity, target=target)
    assert result.assurance == expected
    if expected is not None:
        assert result.assurance_icon.meaning in result.summary()


def test_limits_recalculated_from_a_break():
    values = [10, 12] * 6 + [20, 22] * 6
    whole = spc.xmr(series(values))
    split = spc.xmr(series(values), breaks=["p12"])
    assert whole.points["segment"].eq(0).all()
    assert split.points["segment"].tolist() == [0] * 12 + [1] * 12
    before, after = split.points.iloc[0], split.points.iloc[-1]
    assert (before["mean"], after["mean"]) == (pytest.approx(11.0), pytest.approx(21.0))
    # the moving range across the break (12 -> 20) is not used: each segment's mean moving range is 2
    assert after["upper"] == pytest.approx(21 + 2.66 * 2)
    assert not split.points["special"].any()
    assert whole.points["shift"].any()  # without the break the step is a shift
    with pytest.raises(ValueError, match="not in the series"):
        spc.xmr(series(values), breaks=["2018-07"])


def test_flagged_points_are_carried_not_dropped():
    flags = [False] * 11 + [True]
    result = spc.xmr(series(NONE, flagged=flags))
    assert result.points["flagged"].tolist() == flags
    assert len(result.points) == len(NONE)
    assert result.points["mean"].iloc[0] == pytest.approx(11.0)  # the flagged value still counts, as published


def test_missing_values_are_refused_not_filled():
    with pytest.raises(ValueError, match="value at every point"):
        spc.xmr(series([1.0, None, 3.0]))


def test_winters_are_split_and_each_starts_a_segment():
    ends = ["2016-12-11", "2017-03-05", "2017-11-26", "2018-03-04", "2018-12-09", "2019-03-03"]
    frame = pd.DataFrame({"period": [f"w{i}" for i in range(6)], "period_end": ends, "value": [1.0] * 6})
    assert spc.winter_of("2017-01-08") == "2016/17"
    assert spc.winter_of("2018-11-26") == "2018/19"
    assert list(spc.winters(frame)) == ["2016/17", "2017/18", "2018/19"]
    assert spc.winter_breaks(frame) == ["w2", "w4"]


def test_variation_order_puts_concern_first():
    ranks = sorted([spc.COMMON, spc.IMPROVEMENT_LOW, spc.CONCERN_LOW], key=spc.variation_rank)
    assert ranks == [spc.CONCERN_LOW, spc.IMPROVEMENT_LOW, spc.COMMON]


def test_short_segments_are_trial_limits():
    values = [10, 12] * 6 + [20, 22] * 3
    result = spc.xmr(series(values), breaks=["p12"])
    assert result.points["trial"].tolist() == [False] * 12 + [True] * 6  # 6 points: fewer than 12
    info = spc.segments(result.points)
    assert info[["first", "last", "points"]].values.tolist() == [["p00", "p11", 12], ["p12", "p17", 6]]
    assert info["trial"].tolist() == [False, True]
    assert not spc.xmr(series([10, 12] * 6)).points["trial"].any()


def test_a_gap_in_a_monthly_or_weekly_series_is_found():
    assert spc.gap_starts(["2019-03", "2019-04", "2023-06", "2023-07"]) == ["2023-06"]
    assert spc.gap_starts(["2019-12", "2020-01", "2020-02"]) == []  # across a new year: no gap
    assert spc.gap_starts(["2017-W52", "2018-W01", "2018-W09", "2018-W49"]) == ["2018-W09", "2018-W49"]
    assert spc.gap_starts(["2020-W53", "2021-W01"]) == []  # 2020 has a week 53
    # Other labels (years, a user's periods) and mixed formats: no gaps claimed.
    assert spc.gap_starts(["2016", "2018"]) == [] and spc.gap_starts(["2019-01", "2019-W05"]) == []
    assert spc.is_monthly(["2019-01", "2019-03"]) and not spc.is_monthly(["2019-W01"]) and not spc.is_monthly([])


def test_icons_are_read_at_the_latest_point():
    # A step up at the end: the last point's type is the variation, whatever came before.
    values = [10, 12] * 6 + [30]
    result = spc.xmr(series(values), polarity="higher_is_better")
    assert result.variation == result.points["point_type"].iloc[-1] == spc.IMPROVEMENT_HIGH
    calm = spc.xmr(series([10, 14] * 3 + [40] + [10, 14] * 6), polarity="higher_is_better")
    assert calm.points["point_type"].iloc[6] == spc.IMPROVEMENT_HIGH and calm.variation == spc.COMMON
