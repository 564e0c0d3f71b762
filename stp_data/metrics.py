"""Measures: one catalogue describes each (name, unit, polarity, source); tidy tables hold the values.

Every chart, gauge and table reads labels, units and polarity from the catalogue, so adding a
measure is adding a catalogue row and a data file.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from stp_data import schemas
from stp_data.errors import DataValidationError, Problem
from stp_data.tables import read_table

THEMES = ("workforce", "finance", "emergency care", "your data")
POLARITIES = ("higher_is_better", "lower_is_better", "neutral")
UNITS = ("per 100,000 population", "£ million", "£ per head", "FTE", "%", "count")
# ratio_of_sums: England = sum of the numerator measure over sum of the denominator measure (x 100 for a %),
# never an average of the footprints' percentages.
ENGLAND_METHODS = ("population_weighted", "ratio_of_sums", "none")
# Columns a catalogue may carry beyond the required ones; a user's upload builds only the required ones.
OPTIONAL_CATALOGUE_COLUMNS = ("target", "numerator", "denominator", "gauge")
METRIC_COLUMNS = ["code", "measure", "period", "period_end", "value", "population", "source"]


def catalogue_schema(*, optional: bool = False) -> pa.DataFrameSchema:
    """The catalogue's columns; with `optional`, also the columns a bundled catalogue may add (target etc.)."""
    text = pa.Column(str, nullable=True)
    extra = _optional_catalogue_columns() if optional else {}
    return pa.DataFrameSchema(
        {
            "measure": pa.Column(
                str, pa.Check.str_matches(r"^[a-z0-9_]+$", error="must be lower_snake_case"), unique=True
            ),
            "theme": pa.Column(str, pa.Check.isin(THEMES, error="must be one of: " + ", ".join(THEMES))),
            "name": pa.Column(str),
            "short_name": pa.Column(str),
            "unit": pa.Column(str, pa.Check.isin(UNITS, error="is not a known unit: " + "; ".join(UNITS))),
            "polarity": pa.Column(str, pa.Check.isin(POLARITIES, error="must be one of: " + ", ".join(POLARITIES))),
            "decimals": pa.Column("Int64", pa.Check.in_range(0, 4, error="must be 0 to 4"), coerce=True),
            "england_method": pa.Column(
                str, pa.Check.isin(ENGLAND_METHODS, error="must be one of: " + ", ".join(ENGLAND_METHODS))
            ),
            "file": pa.Column(
                str, pa.Check.str_matches(r"^metrics_[a-z0-9_]+\.csv$", error="must name a metrics_*.csv")
            ),
            "publisher": pa.Column(str),
            "title": pa.Column(str),
            "url": text,
            "published": pa.Column(str),
            "licence": pa.Column(str),
            "notes": text,
        }
        | extra
    )


def _optional_catalogue_columns() -> dict[str, pa.Column]:
    measure_name = pa.Check.str_matches(r"^[a-z0-9_]+$", error="must be lower_snake_case")
    return {
        # The operational standard a measure is judged against (e.g. 95 for A&E 4-hour %): SPC assurance uses it.
        "target": pa.Column(float, nullable=True, coerce=True, required=False),
        "numerator": pa.Column(str, measure_name, nullable=True, required=False),
        "denominator": pa.Column(str, measure_name, nullable=True, required=False),
        # "no" keeps a measure (a count carried as a numerator) out of the gauge rows.
        "gauge": pa.Column(str, pa.Check.isin(["yes", "no"], error="must be yes or no"), nullable=True, required=False),
    }


def metrics_schema(known_codes: Iterable[str], measures: Iterable[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "code": schemas.code_column(known_codes, unique=False),
            "measure": pa.Column(str, pa.Check.isin(sorted(measures), error="is not a measure in measures.csv")),
            "period": pa.Column(str),
            "period_end": pa.Column(
                str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$", error="must be a date as YYYY-MM-DD")
            ),
            "value": pa.Column(float, coerce=True),
            "population": pa.Column(
                "Int64", pa.Check.gt(0, error="must be a positive whole number"), nullable=True, coerce=True
            ),
            "source": pa.Column(str),
        },
        unique=["code", "measure", "period"],
        report_duplicates="all",
    )


