"""The pack of one footprint: its rating and place on the bell curve, each theme's gauges and trend, its journey
to an ICS and the July 2017 capital announcement."""

from __future__ import annotations

import pandas as pd

from charts.footprint_figures import FootprintFigures
from exports.pack_inputs import PackInputs
from exports.pack_model import FOOTPRINT, NOT_PUBLISHED, Pack, Picture, Slide, Table
from exports.pack_slides import (
    BELL_PICTURE_TITLE,
    bell_alt,
    gauge_slide,
    middle_count,
    rating_chart,
    rating_counts,
    sources_slide,
    title_slide,
    trend_slide,
)
from exports.pack_words import as_of, capital_sources, designation_sources, population_date, population_source
from stp_data import ratings as r
from stp_data.links import source_links
from stp_data.profiles import footprint_detail


def footprint_pack(inputs: PackInputs, code: str) -> Pack:
    p = inputs.footprint(code)
    figures = inputs.figures(p)
    themes = list(figures.specs)
    detail = footprint_detail(inputs.bundle, inputs.profiles, code)
    slides = [
        title_slide(
            inputs,
            f"{p['name']}: STP progress board pack",
            f"ONS code {p['code']} · {p['region']} · STP footprint as rated in July 2017",
            [
                ("Population", f"{int(p['population']):,} ({population_date(inputs.bundle)}, ONS)"),
                ("July 2017 rating", _rating_words(p)),
                ("NHS England region", str(p["region"]) if isinstance(p["region"], str) else NOT_PUBLISHED),
            ],
            themes,
        ),
        _rating_slide(inputs, p),
        _footprint_bell_slide(inputs, p, figures),
    ]
    for theme in themes:
        slides.append(gauge_slide(inputs, p, theme, figures.specs[theme], figures.sources[theme]))
        trend = trend_slide(inputs, p, theme)
        if trend is not None:
            slides.append(trend)
    slides.append(_care_system_slide(inputs, p, detail.designations))
    slides.append(_capital_slide(inputs, p, detail.capital))
    rating_sources = "; ".join(f"{label} {url}" for label, url in source_links(p["rating_source"]))
    rows = [
        ("Rating", rating_sources or NOT_PUBLISHED),
        ("Rating counts", inputs.bell_note),
        ("Population", population_source(inputs.bundle).removeprefix("Population: ")),
        *((t.capitalize(), figures.sources[t]) for t in themes),
        ("ACS / ICS", designation_sources(detail.designations) or "NHS England announcements as reported"),
        ("£325m capital", capital_sources(detail.capital) or "Written statement, 19 July 2017 (Data & sources)"),
    ]
    slides.append(sources_slide(inputs, rows, "footprint", boundaries=False))
    return Pack(FOOTPRINT, p["name"], code, inputs.data_label, as_of(inputs.bundle, themes), tuple(slides))


def _rating_words(p: pd.Series) -> str:
    return p["rating"] if isinstance(p["rating"], str) else "Not published (Advanced or Making progress)"


def _rating_slide(inputs: PackInputs, p: pd.Series) -> Slide:
    counts = rating_counts(inputs)
    links = source_links(p["rating_source"])
    facts = [("Rating", _rating_words(p))]
    if inputs.user_ratings:
        rated = p["rating"] if isinstance(p["rating"], str) else None
        title = (
            f"{p['name']}: rated {rated} in your ratings file" if rated else f"{p['name']}: not in your ratings file"
        )
        source = "Your ratings file, as loaded in this session."
    elif isinstance(p["rating"], str):
        title = f"{p['name']}: one of {int(counts[p['rating']])} rated {p['rating']}"
        source = "Source: " + "; ".join(f"{label} ({url})" for label, url in links) if links else "Source: see notes"
        facts += [(f"Source {i}", f"{label}: {url}") for i, (label, url) in enumerate(links, start=1)]
    else:
        title = f"{p['name']}: one of {middle_count(inputs)} in the middle; its rating was never published"
        source = f"{inputs.bell_note}"
        facts.append(
            (
                "Why",
                f"All {int(counts[r.TOP])} Outstanding and all {int(counts[r.BOTTOM])} Needs most improvement "
                "footprints are named in public sources and this is not one of them, so it was rated Advanced or "
                "Making progress. No public source found says which; neither is shown rather than guess.",
            )
        )
    if isinstance(p["rating_notes"], str) and p["rating_notes"]:
        facts.append(("Note", p["rating_notes"]))
    facts.append(("Published split", " / ".join(f"{int(counts[x])} {x}" for x in r.RATINGS)))
    return Slide(
        title=title,
        source=source,
        as_of=as_of(inputs.bundle, population=False),
        alt_text=f"{title}. " + " ".join(f"{a}: {b}." for a, b in facts),
        facts=tuple(facts),
    )


