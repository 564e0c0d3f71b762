"""What a board pack is, whatever its format: slides with a finding for a title, one body each, a source and dates.

The model alone: `exports.pptx` and `exports.pdf` lay these slides out as PowerPoint and A4 pages and need nothing
else from the pack builders. What goes on the slides is decided by scope: `exports.pack_england`,
`exports.pack_region`, `exports.pack_footprint` and `exports.pack_compare` (shared slides in `exports.pack_slides`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import settings

if TYPE_CHECKING:
    import plotly.graph_objects as go

Progress = Callable[[float, str], None]

FOOTPRINT, REGION, ENGLAND, COMPARE = "footprint", "region", "England", "compare"
BUNDLED = "bundled"
NOT_PUBLISHED = "Not published"
NO_ENGLAND = "No England figure"


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
    scope: str  # FOOTPRINT, REGION, ENGLAND or COMPARE
    name: str  # footprint name, region name, "England" or "Comparison of n footprints (…)"
    code: str  # footprint code, a slug of the region, "england", or the compared codes joined by "-"
    data_label: str
    as_of: str  # every date the pack's data are as of: the PDF's header on every page
    slides: tuple[Slide, ...]

    @property
    def file_stem(self) -> str:
        if self.scope == COMPARE:
            return f"stp-compare-{self.code}"
        return f"stp-pack-{self.code}"

    def pictures(self) -> list[Picture]:
        seen: dict[str, Picture] = {}
        for slide in self.slides:
            if slide.picture is not None:
                seen.setdefault(slide.picture.key, slide.picture)
        return list(seen.values())


def shown_label(label: str) -> str:
    """The data label as a reader sees it."""
    return "Data shown: as published (bundled with the dashboard)" if label == BUNDLED else f"Data shown: {label}"