def load_catalogue(data_dir: Path) -> pd.DataFrame:
    catalogue = schemas.validate(read_table(data_dir / "measures.csv"), catalogue_schema(optional=True), "measures.csv")
    for column in OPTIONAL_CATALOGUE_COLUMNS:
        if column not in catalogue:
            catalogue[column] = pd.Series(
                pd.NA, index=catalogue.index, dtype="float64" if column == "target" else "str"
            )
    _check_ratio_of_sums(catalogue, "measures.csv")
    return catalogue


def _check_ratio_of_sums(catalogue: pd.DataFrame, file: str) -> None:
    """ratio_of_sums needs a numerator and a denominator that are catalogue measures; other methods use neither."""
    known = set(catalogue["measure"])
    problems = []
    for index, row in catalogue.iterrows():
        spreadsheet_row = int(index) + 2
        for column in ("numerator", "denominator"):
            named = row[column]
            if row["england_method"] == "ratio_of_sums":
                if pd.isna(named):
                    problems.append(
                        Problem(file, spreadsheet_row, column, "is required when england_method is ratio_of_sums")
                    )
                elif named not in known:
                    problems.append(
                        Problem(file, spreadsheet_row, column, f"'{named}' is not a measure in measures.csv")
                    )
            elif not pd.isna(named):
                problems.append(
                    Problem(file, spreadsheet_row, column, "is only used when england_method is ratio_of_sums")
                )
    if problems:
        raise DataValidationError(problems)


def load_metrics(data_dir: Path, catalogue: pd.DataFrame, known_codes: Iterable[str]) -> pd.DataFrame:
    """Every metrics file named in the catalogue, validated, in one tidy frame."""
    codes = list(known_codes)
    frames = []
    for file, listed in catalogue.groupby("file")["measure"]:
        frame = schemas.validate(read_table(data_dir / file), metrics_schema(codes, listed), file)
        frames.append(frame[METRIC_COLUMNS])
    metrics = pd.concat(frames, ignore_index=True)
    without_data = sorted(set(catalogue["measure"]) - set(metrics["measure"]))
    if without_data:
        raise DataValidationError(
            [Problem("measures.csv", None, "measure", f"no values for measure '{m}'") for m in without_data]
        )
    return metrics


@dataclass(frozen=True)
class Spread:
    """Where the footprints' values lie for one measure and period."""

    n: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float


def periods(metrics: pd.DataFrame, measure: str) -> list[str]:
    """The measure's periods, oldest first."""
    rows = metrics.loc[metrics["measure"] == measure, ["period", "period_end"]].drop_duplicates()
    return rows.sort_values(["period_end", "period"])["period"].tolist()


def values_for(metrics: pd.DataFrame, measure: str, period: str) -> pd.DataFrame:
    rows = metrics.loc[(metrics["measure"] == measure) & (metrics["period"] == period)]
    return rows[["code", "value", "population", "source"]].reset_index(drop=True)


def spread(values: pd.DataFrame) -> Spread | None:
    v = values["value"].dropna().to_numpy(dtype=float)
    if v.size == 0:
        return None
    # numpy's default quantile (linear) is pandas' too, at a fraction of the call cost: one call per gauge.
    q1, median, q3 = np.quantile(v, [0.25, 0.5, 0.75])
    return Spread(v.size, float(v.min()), float(q1), float(median), float(q3), float(v.max()))


def england_reference(values: pd.DataFrame, method: str) -> float | None:
    """England's value: footprint rates weighted by population (= England's count / England's population).

    None when the measure has no England figure or any footprint's population is unknown, and for
    ratio_of_sums, which needs the numerator and denominator measures: use england_value for any method.
    """
    if method != "population_weighted" or values.empty or values["population"].isna().any():
        return None
    weights = values["population"].astype(float)
    return float((values["value"] * weights).sum() / weights.sum())


