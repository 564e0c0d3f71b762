"""The pack of a comparison: 2 to 6 footprints side by side with England, from the same figures as the other packs.

Slides: title; who they are (population, region, July 2017 rating); the spine (every gauged measure with data at
its latest period, each footprint marked better or worse than England by the measure's polarity); A&E type-1
4-hour % over ten years (a native line chart); the Making Data Count icons at the latest month; each journey to
an ICS; sources. Finance measures are left out of the spine: the plans' figures are not on one basis and the
dashboard never ranks them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

import settings
from charts.footprint_figures import theme_source_line
from exports.pack_inputs import PackInputs
from exports.pack_model import COMPARE, NO_ENGLAND, NOT_PUBLISHED, ChartData, Pack, Picture, Series, Slide, Table
from exports.pack_pictures import trend_figure
from exports.pack_slides import flagged_periods, sources_slide, title_slide
from exports.pack_words import (
    as_of,
    format_value,
    gauge_themes,
    millions,
    period_label,
    population_date,
    population_source,
    runs_of_periods,
    short_period,
)
from stp_data import emergency, journey
from stp_data import metrics as m
from stp_data.links import source_links

STAGE_WORDS = {"devolution": "as a devolution area", "shadow ACS": "as a shadow ACS"}
MIN_COMPARED, MAX_COMPARED = 2, 6
# The pack's name heads every PDF page and titles the .pptx (a 255-character property): six long names do not fit.
MAX_NAME = 160  # the compare page's limits: fewer is a footprint pack, more does not read
BETTER, WORSE = "▲", "▼"  # better / worse than England by the measure's polarity, not up / down
# One line per footprint, England in the text colour: Okabe-Ito, distinguishable with the common colour-blindnesses.
LEGEND_PER_ROW = 3  # names of footprints are long: about three fit across the PDF's line chart
COMPARE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
AE_MEASURE = emergency.AE_PCT
AE_THEME = settings.EMERGENCY_CARE
SPINE_KEY = (  # one line under the title: the table needs the room
    f"{BETTER} better than England, {WORSE} worse, by the measure's polarity. Finance is left out: never ranked."
)
SPINE_NOTE = (
    "Unmarked: a neutral measure, no England figure, or the same as England. Finance is left out because the "
    "plans' figures are not on one basis and the dashboard never ranks them."
)


def check_codes(inputs: PackInputs, codes: Sequence[str]) -> list[str]:
    """The codes in the order given, or ValueError saying what is wrong with the list."""
    codes = [str(code).strip() for code in codes]
    if len(set(codes)) != len(codes):
        raise ValueError(f"a compare pack lists each footprint once; repeated: {', '.join(_repeated(codes))}")
    if not MIN_COMPARED <= len(codes) <= MAX_COMPARED:
        raise ValueError(
            f"a compare pack compares {MIN_COMPARED} to {MAX_COMPARED} footprints; {len(codes)} given "
            f"({', '.join(codes) or 'none'})"
        )
    known = set(inputs.profiles["code"])
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValueError(f"no footprint with code {', '.join(map(repr, unknown))}: use ONS codes such as E54000034")
    return codes


def _repeated(codes: Sequence[str]) -> list[str]:
    return sorted({code for code in codes if codes.count(code) > 1})


def compare_pack(inputs: PackInputs, codes: Sequence[str]) -> Pack:
    codes = check_codes(inputs, codes)
    people = [inputs.footprint(code) for code in codes]
    names = [str(p["name"]) for p in people]
    themes = [t for t in gauge_themes(inputs.bundle) if t not in settings.UNRANKED_THEMES]
    slides = [
        _compare_title_slide(inputs, people, themes),
        _who_slide(inputs, people),
        _spine_slide(inputs, people, themes),
    ]
    trend = _ae_trend_slide(inputs, people)
    if trend is not None:
        slides.append(trend)
    icons = _icons_slide(inputs, people)
    if icons is not None:
        slides.append(icons)
    slides.append(_journey_slide(inputs, people))
    slides.append(sources_slide(inputs, _sources(inputs, people, themes), "comparison", boundaries=False))
    name = f"Comparison of {len(people)} footprints"
    if len(name) + len(", ".join(names)) + 3 <= MAX_NAME:
        name += f" ({', '.join(names)})"
    return Pack(COMPARE, name, "-".join(codes), inputs.data_label, as_of(inputs.bundle, themes), tuple(slides))


# ---------------------------------------------------------------- title and who they are


def _compare_title_slide(inputs: PackInputs, people: list[pd.Series], themes: list[str]) -> Slide:
    population = sum(int(p["population"]) for p in people if pd.notna(p["population"]))
    return title_slide(
        inputs,
        f"{len(people)} STP footprints compared, with England",
        " · ".join(str(p["name"]) for p in people),
        [
            ("Footprints", "; ".join(f"{p['name']} ({p['code']})" for p in people)),
            ("Population", f"{population:,} together ({population_date(inputs.bundle)}, ONS)"),
        ],
        themes,
    )


def _rating(p: pd.Series) -> str:
    return p["rating"] if isinstance(p["rating"], str) and p["rating"] else NOT_PUBLISHED


def _region(p: pd.Series) -> str:
    return str(p["region"]) if isinstance(p["region"], str) else NOT_PUBLISHED


def _who_slide(inputs: PackInputs, people: list[pd.Series]) -> Slide:
    year = population_date(inputs.bundle)
    rows = tuple(
        (
            str(p["name"]),
            str(p["code"]),
            f"{int(p['population']):,}" if pd.notna(p["population"]) else NOT_PUBLISHED,
            _region(p),
            _rating(p),
        )
        for p in people
    )
    known = [int(p["population"]) for p in people if pd.notna(p["population"])]
    ratings = pd.Series([_rating(p) for p in people]).value_counts()
    tally = ", ".join(
        f"{count} {rating if rating != NOT_PUBLISHED else 'not published'}" for rating, count in ratings.items()
    )
    title = f"{len(people)} footprints, {millions(sum(known))} people; July 2017 ratings: {tally}"
    return Slide(
        title=title,
        source=f"Ratings: NHS England STP progress dashboard, {settings.RATINGS_PUBLISHED}, as reported (see sources). "
        f"{population_source(inputs.bundle)}. Regions: NHS England, 2018.",
        as_of=as_of(inputs.bundle),
        alt_text="Table of the footprints compared. "
        + " ".join(f"{a} ({b}): population {c}, region {d}, July 2017 rating {e}." for a, b, c, d, e in rows)
        + " A rating shown as not published was never published: it is not guessed.",
        table=Table(
            ("Footprint", "ONS code", f"Population ({year})", "2018 region", "July 2017 rating"),
            rows,
            (3.0, 1.3, 1.5, 2.2, 2.0),
        ),
    )


# ---------------------------------------------------------------- the spine


def _mark(spec: m.GaugeSpec) -> str:
    """▲ where the footprint is better than England by the measure's polarity, ▼ where worse, else nothing."""
    if spec.value is None or spec.england is None or spec.polarity == "neutral" or spec.value == spec.england:
        return ""
    higher = spec.value > spec.england
    return BETTER if higher == (spec.polarity == "higher_is_better") else WORSE


