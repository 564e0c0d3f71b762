"""The July 2017 rating distribution: who is at the top, the bottom and in the middle."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from stp_data.schemas import RATINGS

TOP, BOTTOM = RATINGS[0], RATINGS[-1]
MIDDLE_RATINGS = RATINGS[1:-1]
UNPUBLISHED = "Middle: rating not published"
NOT_RATED = "Not in your ratings file"
NOT_PUBLISHED = "Not published"
RATING_GROUPS = (*RATINGS[:2], UNPUBLISHED, *RATINGS[2:])
_COUNT_COLUMNS = dict(
    zip(RATINGS, ("outstanding", "advanced", "making_progress", "needs_most_improvement"), strict=True)
)


def rating_group(rating: object) -> str:
    """A footprint's map category: its published rating, or the honest 'not published' middle."""
    return str(rating) if isinstance(rating, str) and rating in RATINGS else UNPUBLISHED


def chart_counts(distribution: pd.DataFrame) -> pd.Series:
    """Counts per rating from the sources marked for the chart; they must agree."""
    chosen = distribution[distribution["used_for_chart"] == "yes"]
    if chosen.empty:
        raise ValueError("no rating distribution is marked used_for_chart=yes")
    counts = chosen[list(_COUNT_COLUMNS.values())].drop_duplicates()
    if len(counts) != 1:
        raise ValueError("the sources marked for the chart give different counts")
    return pd.Series(counts.iloc[0].astype(int).to_numpy(), index=list(RATINGS), name="count")


def chart_sources(distribution: pd.DataFrame) -> list[str]:
    return distribution.loc[distribution["used_for_chart"] == "yes", "publisher"].tolist()


def other_splits(distribution: pd.DataFrame) -> pd.DataFrame:
    """Sources whose counts differ from the chart's, to state the disagreement."""
    return distribution[distribution["used_for_chart"] == "no"]


def bars(profiles: pd.DataFrame, counts: pd.Series) -> pd.DataFrame:
    """One row per rating: total, how many are named publicly, and their names."""
    rows = []
    for position, rating in enumerate(RATINGS, start=1):
        named = profiles.loc[profiles["rating"] == rating].sort_values("name")
        total = int(counts[rating])
        if len(named) > total:
            raise ValueError(f"{len(named)} footprints named as {rating} but only {total} counted")
        rows.append(
            {
                "rating": rating,
                "position": position,
                "total": total,
                "named": len(named),
                "unnamed": total - len(named),
                "named_names": named["name"].tolist(),
                "named_codes": named["code"].tolist(),
            }
        )
    return pd.DataFrame(rows)


def is_middle(profiles: pd.DataFrame) -> pd.Series:
    """Neither top nor bottom. Unpublished ratings count as middle only because
    every top and bottom footprint is publicly named (checked by `bars`)."""
    return profiles["rating"].isin(MIDDLE_RATINGS) | (profiles["rating_group"] == UNPUBLISHED)


def middle_footprints(profiles: pd.DataFrame) -> pd.DataFrame:
    middle = profiles.loc[is_middle(profiles)].copy()
    middle["rating_shown"] = middle["rating"].fillna("Advanced or Making progress (not published)")
    return middle.sort_values(["rating_shown", "name"])


def group_summary(profiles: pd.DataFrame, counts: pd.Series) -> pd.DataFrame:
    """Headline numbers: top, middle and bottom, with the population each covers."""
    middle = is_middle(profiles)
    groups = {
        TOP: profiles["rating"] == TOP,
        "The middle": middle,
        BOTTOM: profiles["rating"] == BOTTOM,
    }
    rows = []
    for label, mask in groups.items():
        rows.append(
            {
                "group": label,
                "footprints": int(mask.sum()),
                "population": int(profiles.loc[mask, "population"].sum()),
            }
        )
    summary = pd.DataFrame(rows)
    expected = [int(counts[TOP]), int(counts[list(MIDDLE_RATINGS)].sum()), int(counts[BOTTOM])]
    summary["counted_nationally"] = expected
    return summary