def ratio_of_sums(metrics: pd.DataFrame, numerator: str, denominator: str, period: str, scale: float) -> float | None:
    """scale x (sum of the numerator) / (sum of the denominator) over the footprints at one period.

    None unless every footprint with a numerator has a denominator and vice versa: a sum over
    different sets of footprints would not be England's figure.
    """
    at = metrics.loc[(metrics["period"] == period) & metrics["measure"].isin([numerator, denominator])]
    num = at.loc[at["measure"] == numerator].set_index("code")["value"]
    den = at.loc[at["measure"] == denominator].set_index("code")["value"]
    if num.empty or set(num.index) != set(den.index) or num.isna().any() or den.isna().any():
        return None
    total = float(den.sum())
    return None if total == 0 else scale * float(num.sum()) / total


def ratio_of_sums_by_period(
    metrics: pd.DataFrame, numerator: str, denominator: str, scale: float
) -> dict[str, float | None]:
    """ratio_of_sums for every period at once (one pass; the same rule: both measures for the same footprints)."""
    both = metrics.loc[metrics["measure"].isin([numerator, denominator]), ["period", "code", "measure", "value"]]
    # Only (period, code) pairs that have a row: a footprint with neither measure in a period (Frimley's months with
    # no 4-hour data) is outside that period's sum, as in ratio_of_sums; one with only one of them spoils it.
    wide = both.pivot_table(index=["period", "code"], columns="measure", values="value", aggfunc="first")
    wide = wide.reindex(columns=[numerator, denominator])
    complete = wide.notna().all(axis=1).groupby(level="period").all()
    sums = wide.groupby(level="period").sum(min_count=1)
    result: dict[str, float | None] = {}
    for period, ok in complete.items():
        den = sums.at[period, denominator]
        result[str(period)] = scale * float(sums.at[period, numerator]) / float(den) if ok and den else None
    return result


def ratio_scale(unit: str) -> float:
    """A percentage is 100 x the ratio; any other unit is the ratio itself."""
    return 100.0 if unit == "%" else 1.0


def england_value(metrics: pd.DataFrame, catalogue: pd.DataFrame, measure: str, period: str) -> float | None:
    """England's value for one measure and period, by the catalogue's england_method (None when it has none)."""
    row = catalogue.loc[catalogue["measure"] == measure].iloc[0]
    if row["england_method"] == "ratio_of_sums":
        return ratio_of_sums(metrics, row["numerator"], row["denominator"], period, ratio_scale(row["unit"]))
    return england_reference(values_for(metrics, measure, period), row["england_method"])


def shows_gauge(catalogue: pd.DataFrame) -> pd.Series:
    """Measures that get a gauge: all but those marked gauge = no (a user's catalogue has no such column)."""
    if "gauge" not in catalogue:
        return pd.Series(True, index=catalogue.index)
    return catalogue["gauge"].fillna("yes").ne("no")


def short_publisher(publisher: str) -> str:
    """'NHS Digital (via …)' -> 'NHS Digital': room for a source under a gauge."""
    return publisher.split(" (")[0].split(" summarising")[0]


@dataclass(frozen=True)
class GaugeSpec:
    """Everything one gauge shows, with the value None when not published for the footprint."""

    measure: str
    name: str
    short_name: str
    unit: str
    polarity: str
    decimals: int
    period: str
    value: float | None
    england: float | None
    spread: Spread | None
    source: str
    areas: int = 44  # footprints a value could be published for (more when the user loaded other boundaries)


@dataclass(frozen=True)
class _MeasureAtLatest:
    """What every footprint's gauge for one measure shares: computed once, not per footprint."""

    row: Any
    period: str
    values: dict[str, float]
    england: float | None
    spread: Spread | None


# Keyed on the metrics frame's identity; an entry is dropped when its frame is (a session's merged data).
_LATEST: dict[int, dict[tuple, list[_MeasureAtLatest]]] = {}


