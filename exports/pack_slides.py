"""Slides more than one scope of pack uses: title, rating map and bell curve, headline tables, the middle,
a theme's gauges and trend, sources.

Each slide states its finding as its title (computed from the data, never hand-written), carries one body (a
native chart, a picture, a table, facts, or words such as "not published"), its text alternative, its source
line and the dates its data are as of.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

import settings
from charts.footprint_figures import theme_source_line
from charts.gauges import ROW_HEIGHT, gauge_row
from charts.rating_map import rating_map
from exports.pack_inputs import PackInputs
from exports.pack_model import NO_ENGLAND, NOT_PUBLISHED, ChartData, Picture, Series, Slide, Table, shown_label
from exports.pack_pictures import trend_figure
from exports.pack_words import (
    as_of,
    format_value,
    gauge_themes,
    millions,
    period_label,
    population_source,
    runs_of_periods,
    short_period,
    theme_dates,
)
from stp_data import metrics as m
from stp_data import ratings as r
from stp_data.loading import Bundle

TREND_MIN_PERIODS = 3  # fewer points than this are a comparison, not a trend
# A picture's own title names what it shows (the slide's title states the finding), so a copied picture keeps it.
BELL_PICTURE_TITLE = "STP progress ratings, July 2017: the bell curve"


def rating_counts(inputs: PackInputs) -> pd.Series:
    return inputs.bars.set_index("rating")["total"]


def middle_count(inputs: PackInputs) -> int:
    return int(rating_counts(inputs)[list(r.MIDDLE_RATINGS)].sum())


def rating_chart(inputs: PackInputs, marked: Sequence[str] = (), label: str = "") -> ChartData:
    """The rating bars with their counts (5 / 20 / 14 / 5 for the bundled data), in the rating colours."""
    from charts.style import RATING_COLOURS

    bars = inputs.bars
    ratings_order = tuple(bars["rating"])
    return ChartData(
        kind="bar",
        categories=ratings_order,
        series=(Series("Footprints", tuple(float(v) for v in bars["total"])),),
        point_colours=tuple(RATING_COLOURS[x] for x in ratings_order),
        marked=tuple(i for i, x in enumerate(ratings_order) if x in marked),
        marked_label=label,
        value_title="Footprints",
    )


def bell_alt(inputs: PackInputs, extra: str = "") -> str:
    bars = inputs.bars
    counts = ", ".join(f"{row.total} {row.rating}" for row in bars.itertuples())
    named = ", ".join(f"{row.named} of {row.total} {row.rating}" for row in bars.itertuples())
    return (
        f"Bar chart of how many footprints got each July 2017 rating: {counts}. A normal curve is drawn over the "
        f"bars in the dashboard. Named in public sources: {named}.{(' ' + extra) if extra else ''}"
    )


def bell_title(inputs: PackInputs) -> str:
    counts = rating_counts(inputs)
    return f"{int(counts[r.TOP])} praised, {int(counts[r.BOTTOM])} castigated, {middle_count(inputs)} in the middle"


def title_slide(inputs: PackInputs, title: str, subtitle: str, facts: list[tuple[str, str]], themes) -> Slide:
    facts = [*facts, ("Data", shown_label(inputs.data_label).removeprefix("Data shown: "))]
    return Slide(
        title=title,
        subtitle=subtitle,
        source="STP Progress dashboard; every figure's source is on the last slide.",
        as_of=as_of(inputs.bundle, themes),
        alt_text=f"{title}. {subtitle}. " + " ".join(f"{a}: {b}." for a, b in facts),
        facts=tuple(facts),
        is_title=True,
    )


def map_slide(inputs: PackInputs, profiles: pd.DataFrame, geojson: dict, key: str, place: str) -> Slide:
    """The rating map of `profiles` (all 44, or a region's), with the boundary attribution."""
    unpublished = int(profiles["rating"].isna().sum())
    n = len(profiles)
    if inputs.user_ratings:
        title = f"{place}: {n - unpublished} of {n} footprints rated in your file"
    elif unpublished:
        title = f"{place}: {unpublished} of {n} footprints' ratings were never published (grey)"
    else:
        title = f"{place}: every one of the {n} footprints' ratings was published"
    figure = inputs.overview_map() if key == "map-england" else rating_map(geojson, profiles)
    groups = profiles["rating_group"].value_counts()
    legend = "; ".join(f"{int(groups[g])} {g}" for g in r.RATING_GROUPS if g in groups)
    source = (
        f"Ratings: NHS England STP progress dashboard, {settings.RATINGS_PUBLISHED}, as reported (see sources). "
        f"Map drawn with {inputs.boundaries_label}."
    )
    return Slide(
        title=title,
        source=source,
        as_of=as_of(inputs.bundle, population=False),
        alt_text=f"Map of {place}'s {n} STP footprints coloured by July 2017 rating: {legend}. "
        "Grey footprints were rated Advanced or Making progress, but no public source says which.",
        picture=Picture(key, figure, f"{place}: STP footprints by July 2017 rating", source, 1000, 900),
        boundaries=True,
    )


def headline_measures(bundle: Bundle) -> list[pd.Series]:
    """Each ranked theme's first gauged measure in the catalogue: the columns of a headline table."""
    catalogue = bundle.measures
    shown = catalogue.loc[m.shows_gauge(catalogue) & ~catalogue["theme"].isin(settings.UNRANKED_THEMES)]
    return [rows.iloc[0] for _, rows in shown.groupby("theme", sort=False)]


def headline_table(inputs: PackInputs, profiles: pd.DataFrame) -> Table:
    """One row per footprint: rating, population, each ranked theme's headline measure, care system."""
    bundle = inputs.bundle
    measures = headline_measures(bundle)
    latest = {}
    for measure in measures:
        period = m.periods(bundle.metrics, measure["measure"])[-1]
        values = m.values_for(bundle.metrics, measure["measure"], period).set_index("code")["value"]
        latest[measure["measure"]] = (period, values)
    columns = ["Footprint", "July 2017 rating", "Population"]
    columns += [f"{x['short_name']} ({short_period(latest[x['measure']][0])})" for x in measures]
    columns.append("ACS / ICS")
    rows = []
    for p in profiles.sort_values("name").itertuples():
        row = [p.name, p.rating if isinstance(p.rating, str) else "Middle: not published", f"{int(p.population):,}"]
        for x in measures:
            value = latest[x["measure"]][1].get(p.code)
            row.append(format_value(None if pd.isna(value) else float(value), int(x["decimals"]), x["unit"]))
        row.append(p.care_system if isinstance(p.care_system, str) and p.care_system else "Not designated by 2019")
        rows.append(tuple(row))
    widths = (2.6, 1.6, 1.2, *([1.3] * len(measures)), 2.6)
    return Table(tuple(columns), tuple(rows), widths)


def region_table_slide(inputs: PackInputs, region: str, profiles: pd.DataFrame) -> Slide:
    counts = profiles["rating"].value_counts()
    top, bottom = int(counts.get(r.TOP, 0)), int(counts.get(r.BOTTOM, 0))
    middle = int(r.is_middle(profiles).sum())
    title = f"{region}: {len(profiles)} footprints, {top} Outstanding, {bottom} Needs most improvement, {middle} middle"
    table = headline_table(inputs, profiles)
    themes = sorted({x["theme"] for x in headline_measures(inputs.bundle)}, key=gauge_themes(inputs.bundle).index)
    sources = [f"Ratings: NHS England, {settings.RATINGS_PUBLISHED}, as reported", population_source(inputs.bundle)]
    sources += [theme_source_line(inputs.bundle.measures, t) for t in themes]
    return Slide(
        title=title,
        source=" ".join(s.rstrip(".") + "." for s in sources),
        as_of=as_of(inputs.bundle, themes),
        alt_text=f"Table of the {len(profiles)} footprints in {region}: "
        + "; ".join(", ".join(row[:3]) for row in table.rows),
        table=table,
    )


def middle_slide(inputs: PackInputs, profiles: pd.DataFrame, place: str) -> Slide:
    """The middle, named: by region, each with its rating where a source names it."""
    middle = r.middle_footprints(profiles)
    rows = []
    for region, group in middle.groupby("region", sort=True):
        names = [
            name + (f" ({rating})" if isinstance(rating, str) else "")
            for name, rating in zip(group["name"], group["rating"], strict=True)
        ]
        rows.append((str(region), str(len(group)), ", ".join(sorted(names))))
    people = int(middle["population"].sum())
    return Slide(
        title=f"{place}: {len(middle)} footprints in the middle, {millions(people)} people",
        source=f"{inputs.bell_note} {population_source(inputs.bundle)}.",
        as_of=as_of(inputs.bundle),
        alt_text=f"The middle footprints of {place} by region: "
        + " ".join(f"{a} ({b}): {c}." for a, b, c in rows)
        + " A rating in brackets is named by a public source; the others were never published.",
        table=Table(("Region", "Footprints", "In the middle (rating where published)"), tuple(rows), (1.6, 0.8, 7.0)),
    )


def national_sources(inputs: PackInputs) -> list[tuple[str, str]]:
    rows = [
        ("Ratings", f"NHS England STP progress dashboard, baseline view, {settings.RATINGS_PUBLISHED}, as reported"),
        ("Rating counts", inputs.bell_note),
        ("Population", population_source(inputs.bundle).removeprefix("Population: ")),
    ]
    for measure in headline_measures(inputs.bundle):
        rows.append((measure["theme"].capitalize(), theme_source_line(inputs.bundle.measures, measure["theme"])))
    rows.append(("ACS / ICS", "NHS England announcements 2017-2022 as reported (Data & sources)"))
    return rows


def sources_slide(inputs: PackInputs, rows: list[tuple[str, str]], place: str, boundaries: bool) -> Slide:
    """Every source the pack used, one row each, with the data label."""
    rows = [*rows, ("Data shown", shown_label(inputs.data_label).removeprefix("Data shown: "))]
    if boundaries:
        rows.append(("Boundaries", f"{inputs.boundaries_label}. {settings.OGL_ATTRIBUTION}"))
    return Slide(
        title=f"Every figure in this {place} pack has a public source: {len(rows) - 1} listed",
        source="STP Progress dashboard, Data & sources page.",
        as_of=as_of(inputs.bundle),
        alt_text="Sources: " + " ".join(f"{a}: {b}." for a, b in rows),
        table=Table(("What", "Source"), tuple(rows), (1.0, 5.0)),
        boundaries=boundaries,
    )


def gauge_table(specs: list[m.GaugeSpec], name: str) -> Table:
    """The gauges' numbers, so they read on paper: value, England, range of footprints, period."""
    rows = []
    for spec in specs:
        spread = (
            f"{format_value(spec.spread.minimum, spec.decimals, spec.unit)} to "
            f"{format_value(spec.spread.maximum, spec.decimals, spec.unit)} ({spec.spread.n})"
            if spec.spread is not None and spec.spread.n > 1
            else "Only one footprint"
        )
        england = format_value(spec.england, spec.decimals, spec.unit) if spec.england is not None else NO_ENGLAND
        value = format_value(spec.value, spec.decimals, spec.unit)
        rows.append((spec.short_name, value, england, spread, short_period(spec.period)))
    return Table(
        ("Measure", name, "England", "Footprints' range (n)", "Period"), tuple(rows), (2.3, 1.3, 1.3, 2.1, 1.2)
    )


def gauge_title(name: str, theme: str, specs: list[m.GaugeSpec]) -> str:
    published = sum(spec.value is not None for spec in specs)
    better, compared = m.versus_england(specs)
    if compared:
        return f"{name}, {theme}: better than England on {better} of {compared} measures"
    if published:
        return f"{name}, {theme}: {published} of {len(specs)} measures published"
    return f"{name}, {theme}: none of {len(specs)} measures published"


def gauge_slide(inputs: PackInputs, p: pd.Series, theme: str, specs: list[m.GaugeSpec], source: str) -> Slide:
    """The theme's published gauges as a picture, every measure's numbers in a table beside them.

    Measures with no value are not drawn (an empty gauge reads as a chart of nothing): the table says
    "Not published" for them, and a theme with nothing published is words and a table, no picture.
    """
    name = p["name"]
    title = gauge_title(name, theme, specs)
    published = [spec for spec in specs if spec.value is not None]
    picture = None
    words = ""
    if published:
        columns = min(3, len(published))
        rows = math.ceil(len(published) / columns)
        figure = gauge_row(published, columns=columns, show_middle=theme not in settings.UNRANKED_THEMES)
        picture = Picture(
            f"gauges-{p['code']}-{theme}",
            figure,
            f"{name}: {theme}",
            source,
            width=300 * columns + 100,
            height=max(ROW_HEIGHT * rows + 220, 520),
        )
    else:
        words = f"{NOT_PUBLISHED}: no public source in this dashboard gives a {theme} figure for {name}."
    described = "; ".join(
        f"{s.short_name} {format_value(s.value, s.decimals, s.unit)}"
        + (f" (England {format_value(s.england, s.decimals, s.unit)})" if s.england is not None else "")
        + f", {s.period}"
        for s in specs
    )
    key = (
        " Each gauge: this footprint's value (blue bar), England (black line), the middle half of footprints "
        "(shaded), the scale spans the lowest to the highest footprint."
        if published
        else ""
    )
    return Slide(
        title=title,
        source=source,
        as_of=f"{theme} {theme_dates(inputs.bundle, theme)}; each measure at its latest period",
        alt_text=f"{title}. {described}.{key}",
        picture=picture,
        table=gauge_table(specs, name),
        words=words,
    )


def trend_slide(inputs: PackInputs, p: pd.Series, theme: str) -> Slide | None:
    """The theme's headline measure over time, the footprint against England: a native line chart."""
    if theme in settings.UNRANKED_THEMES:
        return None
    headline = [x for x in headline_measures(inputs.bundle) if x["theme"] == theme]
    if not headline:
        return None
    measure = headline[0]
    bundle = inputs.bundle
    order = m.periods(bundle.metrics, measure["measure"])
    if len(order) < TREND_MIN_PERIODS:
        return None
    rows = bundle.metrics.loc[(bundle.metrics["measure"] == measure["measure"]) & (bundle.metrics["code"] == p["code"])]
    by_period = dict(zip(rows["period"], rows["value"].astype(float), strict=True))
    values = tuple(by_period.get(period) for period in order)
    if all(v is None for v in values):
        return None
    from stp_data.emergency import england_series  # every period in one pass (119 months)

    england_rows = england_series(bundle.metrics, bundle.measures, measure["measure"])
    england_by = dict(zip(england_rows["period"], england_rows["value"], strict=True))
    england = tuple(england_by.get(period) for period in order)
    ends = bundle.metrics.loc[bundle.metrics["measure"] == measure["measure"]].drop_duplicates("period")
    end_of = dict(zip(ends["period"], ends["period_end"], strict=True))
    labels = tuple(period_label(period, end_of[period]) for period in order)
    decimals, unit = int(measure["decimals"]), measure["unit"]
    last = max(i for i, v in enumerate(values) if v is not None)
    title = f"{p['name']}: {measure['short_name']} {format_value(values[last], decimals, unit)} in {labels[last]}"
    if england[last] is not None:
        title += f", England {format_value(england[last], decimals, unit)}"
    series = [Series(p["name"], values, settings.NHS_BLUE)]
    if any(v is not None for v in england):
        series.append(Series("England", england, settings.TEXT))
    source = theme_source_line(bundle.measures, theme)
    missing = {period for period, value in zip(order, values, strict=True) if value is None}
    gaps = flagged_periods(bundle, measure["measure"], p["code"]) - missing
    if gaps:
        # Missing or partial trust returns are never filled: the slide says which points they are, as runs of months.
        source += (
            " Points lacking a trust's return, part of one, or a field-test trust's 4-hour data (as published, not "
            "filled in): " + runs_of_periods(order, labels, gaps) + "."
        )
    if missing:
        source += " No figure published: " + runs_of_periods(order, labels, missing) + "."
    chart = ChartData(
        kind="line",
        categories=labels,
        series=tuple(series),
        number_format="0" if decimals == 0 else "0." + "0" * decimals,
        value_title=unit,
    )
    described = "; ".join(f"{label} {format_value(v, decimals, unit)}" for label, v in zip(labels, values, strict=True))
    return Slide(
        title=title,
        source=source,
        as_of=f"{theme} {labels[0]} to {labels[-1]}",
        alt_text=f"Line chart of {measure['name']} ({unit}) for {p['name']}"
        + (" and England" if len(series) > 1 else "")
        + f", {labels[0]} to {labels[-1]}: {described}.",
        chart=chart,
        picture=Picture(
            f"trend-{p['code']}-{theme}",
            trend_figure(chart),
            f"{measure['short_name']}, {labels[0]} to {labels[-1]}",
            source,
            1200,
            650,
        ),
    )


def flagged_periods(bundle: Bundle, measure: str, code: str) -> set[str]:
    """Periods of a footprint's measure with a missing or partial trust return (stp_data.emergency flags)."""
    flags = getattr(bundle, "flags", None)
    if flags is None or flags.empty:
        return set()
    from stp_data.emergency import GAP_KINDS

    hit = flags.loc[(flags["code"] == code) & (flags["measure"] == measure) & flags["kind"].isin(GAP_KINDS)]
    return set(hit["period"])