def _footprint_bell_slide(inputs: PackInputs, p: pd.Series, figures: FootprintFigures) -> Slide:
    rating = p["rating"] if isinstance(p["rating"], str) and p["rating"] in r.RATINGS else None
    counts = rating_counts(inputs)
    if rating == r.TOP or rating == r.BOTTOM:
        end = "top" if rating == r.TOP else "bottom"
        title = f"{p['name']} is one of the {int(counts[rating])} at the {end} of the bell curve"
        marked: tuple[str, ...] = (rating,)
    else:
        title = f"{p['name']} is one of the {middle_count(inputs)} in the middle of the bell curve"
        marked = (rating,) if rating else tuple(r.MIDDLE_RATINGS)
    where = rating or "Advanced or Making progress (not published which)"
    return Slide(
        title=title,
        source=figures.bell_note,
        as_of=as_of(inputs.bundle, population=False),
        alt_text=bell_alt(inputs, f"{p['name']} is marked at {where}."),
        chart=rating_chart(inputs, marked, p["name"]),
        picture=Picture(f"bell-{p['code']}", figures.bell, BELL_PICTURE_TITLE, figures.bell_note, 1100, 700),
    )


def _care_system_slide(inputs: PackInputs, p: pd.Series, designations: pd.DataFrame) -> Slide:
    text = p["care_system"] if isinstance(p["care_system"], str) else ""
    title = f"{p['name']}: {text}" if text else f"{p['name']}: not designated an ACS or ICS in the sources found"
    rows = tuple(
        (
            str(row.wave),
            str(row.announced),
            str(row.area_as_named_in_source),
            "; ".join(label for label, _ in source_links(row.source)) or NOT_PUBLISHED,
        )
        for row in designations.itertuples()
    )
    if not rows:
        rows = (("No designation found", NOT_PUBLISHED, str(p["name"]), "NHS England waves 2017-2022"),)
    return Slide(
        title=title,
        source="Sources: " + (designation_sources(designations) or "NHS England announcements 2017-2022"),
        as_of="ACS / ICS designations June 2017 to July 2022",
        alt_text=f"{title}. " + " ".join(f"{a} ({b}): {c}." for a, b, c, _ in rows),
        table=Table(("Milestone", "When", "Area as named", "Source"), rows, (2.2, 1.2, 2.6, 2.6)),
    )


def _capital_slide(inputs: PackInputs, p: pd.Series, capital: pd.DataFrame) -> Slide:
    areas = inputs.bundle.capital["stp17cd"].nunique()
    if capital.empty:
        title = f"{p['name']}: not one of the {areas} areas in the July 2017 £325m capital announcement"
        facts = [("£325m capital (19 July 2017)", "Not in the list")]
    else:
        title = f"{p['name']}: one of the {areas} areas in the July 2017 £325m capital announcement"
        row = capital.iloc[0]
        amount = row["scheme_and_amount_as_reported"]
        facts = [
            ("£325m capital (19 July 2017)", "In the list"),
            ("Scheme and amount as reported", amount if isinstance(amount, str) else NOT_PUBLISHED),
        ]
    source = capital_sources(capital) or "Written ministerial statement, 19 July 2017 (see Data & sources)"
    return Slide(
        title=title,
        source=f"Source: {source}",
        as_of="Capital announcement 19 July 2017",
        alt_text=f"{title}. " + " ".join(f"{a}: {b}." for a, b in facts),
        facts=tuple(facts),
    )
