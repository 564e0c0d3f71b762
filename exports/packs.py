"""What a board pack says, independent of its format: a list of slides for a footprint, a region or England.

Each slide states its finding as its title (computed from the data, never hand-written), carries one body (a
native chart, a picture, a table, facts, or words such as "not published"), its text alternative, its source
line and the dates its data are as of. `exports.pptx` and `exports.pdf` lay the same slides out as PowerPoint
and A4 pages; `Pictures` renders each picture once (kaleido, 2x) so that building both formats costs one render.

Pure: no Streamlit. Given the same objects the screen uses (ui.page_data.PageData), so a pack shows what the
viewer sees, labelled with whose data it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

import settings
from charts.bell_curve import rating_bell_curve
from charts.footprint_figures import FootprintFigures, footprint_figures, theme_source_line
from charts.gauges import ROW_HEIGHT, gauge_row
from charts.rating_map import rating_map
from stp_data import metrics as m
from stp_data import ratings as r
from stp_data.links import source_links
from stp_data.loading import Bundle
from stp_data.profiles import footprint_detail

Progress = Callable[[float, str], None]

FOOTPRINT, REGION, ENGLAND = "footprint", "region", "England"
BUNDLED = "bundled"
NOT_PUBLISHED = "Not published"
NO_ENGLAND = "No England figure"
PICTURE_SCALE = 2  # kaleido renders at 2x: sharp when projected and printed
TREND_MIN_PERIODS = 3
# A picture's own title names what it shows (the slide's title states the finding), so a copied picture keeps it.
BELL_PICTURE_TITLE = (
    "STP progress ratings, July 2017: the bell curve"  # fewer points than this are a comparison, not a trend
)


# ---------------------------------------------------------------- slide content


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()  # relative column widths; equal when empty


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    colour: str = settings.NHS_BLUE


@dataclass(frozen=True)
class ChartData:
    """A chart PowerPoint draws natively (and keeps editable): bars of counts, or lines over periods."""

    kind: str  # "bar" or "line"
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    point_colours: tuple[str, ...] = ()  # bar: one colour per category (the rating palette)
    marked: tuple[int, ...] = ()  # bar: categories to outline (where the footprint sits)
    marked_label: str = ""
    number_format: str = "0"
    value_title: str = ""


@dataclass(frozen=True)
class Picture:
    """A Plotly figure drawn as an image, with its title and source inside so a copied picture keeps them."""

    key: str  # unique within a pack: one render per key
    figure: go.Figure
    title: str
    source: str
    width: int = 1000  # layout pixels; rendered at PICTURE_SCALE
    height: int = 700


@dataclass(frozen=True)
class Slide:
    title: str  # the finding
    source: str
    as_of: str
    alt_text: str  # the text alternative: speaker notes in PowerPoint
    subtitle: str = ""
    chart: ChartData | None = None  # native in PowerPoint; the PDF draws `picture` instead when there is one
    picture: Picture | None = None
    table: Table | None = None
    facts: tuple[tuple[str, str], ...] = ()
    words: str = ""  # a statement in place of a chart, e.g. nothing published
    boundaries: bool = False  # a map: the OGL attribution must appear
    is_title: bool = False

    @property
    def attribution(self) -> str:
        return settings.OGL_ATTRIBUTION if self.boundaries else ""

    @property
    def source_line(self) -> str:
        """The source, then the boundary attribution where a map is shown."""
        return " ".join(part for part in (self.source, self.attribution) if part)


@dataclass(frozen=True)
class Pack:
    scope: str  # FOOTPRINT, REGION or ENGLAND
    name: str  # footprint name, region name or "England"
    code: str  # footprint code, a slug of the region, or "england": for file names
    data_label: str
    as_of: str  # every date the pack's data are as of: the PDF's header on every page
    slides: tuple[Slide, ...]

    @property
    def file_stem(self) -> str:
        return f"stp-pack-{self.code}"

    def pictures(self) -> list[Picture]:
        seen: dict[str, Picture] = {}
        for slide in self.slides:
            if slide.picture is not None:
                seen.setdefault(slide.picture.key, slide.picture)
        return list(seen.values())


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PackInputs:
    """The objects the screen shows (ui.page_data.PageData), and whose data they are.

    `map_figure`, `bell_figure` and `figures_for` are optional: pass the page's (cached) ones so the pack draws
    exactly those; without them they are built here from the same tables with the same builders.
    """

    bundle: Bundle
    profiles: pd.DataFrame
    bars: pd.DataFrame
    curve: pd.DataFrame
    bell_note: str
    geojson: dict
    data_label: str = BUNDLED
    boundaries_label: str = "ONS 2017 footprints (OGL v3)"
    user_ratings: bool = False
    areas: int | None = None
    map_figure: go.Figure | None = None
    bell_figure: go.Figure | None = None
    figures_for: Callable[[pd.Series], FootprintFigures] | None = None
    _figures: dict = field(default_factory=dict, repr=False, compare=False)

    def overview_map(self) -> go.Figure:
        return self.map_figure if self.map_figure is not None else rating_map(self.geojson, self.profiles)

    def overview_bell(self) -> go.Figure:
        if self.bell_figure is not None:
            return self.bell_figure
        return rating_bell_curve(self.bars, self.curve, note=self.bell_note)

    def footprint(self, code: str) -> pd.Series:
        match = self.profiles.loc[self.profiles["code"] == code]
        if match.empty:
            raise KeyError(f"no footprint with code {code!r}")
        return match.iloc[0]

    def figures(self, profile: pd.Series) -> FootprintFigures:
        code = profile["code"]
        if code not in self._figures:
            if self.figures_for is not None:
                self._figures[code] = self.figures_for(profile)
            else:
                areas = self.areas if self.areas is not None else len(self.profiles)
                self._figures[code] = footprint_figures(
                    self.bundle, profile, self.bars, self.curve, areas=areas, note=self.bell_note
                )
        return self._figures[code]


def data_label(files: Iterable[object] = ()) -> str:
    """'bundled', or 'bundled, with: a.csv (published 26 Nov 2026 …); b.csv (your upload, …)' (LoadedFile-like)."""
    loaded = [getattr(item, "described", f"{item.file_name} loaded {item.loaded_at}") for item in files]  # type: ignore[attr-defined]
    return "bundled, with " + "; ".join(loaded) if loaded else BUNDLED


def shown_label(label: str) -> str:
    """The data label as a reader sees it."""
    return "Data shown: as published (bundled with the dashboard)" if label == BUNDLED else f"Data shown: {label}"


# ---------------------------------------------------------------- dates and numbers


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


def _plain(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text.replace("<br>", " ")).replace("  ", " ").strip()


def gauge_themes(bundle: Bundle) -> list[str]:
    """Themes with gauges, in the footprint page's order."""
    from charts.footprint_figures import GAUGE_THEMES

    return [t for t in GAUGE_THEMES if (bundle.measures["theme"] == t).any()]


