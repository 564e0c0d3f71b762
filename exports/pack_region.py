"""The pack of an NHS England region: its footprints on the map and the bell curve, its middle, its headline table."""

from __future__ import annotations

import pandas as pd

import settings
from exports.pack_inputs import PackInputs
from exports.pack_model import REGION, Pack, Picture, Slide
from exports.pack_slides import (
    BELL_PICTURE_TITLE,
    bell_alt,
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
from exports.pack_words import as_of, gauge_themes, population_date, slug
from stp_data import ratings as r


def regions(profiles: pd.DataFrame) -> list[str]:
    """The region names a region pack accepts (profiles['region'])."""
    return sorted(profiles["region"].dropna().unique().tolist())


def region_pack(inputs: PackInputs, region: str) -> Pack:
    profiles = inputs.profiles.loc[inputs.profiles["region"] == region]
    if profiles.empty:
        raise KeyError(f"no footprints in region {region!r}; regions are: {', '.join(regions(inputs.profiles))}")
    codes = set(profiles["code"])
    geojson = {**inputs.geojson, "features": [f for f in inputs.geojson["features"] if f["id"] in codes]}
    themes = sorted({x["theme"] for x in headline_measures(inputs.bundle)}, key=gauge_themes(inputs.bundle).index)
    counts = profiles["rating"].value_counts()
    top, bottom, middle = int(counts.get(r.TOP, 0)), int(counts.get(r.BOTTOM, 0)), int(r.is_middle(profiles).sum())
    national = rating_counts(inputs)
    bell_title = (
        f"{region}: {top} of the {int(national[r.TOP])} Outstanding, {bottom} of the {int(national[r.BOTTOM])} "
        f"Needs most improvement, {middle} in the middle"
    )
    region_ratings = [x for x in r.RATINGS if x in set(profiles["rating"].dropna())]
    slides = [
        title_slide(
            inputs,
            f"{region}: {len(profiles)} STP footprints, progress ratings of July 2017",
            f"NHS England STP progress dashboard, baseline view, {settings.RATINGS_PUBLISHED}",
            [
                ("Footprints", ", ".join(sorted(profiles["name"]))),
                ("Population", f"{int(profiles['population'].sum()):,} ({population_date(inputs.bundle)}, ONS)"),
            ],
            themes,
        ),
        map_slide(inputs, profiles, geojson, f"map-{slug(region)}", region),
        Slide(
            title=bell_title,
            source=inputs.bell_note,
            as_of=as_of(inputs.bundle, population=False),
            alt_text=bell_alt(
                inputs, f"{region}: {top} Outstanding, {bottom} Needs most improvement, {middle} in the middle."
            ),
            chart=rating_chart(inputs, region_ratings, region),
            picture=Picture("bell-england", inputs.overview_bell(), BELL_PICTURE_TITLE, inputs.bell_note, 1100, 700),
        ),
        middle_slide(inputs, profiles, region),
        region_table_slide(inputs, region, profiles),
        sources_slide(inputs, national_sources(inputs), "region", boundaries=True),
    ]
    return Pack(REGION, region, slug(region), inputs.data_label, as_of(inputs.bundle, themes), tuple(slides))
