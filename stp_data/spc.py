"""Statistical process control as NHS England's Making Data Count (MDC) reads it: XmR charts, rules, icons.

Pure: no Streamlit, no charts. Hand-written rather than a library: the Python SPC packages found (pyspc-style
control-chart kits, `controlcharts`, `clinical-qikit`, `abspc`, ...) are either unmaintained, general Shewhart
kits without MDC's rules and icons, or young single-author releases; the rules here are short, and each is tested
against a series built to trigger exactly it. The reference is the NHS-R community's R package NHSRplotthedots
(ptd_spc_standard.R, ptd_calculate_point_type.R, ptd_calculate_assurance_type.R), read for the rules below.

- Centre = mean; moving range = |x[i] - x[i-1]|; process limits = mean +/- 2.66 x mean moving range.
- A break (e.g. Burton's move in July 2018, or the start of each winter) starts a new segment: its own mean,
  moving ranges and limits, and no rule looks across it.
- Special cause, within a segment:
  * outside: a point above the upper or below the lower process limit;
  * shift: a run of 7 or more consecutive points on the same side of the mean (a point on the mean ends a run);
  * trend: a run of 7 or more consecutive points each higher (or each lower) than the one before, i.e. 6 or more
    consecutive increases (NHSRplotthedots counts 7 points; an equal pair ends the run); every point of the run
    is marked;
  * two in three: in 3 consecutive points all on the same side of the mean, at least 2 lie beyond two-thirds of
    the distance from the mean to the limit on that side (and not beyond the limit itself, which is already
    "outside"); those close points are marked (NHSRplotthedots' ptd_two_in_three).
- Improvement or concern from the measure's polarity, neutral (high/low) when it has none. A point marked only by
  a trend takes the trend's direction (an upward run is an upward signal even below the mean; NHSRplotthedots
  uses the side of the mean instead); any other special point takes its side of the mean.
- Variation icon: the latest point's type (as NHSRplotthedots and the MDC tool do). Assurance icon: the latest
  segment's limits against the target (none without a target or for a neutral measure).
- Trial limits: a segment of fewer than 12 points keeps its limits, marked `trial` (NHSRplotthedots warns that
  limits from so few points are trial limits and may change as points are added).
- A gap in a monthly or weekly series (a month or week with no figure) is a break: the moving range across it is
  never used, and charts never join the points either side (`gap_starts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

LIMIT_SIGMA = 2.66  # 3 sigma, sigma estimated as mean moving range / 1.128
NEAR_FRACTION = 2 / 3
RUN_POINTS = 7  # shift and trend both need 7 points
POLARITIES = ("higher_is_better", "lower_is_better", "neutral")
TRIAL_POINTS = 12  # fewer points in a segment: trial limits (NHSRplotthedots' convention)
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")

COMMON = "common_cause"
IMPROVEMENT_HIGH, IMPROVEMENT_LOW = "improvement_high", "improvement_low"
CONCERN_HIGH, CONCERN_LOW = "concern_high", "concern_low"
NEUTRAL_HIGH, NEUTRAL_LOW = "neutral_high", "neutral_low"
PASS, FAIL, HIT_AND_MISS = "consistently_pass", "consistently_fail", "hit_and_miss"


@dataclass(frozen=True)
class Icon:
    key: str
    label: str  # short, for a badge or a table
    badge: str  # one or two characters drawn inside the badge
    meaning: str  # one plain-English sentence


VARIATION_ICONS = {
    COMMON: Icon(
        COMMON,
        "Common cause",
        "~",
        "Common cause variation: the latest point is within the range this process normally produces, "
        "with no sign of change.",
    ),
    IMPROVEMENT_HIGH: Icon(
        IMPROVEMENT_HIGH,
        "Improvement (high)",
        "H",
        "Special cause improvement: the latest point is part of an unusual pattern above the usual level, "
        "and higher is better.",
    ),
    IMPROVEMENT_LOW: Icon(
        IMPROVEMENT_LOW,
        "Improvement (low)",
        "L",
        "Special cause improvement: the latest point is part of an unusual pattern below the usual level, "
        "and lower is better.",
    ),
    CONCERN_HIGH: Icon(
        CONCERN_HIGH,
        "Concern (high)",
        "H",
        "Special cause concern: the latest point is part of an unusual pattern above the usual level, "
        "and higher is worse.",
    ),
    CONCERN_LOW: Icon(
        CONCERN_LOW,
        "Concern (low)",
        "L",
        "Special cause concern: the latest point is part of an unusual pattern below the usual level, "
        "and lower is worse.",
    ),
    NEUTRAL_HIGH: Icon(
        NEUTRAL_HIGH,
        "Special cause (high)",
        "H",
        "Special cause variation: the latest point is part of an unusual pattern above the usual level; "
        "neither direction is better.",
    ),
    NEUTRAL_LOW: Icon(
        NEUTRAL_LOW,
        "Special cause (low)",
        "L",
        "Special cause variation: the latest point is part of an unusual pattern below the usual level; "
        "neither direction is better.",
    ),
}
ASSURANCE_ICONS = {
    PASS: Icon(
        PASS,
        "Consistently passing",
        "P",
        "Consistently passing: the target lies beyond the process limits on the good side, so every point can be "
        "expected to meet it unless the process changes.",
    ),
    FAIL: Icon(
        FAIL,
        "Consistently failing",
        "F",
        "Consistently failing: the target lies beyond the process limits on the wrong side, so it will not be met "
        "unless the process changes.",
    ),
    HIT_AND_MISS: Icon(
        HIT_AND_MISS,
        "Hit and miss",
        "?",
        "Hit and miss: the target lies between the process limits, so the process will sometimes meet it and "
        "sometimes not.",
    ),
}
# Small multiples put the footprints a board must look at first.
VARIATION_ORDER = (CONCERN_HIGH, CONCERN_LOW, IMPROVEMENT_HIGH, IMPROVEMENT_LOW, NEUTRAL_HIGH, NEUTRAL_LOW, COMMON)
POINT_COLUMNS = [
    "period",
    "value",
    "flagged",
    "segment",
    "mean",
    "lower",
    "upper",
    "outside",
    "shift",
    "trend",
    "two_in_three",
    "special",
    "point_type",
    "trial",
]


@dataclass(frozen=True)
class SpcResult:
    """One XmR chart's numbers: a row per point (POINT_COLUMNS) and the series' two icons."""

    points: pd.DataFrame
    polarity: str
    target: float | None
    variation: str
    assurance: str | None

    @property
    def variation_icon(self) -> Icon:
        return VARIATION_ICONS[self.variation]

    @property
    def assurance_icon(self) -> Icon | None:
        return None if self.assurance is None else ASSURANCE_ICONS[self.assurance]

    def summary(self) -> str:
        """The icons' meanings in plain English, for a caption or a text alternative."""
        parts = [self.variation_icon.meaning]
        if self.assurance_icon is not None:
            parts.append(self.assurance_icon.meaning)
        return " ".join(parts)