def spine_specs(inputs: PackInputs, codes: Sequence[str], themes: Sequence[str]) -> list[list[m.GaugeSpec]]:
    """One list per measure (each footprint's gauge, in `codes` order): gauged measures of the ranked themes that
    at least one of the footprints has a figure for at the measure's latest period (m.gauge_specs' rule)."""
    bundle = inputs.bundle
    areas = inputs.areas if inputs.areas is not None else len(inputs.profiles)
    rows: list[list[m.GaugeSpec]] = []
    for theme in themes:
        if theme in settings.UNRANKED_THEMES:
            continue
        per_code = [m.gauge_specs(bundle.metrics, bundle.measures, code, theme, areas) for code in codes]
        for specs in zip(*per_code, strict=True):
            if any(spec.value is not None for spec in specs):
                rows.append(list(specs))
    return rows


def spine_table(inputs: PackInputs, people: list[pd.Series], measures: list[list[m.GaugeSpec]]) -> Table:
    """Measure (unit, period), England, then each footprint's value marked ▲/▼ against England."""
    rows = []
    for specs in measures:
        first = specs[0]
        england = format_value(first.england, first.decimals, first.unit) if first.england is not None else NO_ENGLAND
        cells = [
            format_value(spec.value, spec.decimals, spec.unit) + (f" {_mark(spec)}" if _mark(spec) else "")
            for spec in specs
        ]
        when = _period_words(inputs, first)
        rows.append((f"{first.short_name} ({first.unit}, {when})", england, *cells))
    columns = ("Measure (unit, period)", "England", *(str(p["name"]) for p in people))
    return Table(columns, tuple(rows), (3.4, 1.0, *([1.1] * len(people))))


