"""How a pack words dates, numbers and sources: 'Apr 2016', '£1,234m', 'ratings 21 July 2017 · population mid-2018'.

Read from the data themselves (the periods in the tables, the population column's year), never hand-written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import pandas as pd

import settings
from exports.pack_model import NOT_PUBLISHED
from stp_data import metrics as m
from stp_data.links import source_links
from stp_data.loading import Bundle

_MONTH = re.compile(r"^\d{4}-\d{2}$")
_WEEK = re.compile(r"^\d{4}-W\d{2}$")
_MONTH_YEAR = re.compile(r"^([A-Z][a-z]+) (\d{4})$")


def period_label(period: str, period_end: str) -> str:
    """A period as a board reads it: '2016-04' -> 'Apr 2016', 'September 2015' -> 'Sep 2015'."""
    end = pd.Timestamp(period_end)
    if _MONTH.match(period):
        return end.strftime("%b %Y")
    if _WEEK.match(period):
        return f"week to {end.day} {end.strftime('%b %Y')}"
    words = _MONTH_YEAR.match(period)
    if words:
        return f"{words.group(1)[:3]} {words.group(2)}"
    return period


def short_period(period: str) -> str:
    """A gauge's period label for a table cell: 'September 2018' -> 'Sep 2018', '2019-03' -> 'Mar 2019'."""
    if _MONTH.match(period):
        return pd.Timestamp(f"{period}-01").strftime("%b %Y")
    words = _MONTH_YEAR.match(period)
    return f"{words.group(1)[:3]} {words.group(2)}" if words else period


def theme_dates(bundle: Bundle, theme: str) -> str:
    """First to last period of a theme's gauged measures, from the data themselves."""
    catalogue = bundle.measures
    measures = catalogue.loc[(catalogue["theme"] == theme) & m.shows_gauge(catalogue), "measure"]
    rows = bundle.metrics.loc[bundle.metrics["measure"].isin(measures), ["period", "period_end"]].drop_duplicates()
    if rows.empty:
        return ""
    rows = rows.sort_values(["period_end", "period"])
    first = period_label(*rows.iloc[0])
    last = period_label(*rows.iloc[-1])
    return first if first == last else f"{first} to {last}"


def population_date(bundle: Bundle) -> str:
    """'mid-2018', read from the population table's column name."""
    for column in bundle.population.columns:
        found = re.match(r"population_mid(\d{4})$", str(column))
        if found:
            return f"mid-{found.group(1)}"
    return ""


def as_of(bundle: Bundle, themes: Sequence[str] = (), *, ratings: bool = True, population: bool = True) -> str:
    """'ratings 21 July 2017 · population mid-2018 · workforce Sep 2015 to Sep 2018 …': when the data are from."""
    parts = [f"ratings {settings.RATINGS_PUBLISHED}"] if ratings else []
    if population and population_date(bundle):
        parts.append(f"population {population_date(bundle)}")
    for theme in themes:
        dates = theme_dates(bundle, theme)
        if dates:
            parts.append(f"{theme} {dates}")
    return " · ".join(parts)


def format_value(value: float | None, decimals: int, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_PUBLISHED
    if unit.startswith("£"):
        text = f"£{value:,.{decimals}f}"
        return text + ("m" if unit == "£ million" else " per head" if unit == "£ per head" else "")
    return f"{value:,.{decimals}f}" + ("%" if unit == "%" else "")


def millions(people: float) -> str:
    return f"{people / 1e6:.1f} million"


def gauge_themes(bundle: Bundle) -> list[str]:
    """Themes with gauges, in the footprint page's order."""
    from charts.footprint_figures import GAUGE_THEMES

    return [t for t in GAUGE_THEMES if (bundle.measures["theme"] == t).any()]


def runs_of_periods(order: list[str], labels: tuple[str, ...], chosen: set[str]) -> str:
    """'Apr 2016, Nov 2016 to Dec 2016, May 2019 to May 2023': consecutive chosen periods as one run."""
    runs: list[list[int]] = []
    for i, period in enumerate(order):
        if period not in chosen:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ", ".join(labels[r[0]] if len(r) == 1 else f"{labels[r[0]]} to {labels[r[-1]]}" for r in runs)


def population_source(bundle: Bundle) -> str:
    row = bundle.sources.loc[bundle.sources["table_id"].str.startswith("population")]
    if row.empty:
        return "Population: ONS"
    return f"Population: {row.iloc[0]['publisher']}, {row.iloc[0]['title']}"


def designation_sources(table: pd.DataFrame) -> str:
    labels = {label for cell in table.get("source", []) for label, _ in source_links(cell)}
    return "; ".join(sorted(labels))


def capital_sources(table: pd.DataFrame) -> str:
    labels = {label for cell in table.get("list_source", []) for label, _ in source_links(cell)}
    return "; ".join(sorted(labels))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
