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

THEMES = ("workforce", "finance", "your data")
POLARITIES = ("higher_is_better", "lower_is_better", "neutral")
UNITS = ("per 100,000 population", "£ million", "£ per head", "FTE", "%", "count")
ENGLAND_METHODS = ("population_weighted", "none")
METRIC_COLUMNS = ["code", "measure", "period", "period_end", "value", "population", "source"]


def catalogue_schema() -> pa.DataFrameSchema:
    text = pa.Column(str, nullable=True)
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
                str, pa.Check.isin(ENGLAND_METHODS, error="must be population_weighted or none")
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
    )


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
    return schemas.validate(read_table(data_dir / "measures.csv"), catalogue_schema(), "measures.csv")


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

    None when the measure has no England figure or any footprint's population is unknown.
    """
    if method != "population_weighted" or values.empty or values["population"].isna().any():
        return None
    weights = values["population"].astype(float)
    return float((values["value"] * weights).sum() / weights.sum())


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
    rows = catalogue.loc[catalogue["theme"] == theme]
    key = (theme, tuple(rows["measure"]), id(catalogue))
    if id(metrics) not in _LATEST:
        _LATEST[id(metrics)] = {}
        weakref.finalize(metrics, _LATEST.pop, id(metrics), None)
    memo = _LATEST[id(metrics)]
    if key not in memo:
        memo[key] = [
            _summarise(m, latest) for m, latest in zip(rows.itertuples(), _at_latest(metrics, rows), strict=True)
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


def _summarise(m: Any, values: pd.DataFrame) -> _MeasureAtLatest:
    if values.empty:
        raise ValueError(f"measure {m.measure!r} is in the catalogue but has no figures")
    return _MeasureAtLatest(
        row=m,
        period=values["period"].iloc[0],
        values=dict(zip(values["code"], values["value"].astype(float), strict=True)),
        england=england_reference(values, m.england_method),
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