def _period_words(inputs: PackInputs, spec: m.GaugeSpec) -> str:
    """'Sep 2018', or 'week to 3 Mar 2019' for a weekly measure (short_period leaves weeks as '2019-W09')."""
    metrics = inputs.bundle.metrics
    ends = metrics.loc[(metrics["measure"] == spec.measure) & (metrics["period"] == spec.period), "period_end"]
    return period_label(spec.period, str(ends.iloc[0])) if len(ends) else short_period(spec.period)


def _spine_slide(inputs: PackInputs, people: list[pd.Series], themes: list[str]) -> Slide:
    measures = spine_specs(inputs, [str(p["code"]) for p in people], themes)
    table = spine_table(inputs, people, measures)
    names = [str(p["name"]) for p in people]
    better = {name: m.versus_england([specs[i] for specs in measures]) for i, name in enumerate(names)}
    compared = [name for name in names if better[name][1]]
    if compared:
        most = max(better[name][0] / better[name][1] for name in compared)
        least = min(better[name][0] / better[name][1] for name in compared)
        top = [name for name in compared if better[name][0] / better[name][1] == most]
        bottom = [name for name in compared if better[name][0] / better[name][1] == least]
        title = f"{_and(top)} better than England on {_share(better[top[0]])} measures"
        if most != least:
            title += f"; {_and(bottom)} on {_share(better[bottom[0]])}"
        elif len(top) == len(compared):
            title = f"All {len(compared)} better than England on {_share(better[top[0]])} measures"
    else:
        title = f"The spine: {len(measures)} measures, none comparable with England"
    catalogue = inputs.bundle.measures
    theme_of = dict(zip(catalogue["measure"], catalogue["theme"], strict=True))
    used = [t for t in themes if any(theme_of[specs[0].measure] == t for specs in measures)]
    left_out = catalogue.loc[catalogue["theme"].isin(settings.UNRANKED_THEMES) & m.shows_gauge(catalogue)]
    finance = f" Left out: {len(left_out)} finance measures (not on one basis, never ranked)." if len(left_out) else ""
    described = " ".join(
        f"{row[0]}: England {row[1]}; " + "; ".join(f"{n} {v}" for n, v in zip(names, row[2:], strict=True)) + "."
        for row in table.rows
    )
    return Slide(
        title=title,
        subtitle=SPINE_KEY,
        source=_measure_source(catalogue, [specs[0].measure for specs in measures])
        + " England: the footprints' figures combined as the catalogue says (population-weighted or summed counts).",
        as_of=" · ".join(
            f"{t} "
            + ", ".join(
                dict.fromkeys(_period_words(inputs, specs[0]) for specs in measures if theme_of[specs[0].measure] == t)
            )
            for t in used
        )
        + "; each measure at its latest period",
        alt_text=f"{title}. Table of {len(table.rows)} measures, one row each: the measure with its unit and "
        f"period, England, then each footprint's value. {described} {SPINE_KEY} {SPINE_NOTE}{finance}",
        table=table,
    )


def _share(counts: tuple[int, int]) -> str:
    return f"{counts[0]} of {counts[1]}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ---------------------------------------------------------------- A&E over ten years