def xmr(
    series: pd.DataFrame,
    *,
    polarity: str = "neutral",
    target: float | None = None,
    breaks: Iterable[str] = (),
) -> SpcResult:
    """XmR chart of `series` (columns period, value, optional flagged), in the order given (oldest first).

    `breaks`: periods at which the limits are recalculated (each starts a new segment). Flagged points (a missing
    or partial return) stay in the calculation as published and keep their flag for the chart to mark.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    if series.empty:
        raise ValueError("an XmR chart needs at least one point")
    if series["value"].isna().any():
        raise ValueError("an XmR chart needs a value at every point: drop unpublished periods first")
    points = pd.DataFrame(
        {
            "period": series["period"].astype(str).to_numpy(),
            "value": series["value"].astype(float).to_numpy(),
            "flagged": (series["flagged"].fillna(False).astype(bool).to_numpy() if "flagged" in series else False),
        }
    )
    starts = set(breaks)
    unknown = starts - set(points["period"])
    if unknown:
        raise ValueError(f"break periods not in the series: {sorted(unknown)}")
    # Segments count from 0; a break at the first point changes nothing.
    points["segment"] = points["period"].isin(starts).cumsum()
    points["segment"] -= points["segment"].iloc[0]
    segments = [_segment(group, polarity) for _, group in points.groupby("segment", sort=True)]
    points = pd.concat(segments)[POINT_COLUMNS].reset_index(drop=True)
    return SpcResult(
        points=points,
        polarity=polarity,
        target=None if target is None or pd.isna(target) else float(target),
        variation=points["point_type"].iloc[-1],
        assurance=assurance(points, polarity, target),
    )


def _segment(points: pd.DataFrame, polarity: str) -> pd.DataFrame:
    y = points["value"].to_numpy(dtype=float)
    mean = float(y.mean())
    mean_mr = float(np.abs(np.diff(y)).mean()) if len(y) > 1 else float("nan")
    upper, lower = mean + LIMIT_SIGMA * mean_mr, mean - LIMIT_SIGMA * mean_mr
    outside = (y > upper) | (y < lower)
    side = np.sign(y - mean).astype(int)
    near = NEAR_FRACTION * LIMIT_SIGMA * mean_mr
    close = ~outside & ((y > mean + near) | (y < mean - near))
    shift = runs_on_one_side(side)
    trend, direction = trends(y)
    two = two_in_three(close, side)
    special = outside | shift | trend | two
    # The direction of a special point: its side of the mean, or the trend's direction if only a trend marks it.
    sense = np.where(trend & ~(outside | shift | two), direction, np.where(side == 0, 1, side))
    return points.assign(
        mean=mean,
        lower=lower,
        upper=upper,
        outside=outside,
        shift=shift,
        trend=trend,
        two_in_three=two,
        special=special,
        point_type=[_point_type(s, d, polarity) for s, d in zip(special, sense, strict=True)],
        trial=len(y) < TRIAL_POINTS,
    )


def _point_type(special: bool, sense: int, polarity: str) -> str:
    if not special:
        return COMMON
    high = sense > 0
    if polarity == "neutral":
        return NEUTRAL_HIGH if high else NEUTRAL_LOW
    good = high == (polarity == "higher_is_better")
    if good:
        return IMPROVEMENT_HIGH if high else IMPROVEMENT_LOW
    return CONCERN_HIGH if high else CONCERN_LOW


def _mark_runs(keys: Sequence[int], length: int) -> np.ndarray:
    """True for every element of a run of `length` or more equal, non-zero keys."""
    marked = np.zeros(len(keys), dtype=bool)
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if keys[start] != 0 and i - start >= length:
                marked[start:i] = True
            start = i
    return marked


def runs_on_one_side(side: Sequence[int], length: int = RUN_POINTS) -> np.ndarray:
    """Shift: points in a run of `length` or more on one side of the mean (side = sign of value - mean)."""
    return _mark_runs(list(side), length)


def trends(y: Sequence[float], length: int = RUN_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Trend: points in a run of `length` or more points each above (or each below) the one before.

    Returns (marked, direction): direction +1 for a rising run, -1 for a falling one, 0 elsewhere.
    """
    values = np.asarray(y, dtype=float)
    marked = np.zeros(len(values), dtype=bool)
    direction = np.zeros(len(values), dtype=int)
    steps = np.sign(np.diff(values)).astype(int)
    start = 0  # index into steps
    for i in range(1, len(steps) + 1):
        if i == len(steps) or steps[i] != steps[start]:
            # steps[start:i] are i - start equal steps joining i - start + 1 points
            if len(steps) and steps[start] != 0 and i - start + 1 >= length:
                marked[start : i + 1] = True
                direction[start : i + 1] = steps[start]
            start = i
    return marked, direction