def _latest_by_measure(metrics: pd.DataFrame, catalogue: pd.DataFrame, theme: str) -> list[_MeasureAtLatest]:
    rows = catalogue.loc[(catalogue["theme"] == theme) & shows_gauge(catalogue)]
    key = (theme, tuple(rows["measure"]), id(catalogue))
    if id(metrics) not in _LATEST:
        _LATEST[id(metrics)] = {}
        weakref.finalize(metrics, _LATEST.pop, id(metrics), None)
    memo = _LATEST[id(metrics)]
    if key not in memo:
        memo[key] = [
            _summarise(m, latest, metrics)
            for m, latest in zip(rows.itertuples(), _at_latest(metrics, rows), strict=True)
        ]
    return memo[key]


def _at_latest(metrics: pd.DataFrame, rows: pd.DataFrame) -> list[pd.DataFrame]:
    """Each catalogue measure's rows at its latest period, in one pass (a user's file may hold a million rows)."""
    theme_rows = metrics.loc[metrics["measure"].isin(rows["measure"])]
    ordered = theme_rows.sort_values(["measure", "period_end", "period"])  # the order periods() uses
    latest = ordered.drop_duplicates("measure", keep="last").set_index("measure")["period"]
    at_latest = theme_rows.loc[theme_rows["period"].eq(theme_rows["measure"].map(latest))]
    groups = dict(tuple(at_latest.groupby("measure", sort=False)))
    columns = ["code", "value", "population", "source", "period"]
    return [groups.get(m, at_latest.iloc[:0])[columns].reset_index(drop=True) for m in rows["measure"]]


def _summarise(m: Any, values: pd.DataFrame, metrics: pd.DataFrame) -> _MeasureAtLatest:
    if values.empty:
        raise ValueError(f"measure {m.measure!r} is in the catalogue but has no figures")
    period = values["period"].iloc[0]
    if m.england_method == "ratio_of_sums":
        england = ratio_of_sums(metrics, m.numerator, m.denominator, period, ratio_scale(m.unit))
    else:
        england = england_reference(values, m.england_method)
    return _MeasureAtLatest(
        row=m,
        period=period,
        values=dict(zip(values["code"], values["value"].astype(float), strict=True)),
        england=england,
        spread=spread(values),
    )


def gauge_specs(
    metrics: pd.DataFrame, catalogue: pd.DataFrame, code: str, theme: str, areas: int = 44
) -> list[GaugeSpec]:
    """One gauge per catalogue measure of the theme, at the measure's latest period."""
    return [
        GaugeSpec(
            measure=s.row.measure,
            name=s.row.name,
            short_name=s.row.short_name,
            unit=s.row.unit,
            polarity=s.row.polarity,
            decimals=int(s.row.decimals),
            period=s.period,
            value=s.values.get(code),
            england=s.england,
            spread=s.spread,
            source=short_publisher(s.row.publisher),
            areas=areas,
        )
        for s in _latest_by_measure(metrics, catalogue, theme)
    ]


def change_table(metrics: pd.DataFrame, measure: str, profiles: pd.DataFrame) -> pd.DataFrame:
    """One row per footprint: its value in each period and the change since the first period."""
    rows = metrics.loc[metrics["measure"] == measure]
    order = periods(metrics, measure)
    wide = rows.pivot(index="code", columns="period", values="value").reindex(columns=order)
    table = profiles[["code", "name", "region"]].merge(wide, left_on="code", right_index=True, how="left")
    latest_sources = rows.loc[rows["period"] == order[-1]].set_index("code")["source"]
    table[f"Source ({order[-1]})"] = table["code"].map(latest_sources)
    if len(order) > 1:
        table.insert(3 + len(order), f"Change since {order[0]}", table[order[-1]] - table[order[0]])
    return table


def versus_england(specs: list[GaugeSpec]) -> tuple[int, int]:
    """(measures where the footprint is better than England, measures comparable with England)."""
    better = compared = 0
    for spec in specs:
        if spec.value is None or spec.england is None or spec.polarity == "neutral":
            continue
        compared += 1
        if spec.polarity == "higher_is_better":
            better += spec.value > spec.england
        else:
            better += spec.value < spec.england
    return better, compared