def ae_chart(inputs: PackInputs, people: list[pd.Series]) -> tuple[ChartData, list[str], tuple[str, ...]] | None:
    """The A&E type-1 4-hour % for each footprint and England over every month: None where no figure."""
    bundle = inputs.bundle
    catalogue = bundle.measures
    if not (catalogue["measure"] == AE_MEASURE).any():
        return None
    order = m.periods(bundle.metrics, AE_MEASURE)
    if not order:
        return None
    rows = bundle.metrics.loc[bundle.metrics["measure"] == AE_MEASURE]
    end_of = dict(zip(rows["period"], rows["period_end"], strict=False))
    labels = tuple(period_label(period, end_of[period]) for period in order)
    series = []
    for colour, p in zip(COMPARE_COLOURS, people, strict=False):
        mine = rows.loc[rows["code"] == p["code"]]
        by_period = dict(zip(mine["period"], mine["value"].astype(float), strict=True))
        values = tuple(_number(by_period.get(period)) for period in order)
        series.append(Series(str(p["name"]), values, colour))
    england_rows = emergency.england_series(bundle.metrics, catalogue, AE_MEASURE)
    england_by = dict(zip(england_rows["period"], england_rows["value"], strict=True))
    england = tuple(_number(england_by.get(period)) for period in order)
    if any(v is not None for v in england):
        series.append(Series("England", england, settings.TEXT))
    decimals = int(catalogue.loc[catalogue["measure"] == AE_MEASURE, "decimals"].iloc[0])
    chart = ChartData(
        kind="line",
        categories=labels,
        series=tuple(series),
        number_format="0" if decimals == 0 else "0." + "0" * decimals,
        value_title="%",
    )
    return chart, order, labels


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _ae_trend_slide(inputs: PackInputs, people: list[pd.Series]) -> Slide | None:
    made = ae_chart(inputs, people)
    if made is None:
        return None
    chart, order, labels = made
    catalogue = inputs.bundle.measures
    info = catalogue.loc[catalogue["measure"] == AE_MEASURE].iloc[0]
    decimals, unit, short = int(info["decimals"]), str(info["unit"]), str(info["short_name"])
    footprints = chart.series[: len(people)]
    england = chart.series[len(people)] if len(chart.series) > len(people) else None
    with_values = [i for i in range(len(order)) if any(s.values[i] is not None for s in footprints)]
    if not with_values:
        return None
    last = with_values[-1]
    at_last = [(s.values[last], s.name) for s in footprints if s.values[last] is not None]
    high, low = max(at_last)[0], min(at_last)[0]
    highest = [name for value, name in at_last if value == high]
    lowest = [name for value, name in at_last if value == low]
    title = f"{short}, {labels[last]}: {_and(highest)} highest at {format_value(high, decimals, unit)}"
    if len(at_last) > 1 and high != low:
        title += f", {_and(lowest)} lowest at {format_value(low, decimals, unit)}"
    if england is not None and england.values[last] is not None:
        title += f" (England {format_value(england.values[last], decimals, unit)})"
    source = _measure_source(catalogue, [AE_MEASURE])
    missing_notes, flagged_notes = [], []
    for p, s in zip(people, footprints, strict=True):
        missing = {period for period, value in zip(order, s.values, strict=True) if value is None}
        if missing:
            missing_notes.append(f"{s.name}: {runs_of_periods(order, labels, missing)}")
        gaps = flagged_periods(inputs.bundle, AE_MEASURE, str(p["code"])) - missing
        if gaps:
            flagged_notes.append(f"{s.name}: {runs_of_periods(order, labels, gaps)}")
    if flagged_notes:
        source += (
            " Points lacking a trust's return, part of one, or a field-test trust's 4-hour data (as published, not "
            "filled in): " + "; ".join(flagged_notes) + "."
        )
    if missing_notes:
        source += " No figure published (gaps in the lines, never filled): " + "; ".join(missing_notes) + "."
    described = " ".join(
        f"{s.name}: "
        + "; ".join(f"{label} {format_value(v, decimals, unit)}" for label, v in zip(labels, s.values, strict=True))
        + "."
        for s in chart.series
    )
    return Slide(
        title=title,
        source=source,
        as_of=f"{AE_THEME} {labels[0]} to {labels[-1]}",
        alt_text=f"Line chart of {info['name']} ({unit}), {labels[0]} to {labels[-1]}, one line per footprint"
        + (" and England" if england is not None else "")
        + f". {described}",
        chart=chart,
        picture=Picture(
            "trend-compare-" + "-".join(str(p["code"]) for p in people),
            _trend_picture(chart),
            f"{short}, {labels[0]} to {labels[-1]}",
            source,
            1200,
            650,
        ),
    )