# ---------------------------------------------------------------- shared slides


def _counts(inputs: PackInputs) -> pd.Series:
    return inputs.bars.set_index("rating")["total"]


def _middle_count(inputs: PackInputs) -> int:
    return int(_counts(inputs)[list(r.MIDDLE_RATINGS)].sum())


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


def _bell_alt(inputs: PackInputs, extra: str = "") -> str:
    bars = inputs.bars
    counts = ", ".join(f"{row.total} {row.rating}" for row in bars.itertuples())
    named = ", ".join(f"{row.named} of {row.total} {row.rating}" for row in bars.itertuples())
    return (
        f"Bar chart of how many footprints got each July 2017 rating: {counts}. A normal curve is drawn over the "
        f"bars in the dashboard. Named in public sources: {named}.{(' ' + extra) if extra else ''}"
    )


def _bell_title(inputs: PackInputs) -> str:
    counts = _counts(inputs)
    return f"{int(counts[r.TOP])} praised, {int(counts[r.BOTTOM])} castigated, {_middle_count(inputs)} in the middle"


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
    sources = [f"Ratings: NHS England, {settings.RATINGS_PUBLISHED}, as reported", _population_source(inputs.bundle)]
    sources += [theme_source_line(inputs.bundle.measures, t) for t in themes]
    return Slide(
        title=title,
        source=" ".join(s.rstrip(".") + "." for s in sources),
        as_of=as_of(inputs.bundle, themes),
        alt_text=f"Table of the {len(profiles)} footprints in {region}: "
        + "; ".join(", ".join(row[:3]) for row in table.rows),
        table=table,
    )