def two_in_three(close: Sequence[bool], side: Sequence[int]) -> np.ndarray:
    """Close points in any 3 consecutive points that are all on one side, 2 or more of them close to the limit."""
    near = np.asarray(close, dtype=bool)
    sides = np.asarray(side, dtype=int)
    marked = np.zeros(len(near), dtype=bool)
    for i in range(len(near) - 2):
        window = slice(i, i + 3)
        if abs(int(sides[window].sum())) == 3 and int(near[window].sum()) >= 2:
            marked[window] |= near[window]
    return marked


def assurance(points: pd.DataFrame, polarity: str, target: float | None) -> str | None:
    """Whether the latest segment's process will meet the target: by where the target lies against the limits."""
    if target is None or pd.isna(target) or polarity == "neutral":
        return None
    last = points.iloc[-1]
    if pd.isna(last["upper"]):
        return None
    higher_better = polarity == "higher_is_better"
    if target > last["upper"]:
        return FAIL if higher_better else PASS
    if target < last["lower"]:
        return PASS if higher_better else FAIL
    return HIT_AND_MISS


def segments(points: pd.DataFrame) -> pd.DataFrame:
    """One row per segment of an SpcResult's points: segment, first and last period, points, trial."""
    grouped = points.groupby("segment", sort=True)
    return pd.DataFrame(
        {
            "first": grouped["period"].first(),
            "last": grouped["period"].last(),
            "points": grouped.size(),
            "trial": grouped["trial"].first(),
        }
    ).reset_index()