def _trend_picture(chart: ChartData):
    """The PDF's line chart: room above the plot for a legend of up to seven lines, under the picture's title."""
    figure = trend_figure(chart)
    legend_rows = math.ceil(len(chart.series) / LEGEND_PER_ROW)
    figure.update_layout(margin={"t": 110 + 30 * legend_rows})
    return figure


def _measure_source(catalogue: pd.DataFrame, measures: Sequence[str]) -> str:
    """'Source: NHS England, A&E attendances … (2016-2026).': the measures' own sources, each once (the theme's
    source line names every source of the theme; the sources slide lists them all)."""
    rows = catalogue.loc[catalogue["measure"].isin(measures)]
    named = dict.fromkeys(
        f"{m.short_publisher(row.publisher)}, {row.title} ({row.published})" for row in rows.itertuples()
    )
    return ("Source: " if len(named) == 1 else "Sources: ") + "; ".join(named) + "."


# ---------------------------------------------------------------- Making Data Count


def _icons_slide(inputs: PackInputs, people: list[pd.Series]) -> Slide | None:
    bundle = inputs.bundle
    catalogue = bundle.measures
    if not (catalogue["measure"] == AE_MEASURE).any():
        return None
    info = catalogue.loc[catalogue["measure"] == AE_MEASURE].iloc[0]
    decimals, unit = int(info["decimals"]), str(info["unit"])
    flags = getattr(bundle, "flags", None)
    if flags is None:
        flags = pd.DataFrame(columns=["code", "measure", "period", "kind", "org_codes", "note"])
    rows, kinds = [], []
    for p in people:
        series, result = _spc(bundle, flags, str(p["code"]))
        if result is None:
            reason = (
                NOT_PUBLISHED
                if series is None or series.empty
                else f"Too few points ({len(series)}; {emergency.MIN_SPC_POINTS} needed)"
            )
            rows.append((str(p["name"]), NOT_PUBLISHED, NOT_PUBLISHED, reason, "—"))
            continue
        latest = series.iloc[-1]
        month = period_label(str(latest["period"]), str(latest["period_end"]))
        assurance = result.assurance_icon.label if result.assurance_icon is not None else "No target to assure"
        variation = result.variation_icon.label
        kinds.append(result.variation)
        rows.append((str(p["name"]), month, format_value(float(latest["value"]), decimals, unit), variation, assurance))
    improving = sum(kind.startswith("improvement") for kind in kinds)
    concern = sum(kind.startswith("concern") for kind in kinds)
    common = sum(kind == "common_cause" for kind in kinds)
    title = (
        f"A&E 4-hour, Making Data Count at the latest month: {improving} of {len(people)} improving, "
        f"{concern} of concern, {common} common cause"
    )
    return Slide(
        title=title,
        source=f"{_measure_source(catalogue, [AE_MEASURE])} Icons: NHS England Making Data Count "
        "(XmR chart rules, limits restarting at the footprint page's recalculation points).",
        as_of=f"{AE_THEME}: each footprint's latest month",
        alt_text=f"{title}. Table, one row per footprint: "
        + " ".join(f"{a}, {b}: {c}; variation {d}; assurance {e}." for a, b, c, d, e in rows),
        table=Table(
            ("Footprint", "Latest month", f"{info['short_name']}", "Variation", "Assurance"),
            tuple(rows),
            (3.0, 1.3, 1.5, 2.0, 2.0),
        ),
    )


def _spc(bundle, flags: pd.DataFrame, code: str):
    """(series, result) for one footprint, result None when there are too few points for the rules."""
    series = emergency.footprint_series(bundle.metrics, flags, AE_MEASURE, code)
    if len(series) < emergency.MIN_SPC_POINTS:
        return series, None
    return emergency.footprint_spc(bundle.metrics, bundle.measures, flags, AE_MEASURE, code)


# ---------------------------------------------------------------- journeys to ICS


