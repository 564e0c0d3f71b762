"""The England pack: the 44 footprints' ratings, map and bell curve, the middle, a headline table per region."""

from __future__ import annotations

import pandas as pd

import settings
from exports.pack_inputs import PackInputs
from exports.pack_model import ENGLAND, Pack, Picture, Slide, Table
from exports.pack_slides import (
    BELL_PICTURE_TITLE,
    bell_alt,
    bell_title,
    headline_measures,
    map_slide,
    middle_slide,
    national_sources,
    rating_chart,
    rating_counts,
    region_table_slide,
    sources_slide,
    title_slide,
)
from exports.pack_words import as_of, gauge_themes, millions, population_date, population_source
from stp_data import ratings as r


def england_pack(inputs: PackInputs) -> Pack:
    profiles = inputs.profiles
    summary = r.group_summary(profiles, rating_counts(inputs))
    themes = sorted({x["theme"] for x in headline_measures(inputs.bundle)}, key=gauge_themes(inputs.bundle).index)
    population = int(profiles["population"].sum())
    slides = [
        title_slide(
            inputs,
            f"England's {len(profiles)} STP footprints: progress ratings of July 2017",
            f"NHS England STP progress dashboard, baseline view, {settings.RATINGS_PUBLISHED}",
            [
                ("Footprints", str(len(profiles))),
                ("Population", f"{population:,} ({population_date(inputs.bundle)}, ONS)"),
                ("Regions", str(profiles["region"].nunique())),
            ],
            themes,
        ),
        map_slide(inputs, profiles, inputs.geojson, "map-england", "England"),
        Slide(
            title=bell_title(inputs),
            source=inputs.bell_note,
            as_of=as_of(inputs.bundle, population=False),
            alt_text=bell_alt(inputs),
            chart=rating_chart(inputs),
            picture=Picture("bell-england", inputs.overview_bell(), BELL_PICTURE_TITLE, inputs.bell_note, 1100, 700),
        ),
        _summary_slide(inputs, summary, population),
        middle_slide(inputs, profiles, "England"),
    ]
    for region, group in profiles.groupby("region", sort=True):
        slides.append(region_table_slide(inputs, str(region), group))
    slides.append(sources_slide(inputs, national_sources(inputs), "England", boundaries=True))
    return Pack(ENGLAND, "England", "england", inputs.data_label, as_of(inputs.bundle, themes), tuple(slides))


def _summary_slide(inputs: PackInputs, summary: pd.DataFrame, population: int) -> Slide:
    middle = summary.loc[summary["group"] == "The middle"].iloc[0]
    rows = tuple(
        (
            str(row.group),
            str(row.footprints),
            str(row.counted_nationally),
            f"{row.population:,}",
            f"{row.population / population:.0%}",
        )
        for row in summary.itertuples()
    )
    return Slide(
        title=f"The middle {middle['footprints']} footprints cover {millions(middle['population'])} people, "
        f"{middle['population'] / population:.0%} of England",
        source=f"{inputs.bell_note} {population_source(inputs.bundle)}.",
        as_of=as_of(inputs.bundle),
        alt_text="Headline numbers: "
        + " ".join(f"{a}: {b} footprints ({c} counted nationally), {d} people, {e}." for a, b, c, d, e in rows),
        table=Table(
            ("Group", "Footprints named", "Counted nationally", "Population", "Share of England"), rows, (2, 1, 1, 1, 1)
        ),
    )