def normal_curve(bar_table: pd.DataFrame, points: int = 121) -> pd.DataFrame:
    """A normal curve with the distribution's own mean and spread, scaled to counts.

    Positions 1..4 stand for the ordered ratings, so bar width is 1 and the
    curve's area equals the number of footprints.
    """
    positions = bar_table["position"].astype(float)
    weights = bar_table["total"].astype(float)
    total = weights.sum()
    mean = float((positions * weights).sum() / total)
    sd = math.sqrt(float((weights * (positions - mean) ** 2).sum() / total))
    if sd == 0:
        # Every footprint in one band (e.g. a small ratings file): there is no curve to draw.
        return pd.DataFrame({"x": [], "y": [], "mean": [], "sd": []})
    xs = [0.5 + 4.0 * i / (points - 1) for i in range(points)]
    ys = [total * math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi)) for x in xs]
    return pd.DataFrame({"x": xs, "y": ys, "mean": mean, "sd": sd})


def distribution_note(distribution: pd.DataFrame) -> str:
    """The chart's source line, naming the sources that disagree."""
    used = ", ".join(chart_sources(distribution))
    counts = chart_counts(distribution)
    split = " / ".join(str(int(counts[r])) for r in RATINGS)
    others = []
    for row in other_splits(distribution).itertuples():
        if pd.notna(row.advanced) and pd.notna(row.making_progress):
            others.append(f"{row.publisher} {int(row.advanced)} / {int(row.making_progress)}")
        else:
            others.append(f"{row.publisher} does not add up to 44")
    return (
        f"Counts ({split}): {used}, 21 July 2017. Other splits of the middle (Advanced / Making progress): "
        f"{'; '.join(others)}."
    )


# Per NHS England region (alphabetical), each middle footprint's link label and code.
MiddleLinks = list[tuple[str, list[tuple[str, str]]]]
MIDDLE_COLUMNS = {
    "code": "Code",
    "name": "Footprint",
    "region": "NHS England region",
    "population": "Population (mid-2018)",
    "rating_shown": "July 2017 rating",
    "care_system": "Became ACS/ICS",
}


def middle_list(middle: pd.DataFrame) -> tuple[pd.DataFrame, MiddleLinks]:
    """The middle footprints with the column names a reader sees, and their links grouped by region:
    'Name · 1.2m' (population in millions), plus ' · rating' where a public source names it."""
    table = middle[list(MIDDLE_COLUMNS)].rename(columns=MIDDLE_COLUMNS)
    table["Became ACS/ICS"] = table["Became ACS/ICS"].fillna("Statutory ICS, 1 July 2022")
    regions: MiddleLinks = []
    for region, rows in table.groupby("NHS England region", sort=True):
        links = []
        for code, name, population, rating in zip(
            rows["Code"], rows["Footprint"], rows["Population (mid-2018)"], rows["July 2017 rating"], strict=True
        ):
            named = "" if rating.startswith("Advanced or") else f" · {rating}"
            links.append((f"{name} · {population / 1e6:.1f}m{named}", code))
        regions.append((str(region), links))
    return table, regions


@dataclass(frozen=True)
class OverviewNumbers:
    """The overview's headline figures as plain values: worked out once for the bundled data, not per page run."""

    middle_count: int
    unpublished: int  # footprints with no rating in the table shown
    top: int  # the first and last bars' totals
    bottom: int
    named: dict[str, int]  # rating -> footprints a public source names with it
    population: int  # England: the sum over footprints
    groups: tuple[tuple[str, int, int], ...]  # (group, footprints, population), as group_summary
    bar_counts: str  # "5 Outstanding, 20 Advanced, ...": the bell curve's text alternative


def overview_numbers(profiles: pd.DataFrame, bar_table: pd.DataFrame, summary: pd.DataFrame) -> OverviewNumbers:
    """OverviewNumbers from the profiles, bars() and group_summary()."""
    totals = bar_table["total"].astype(int).tolist()
    groups = tuple(
        (str(g), int(f), int(p)) for g, f, p in summary[["group", "footprints", "population"]].itertuples(index=False)
    )
    return OverviewNumbers(
        middle_count=next(footprints for group, footprints, _ in groups if group == "The middle"),
        unpublished=int(profiles["rating"].isna().sum()),
        top=totals[0],
        bottom=totals[-1],
        named=dict(zip(bar_table["rating"], bar_table["named"].astype(int), strict=True)),
        population=int(profiles["population"].sum()),
        groups=groups,
        bar_counts=", ".join(f"{total} {rating}" for total, rating in zip(totals, bar_table["rating"], strict=True)),
    )