def _population_source(bundle: Bundle) -> str:
    row = bundle.sources.loc[bundle.sources["table_id"].str.startswith("population")]
    if row.empty:
        return "Population: ONS"
    return f"Population: {row.iloc[0]['publisher']}, {row.iloc[0]['title']}"


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


def _national_sources(inputs: PackInputs) -> list[tuple[str, str]]:
    rows = [
        ("Ratings", f"NHS England STP progress dashboard, baseline view, {settings.RATINGS_PUBLISHED}, as reported"),
        ("Rating counts", inputs.bell_note),
        ("Population", _population_source(inputs.bundle).removeprefix("Population: ")),
    ]
    for measure in headline_measures(inputs.bundle):
        rows.append((measure["theme"].capitalize(), theme_source_line(inputs.bundle.measures, measure["theme"])))
    rows.append(("ACS / ICS", "NHS England announcements 2017-2022 as reported (Data & sources)"))
    return rows


def _title_slide(inputs: PackInputs, title: str, subtitle: str, facts: list[tuple[str, str]], themes) -> Slide:
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


def _middle_slide(inputs: PackInputs, profiles: pd.DataFrame, place: str) -> Slide:
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
        source=f"{inputs.bell_note} {_population_source(inputs.bundle)}.",
        as_of=as_of(inputs.bundle),
        alt_text=f"The middle footprints of {place} by region: "
        + " ".join(f"{a} ({b}): {c}." for a, b, c in rows)
        + " A rating in brackets is named by a public source; the others were never published.",
        table=Table(("Region", "Footprints", "In the middle (rating where published)"), tuple(rows), (1.6, 0.8, 7.0)),
    )


# ---------------------------------------------------------------- England and region packs


def england_pack(inputs: PackInputs) -> Pack:
    profiles = inputs.profiles
    summary = r.group_summary(profiles, _counts(inputs))
    themes = sorted({x["theme"] for x in headline_measures(inputs.bundle)}, key=gauge_themes(inputs.bundle).index)
    population = int(profiles["population"].sum())
    slides = [
        _title_slide(
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
            title=_bell_title(inputs),
            source=inputs.bell_note,
            as_of=as_of(inputs.bundle, population=False),
            alt_text=_bell_alt(inputs),
            chart=rating_chart(inputs),
            picture=Picture("bell-england", inputs.overview_bell(), BELL_PICTURE_TITLE, inputs.bell_note, 1100, 700),
        ),
        _summary_slide(inputs, summary, population),
        _middle_slide(inputs, profiles, "England"),
    ]
    for region, group in profiles.groupby("region", sort=True):
        slides.append(region_table_slide(inputs, str(region), group))
    slides.append(sources_slide(inputs, _national_sources(inputs), "England", boundaries=True))
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
        source=f"{inputs.bell_note} {_population_source(inputs.bundle)}.",
        as_of=as_of(inputs.bundle),
        alt_text="Headline numbers: "
        + " ".join(f"{a}: {b} footprints ({c} counted nationally), {d} people, {e}." for a, b, c, d, e in rows),
        table=Table(
            ("Group", "Footprints named", "Counted nationally", "Population", "Share of England"), rows, (2, 1, 1, 1, 1)
        ),
    )


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
    national = _counts(inputs)
    bell_title = (
        f"{region}: {top} of the {int(national[r.TOP])} Outstanding, {bottom} of the {int(national[r.BOTTOM])} "
        f"Needs most improvement, {middle} in the middle"
    )
    region_ratings = [x for x in r.RATINGS if x in set(profiles["rating"].dropna())]
    slides = [
        _title_slide(
            inputs,
            f"{region}: {len(profiles)} STP footprints, progress ratings of July 2017",
            f"NHS England STP progress dashboard, baseline view, {settings.RATINGS_PUBLISHED}",
            [
                ("Footprints", ", ".join(sorted(profiles["name"]))),
                ("Population", f"{int(profiles['population'].sum()):,} ({population_date(inputs.bundle)}, ONS)"),
            ],
            themes,
        ),
        map_slide(inputs, profiles, geojson, f"map-{_slug(region)}", region),
        Slide(
            title=bell_title,
            source=inputs.bell_note,
            as_of=as_of(inputs.bundle, population=False),
            alt_text=_bell_alt(
                inputs, f"{region}: {top} Outstanding, {bottom} Needs most improvement, {middle} in the middle."
            ),
            chart=rating_chart(inputs, region_ratings, region),
            picture=Picture("bell-england", inputs.overview_bell(), BELL_PICTURE_TITLE, inputs.bell_note, 1100, 700),
        ),
        _middle_slide(inputs, profiles, region),
        region_table_slide(inputs, region, profiles),
        sources_slide(inputs, _national_sources(inputs), "region", boundaries=True),
    ]
    return Pack(REGION, region, _slug(region), inputs.data_label, as_of(inputs.bundle, themes), tuple(slides))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------- footprint pack


