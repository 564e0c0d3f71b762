"""What a board pack says, independent of its format: a list of slides for England, a region, a footprint or a
comparison of footprints.

A façade: every caller imports from here, and the content lives by scope in

- `exports.pack_model`: the slide model (Table, Series, ChartData, Picture, Slide, Pack, shown_label), all that
  `exports.pptx` and `exports.pdf` need;
- `exports.pack_inputs`: what a pack is built from (PackInputs, data_label, bundled_inputs);
- `exports.pack_words`: dates, numbers and sources as a board reads them;
- `exports.pack_pictures`: each picture rendered once (kaleido) for both formats;
- `exports.pack_slides`: slides shared by several scopes (title, map, bell curve, gauges, trend, sources);
- `exports.pack_england`, `exports.pack_region`, `exports.pack_footprint`, `exports.pack_compare`: one scope each.

Pure: no Streamlit. Given the same objects the screen uses (ui.page_data.PageData), so a pack shows what the
viewer sees, labelled with whose data it is.
"""

from __future__ import annotations

from exports.pack_compare import MAX_COMPARED, MIN_COMPARED, compare_pack
from exports.pack_england import england_pack
from exports.pack_footprint import footprint_pack
from exports.pack_inputs import PackInputs, bundled_inputs, data_label
from exports.pack_model import (
    BUNDLED,
    COMPARE,
    ENGLAND,
    FOOTPRINT,
    NO_ENGLAND,
    NOT_PUBLISHED,
    REGION,
    ChartData,
    Pack,
    Picture,
    Progress,
    Series,
    Slide,
    Table,
    shown_label,
)
from exports.pack_pictures import PICTURE_SCALE, Pictures, needed_pictures, trend_figure
from exports.pack_region import region_pack, regions
from exports.pack_slides import (
    BELL_PICTURE_TITLE,
    TREND_MIN_PERIODS,
    flagged_periods,
    gauge_slide,
    gauge_table,
    gauge_title,
    headline_measures,
    headline_table,
    map_slide,
    rating_chart,
    region_table_slide,
    sources_slide,
    trend_slide,
)
from exports.pack_words import (
    as_of,
    format_value,
    gauge_themes,
    millions,
    period_label,
    population_date,
    runs_of_periods,
    short_period,
    theme_dates,
)

__all__ = [
    "BELL_PICTURE_TITLE",
    "BUNDLED",
    "COMPARE",
    "ENGLAND",
    "FOOTPRINT",
    "MAX_COMPARED",
    "MIN_COMPARED",
    "NOT_PUBLISHED",
    "NO_ENGLAND",
    "PICTURE_SCALE",
    "REGION",
    "TREND_MIN_PERIODS",
    "ChartData",
    "Pack",
    "PackInputs",
    "Picture",
    "Pictures",
    "Progress",
    "Series",
    "Slide",
    "Table",
    "as_of",
    "bundled_inputs",
    "compare_pack",
    "data_label",
    "england_pack",
    "flagged_periods",
    "footprint_pack",
    "format_value",
    "gauge_slide",
    "gauge_table",
    "gauge_themes",
    "gauge_title",
    "headline_measures",
    "headline_table",
    "map_slide",
    "millions",
    "needed_pictures",
    "period_label",
    "population_date",
    "rating_chart",
    "region_pack",
    "region_table_slide",
    "regions",
    "runs_of_periods",
    "short_period",
    "shown_label",
    "sources_slide",
    "theme_dates",
    "trend_figure",
    "trend_slide",
]