def variation_rank(variation: str) -> int:
    """Position in the small multiples: concern first, then improvement, then neutral signals, then common cause."""
    return VARIATION_ORDER.index(variation)


# ---------------------------------------------------------------- winters


def winter_of(day: pd.Timestamp | str) -> str:
    """The winter a date belongs to, e.g. 2017-01-08 -> '2016/17' (July to June, so a winter is never split)."""
    date = pd.Timestamp(day)
    first = date.year if date.month >= 7 else date.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def winters(series: pd.DataFrame, date_column: str = "period_end") -> dict[str, pd.DataFrame]:
    """A weekly series split into its winters, oldest first: limits are set within each, never across."""
    labels = series[date_column].map(winter_of)
    return {label: part.reset_index(drop=True) for label, part in series.groupby(labels, sort=True)}


def winter_breaks(series: pd.DataFrame, date_column: str = "period_end") -> list[str]:
    """The first period of each winter after the first: pass as `breaks` to chart the winters side by side."""
    ordered = series.sort_values(date_column)
    labels = ordered[date_column].map(winter_of)
    starts = ordered.loc[labels.ne(labels.shift()), "period"].astype(str).tolist()
    return starts[1:]


# ---------------------------------------------------------------- gaps


def _ordinal(period: str) -> int | None:
    """A month's or an ISO week's position on its own scale (months since year 0, weeks since 1 Jan year 1)."""
    if MONTH.match(period):
        return int(period[:4]) * 12 + int(period[5:7]) - 1
    if WEEK.match(period):
        try:
            return date.fromisocalendar(int(period[:4]), int(period[6:8]), 1).toordinal() // 7
        except ValueError:  # week 53 of a year without one
            return None
    return None


def gap_starts(periods: Sequence[str]) -> list[str]:
    """The periods of a monthly (YYYY-MM) or weekly (YYYY-Www) series, oldest first, that follow a gap: more than
    one month (or week) after the period before. A gap is a break (limits never span it) and the line is never
    drawn across it. Other period formats (years, quarters, a user's labels) have no gaps found here."""
    steps = [_ordinal(str(p)) for p in periods]
    if not steps or any(s is None for s in steps) or len({bool(MONTH.match(str(p))) for p in periods}) > 1:
        return []
    return [str(periods[i]) for i in range(1, len(steps)) if steps[i] - steps[i - 1] > 1]


def is_monthly(periods: Iterable[str]) -> bool:
    listed = [str(p) for p in periods]
    return bool(listed) and all(MONTH.match(p) for p in listed)