def footprint_pack(inputs: PackInputs, code: str) -> Pack:
    p = inputs.footprint(code)
    figures = inputs.figures(p)
    themes = list(figures.specs)
    detail = footprint_detail(inputs.bundle, inputs.profiles, code)
    slides = [
        _title_slide(
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
        ("Population", _population_source(inputs.bundle).removeprefix("Population: ")),
        *((t.capitalize(), figures.sources[t]) for t in themes),
        ("ACS / ICS", _designation_sources(detail.designations) or "NHS England announcements as reported"),
        ("£325m capital", _capital_sources(detail.capital) or "Written statement, 19 July 2017 (Data & sources)"),
    ]
    slides.append(sources_slide(inputs, rows, "footprint", boundaries=False))
    return Pack(FOOTPRINT, p["name"], code, inputs.data_label, as_of(inputs.bundle, themes), tuple(slides))


def _rating_words(p: pd.Series) -> str:
    return p["rating"] if isinstance(p["rating"], str) else "Not published (Advanced or Making progress)"


def _rating_slide(inputs: PackInputs, p: pd.Series) -> Slide:
    counts = _counts(inputs)
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
        title = f"{p['name']}: one of {_middle_count(inputs)} in the middle; its rating was never published"
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
    counts = _counts(inputs)
    if rating == r.TOP or rating == r.BOTTOM:
        end = "top" if rating == r.TOP else "bottom"
        title = f"{p['name']} is one of the {int(counts[rating])} at the {end} of the bell curve"
        marked: tuple[str, ...] = (rating,)
    else:
        title = f"{p['name']} is one of the {_middle_count(inputs)} in the middle of the bell curve"
        marked = (rating,) if rating else tuple(r.MIDDLE_RATINGS)
    where = rating or "Advanced or Making progress (not published which)"
    return Slide(
        title=title,
        source=figures.bell_note,
        as_of=as_of(inputs.bundle, population=False),
        alt_text=_bell_alt(inputs, f"{p['name']} is marked at {where}."),
        chart=rating_chart(inputs, marked, p["name"]),
        picture=Picture(f"bell-{p['code']}", figures.bell, BELL_PICTURE_TITLE, figures.bell_note, 1100, 700),
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


def flagged_periods(bundle: Bundle, measure: str, code: str) -> set[str]:
    """Periods of a footprint's measure with a missing or partial trust return (stp_data.emergency flags)."""
    flags = getattr(bundle, "flags", None)
    if flags is None or flags.empty:
        return set()
    from stp_data.emergency import GAP_KINDS

    hit = flags.loc[(flags["code"] == code) & (flags["measure"] == measure) & flags["kind"].isin(GAP_KINDS)]
    return set(hit["period"])


def trend_figure(chart: ChartData) -> go.Figure:
    """The line chart as a Plotly figure, for the PDF (PowerPoint draws it natively)."""
    from charts.style import base_layout

    fig = go.Figure()
    for series in chart.series:
        fig.add_trace(
            go.Scatter(
                x=list(chart.categories),
                y=[math.nan if v is None else v for v in series.values],
                name=series.name,
                mode="lines+markers",
                line={"color": series.colour, "width": 3},
                marker={"size": 6},
            )
        )
    base_layout(fig, height=650)
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        yaxis={"title": chart.value_title, "gridcolor": settings.RULE},
        xaxis={"type": "category", "nticks": 12},
        margin={"l": 70, "r": 20, "t": 40, "b": 60},
    )
    return fig


def _designation_sources(table: pd.DataFrame) -> str:
    labels = {label for cell in table.get("source", []) for label, _ in source_links(cell)}
    return "; ".join(sorted(labels))


def _capital_sources(table: pd.DataFrame) -> str:
    labels = {label for cell in table.get("list_source", []) for label, _ in source_links(cell)}
    return "; ".join(sorted(labels))


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
        source="Sources: " + (_designation_sources(designations) or "NHS England announcements 2017-2022"),
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
    source = _capital_sources(capital) or "Written ministerial statement, 19 July 2017 (see Data & sources)"
    return Slide(
        title=title,
        source=f"Source: {source}",
        as_of="Capital announcement 19 July 2017",
        alt_text=f"{title}. " + " ".join(f"{a}: {b}." for a, b in facts),
        facts=tuple(facts),
    )


# ---------------------------------------------------------------- pictures, rendered once


def needed_pictures(pack: Pack, fmt: str) -> list[Picture]:
    """The pictures a format draws: PowerPoint draws charts natively, so only maps, gauges and the like."""
    wanted = [
        slide.picture for slide in pack.slides if slide.picture is not None and (fmt != "pptx" or slide.chart is None)
    ]
    return list({picture.key: picture for picture in wanted}.values())


class Pictures:
    """PNG bytes of each picture of a pack, rendered once (kaleido, 2x) and shared by the PowerPoint and the PDF."""

    def __init__(self) -> None:
        self._png: dict[str, bytes] = {}

    def png(self, picture: Picture) -> bytes:
        if picture.key not in self._png:
            from exports.png import figure_png  # late: kaleido is only needed when a pack is built

            self._png[picture.key] = figure_png(
                picture.figure,
                title=picture.title,
                source_line=picture.source,
                width=picture.width,
                height=picture.height,
                scale=PICTURE_SCALE,
            )
        return self._png[picture.key]

    def render(self, pictures: Sequence[Picture], progress: Progress | None = None, share: float = 1.0) -> None:
        """Render every picture not yet drawn, reporting progress over the first `share` of the work."""
        todo = [p for p in pictures if p.key not in self._png]
        for done, picture in enumerate(todo):
            if progress is not None:
                progress(share * done / max(len(todo), 1), f"Drawing picture {done + 1} of {len(todo)}")
            self.png(picture)

    def __len__(self) -> int:
        return len(self._png)


def bundled_inputs() -> PackInputs:
    """What the overview and footprint pages show for the bundled data, built from the repository's tables
    (for scripts and tests; the dashboard passes its own PageData, see ui/packs_view.py)."""
    from geo.boundaries import BOUNDARIES_2017, join_by_code, load_boundaries, to_geojson
    from stp_data.loading import load_bundle
    from stp_data.profiles import footprint_profiles

    bundle = load_bundle()
    profiles = footprint_profiles(bundle)
    bars = r.bars(profiles, r.chart_counts(bundle.distribution))
    boundaries = load_boundaries(BOUNDARIES_2017, code_column="stp17cd", name_column="stp17nm")
    joined, _ = join_by_code(boundaries, profiles[["code"]], "code")
    return PackInputs(
        bundle=bundle,
        profiles=profiles,
        bars=bars,
        curve=r.normal_curve(bars),
        bell_note=r.distribution_note(bundle.distribution),
        geojson=to_geojson(joined),
    )