def journey_table(inputs: PackInputs, people: list[pd.Series]) -> Table:
    designations = inputs.bundle.designations
    codes = [str(p["code"]) for p in people]
    events = journey.milestones(designations, codes)
    rows = []
    for p in people:
        mine = events.loc[events["code"] == p["code"]]
        designated = mine.loc[mine["kind"] == "designation"]
        whole = designated.loc[~designated["partial"]]
        statutory = mine.loc[mine["kind"] == "statutory"]
        first = designated.iloc[0] if len(designated) else None
        ics = whole.iloc[0] if len(whole) else None
        first_text = "None found in the sources" if first is None else str(first["date_label"])
        if first is not None and first["partial"]:
            first_text += f" (part of footprint: {first['area']})"
        if ics is None:
            ics_text = "No date found in the sources"
        else:
            inferred = "inferred by elimination" if ics["basis"] == journey.INFERRED else ""
            stage = STAGE_WORDS.get(ics["stage"], "")  # Greater Manchester's devolution deal is not a designation
            extras = [e for e in (stage, ics["via"], inferred) if e]
            ics_text = str(ics["date_label"]) + (f" ({'; '.join(extras)})" if extras else "")
        if statutory.empty:
            statutory_text = NOT_PUBLISHED
        else:
            row = statutory.iloc[0]
            statutory_text = str(row["date_label"]) + (f" (as {row['stp18cd']})" if row["stp18cd"] != p["code"] else "")
        rows.append((str(p["name"]), first_text, ics_text, statutory_text))
    return Table(
        ("Footprint", "First designation", "Whole-footprint ICS", "Statutory ICS"), tuple(rows), (2.6, 2.4, 2.4, 1.8)
    )


def _journey_slide(inputs: PackInputs, people: list[pd.Series]) -> Slide:
    table = journey_table(inputs, people)
    whole = {row[0]: row[2] for row in table.rows}  # the date with its stage: a devolution deal is not an ICS
    dated = [(p["ics_date"], str(p["name"])) for p in people if pd.notna(p["ics_date"])]
    undated = [str(p["name"]) for p in people if pd.isna(p["ics_date"])]
    if dated:
        first, last = min(dated)[0], max(dated)[0]
        firsts = [name for when, name in dated if when == first]
        title = f"First designated as a whole footprint: {_and(firsts)}, {whole[firsts[0]]}"
        if last != first:
            lasts = [name for when, name in dated if when == last]
            title += f"; last: {_and(lasts)}, {whole[lasts[0]]}"
        if undated:
            title += f"; no date found for {_and(undated)}"
    else:
        title = "None of these footprints has a whole-footprint ICS date in the sources before the statutory ICSs"
    events = journey.milestones(inputs.bundle.designations, [str(p["code"]) for p in people])
    # A label can come back with the separator before it ('; HSJ newsletter copy …'): trimmed here.
    labels = sorted({label.strip("; ") for cell in events["source"] for label, _ in source_links(cell)} - {""})
    sources = "; ".join(labels) or "NHS England announcements 2017-2022"
    return Slide(
        title=title,
        source=f"Sources: {sources}.",
        as_of="ACS / ICS designations June 2017 to July 2022",
        alt_text=f"{title}. Table, one row per footprint: "
        + " ".join(
            f"{a}: first designated {b}; whole-footprint ICS {c}; statutory ICS {d}." for a, b, c, d in table.rows
        ),
        table=table,
    )


# ---------------------------------------------------------------- sources


def _sources(inputs: PackInputs, people: list[pd.Series], themes: list[str]) -> list[tuple[str, str]]:
    rows = []
    for p in people:
        links = "; ".join(f"{label} {url}" for label, url in source_links(p["rating_source"]))
        rows.append((f"Rating: {p['name']}", links or NOT_PUBLISHED))
    rows.append(("Population", population_source(inputs.bundle).removeprefix("Population: ")))
    rows += [(t.capitalize(), theme_source_line(inputs.bundle.measures, t)) for t in themes]
    rows.append(("Making Data Count", "NHS England, Making Data Count: XmR chart rules and icons"))
    rows.append(("ACS / ICS", "NHS England announcements 2017-2022 as reported; Health and Care Act 2022"))
    return rows
