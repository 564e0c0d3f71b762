"""One home for the dashboard's settings: limits, names, formats, colours and page paths.

The lowest layer: imports nothing from the project, so every package (stp_data, geo, charts, exports, ui)
and every page reads the same values. `.streamlit/config.toml` repeats the upload limit for Streamlit's own
uploader; a test checks that the two agree.
"""

from __future__ import annotations

# --- Footprints -------------------------------------------------------------------------------------------
STP_CODE_PATTERN = r"^E54\d{6}$"  # ONS STP / ICS codes: E54 and six digits
REGION_CODE_PATTERN = r"^E40\d{6}$"  # ONS NHS England region codes

# --- Themes (the catalogue's `theme` column) ----------------------------------------------------------------
WORKFORCE = "workforce"
FINANCE = "finance"
EMERGENCY_CARE = "emergency care"
USER_THEME = "your data"  # the measures a user loaded (upload, data folder)
# Finance figures were found on different bases (plans, deficits, control totals): never ranked, so no
# distribution, no middle band on a gauge, no middle-half shading on a trend.
UNRANKED_THEMES = frozenset({FINANCE})

# --- Uploads ------------------------------------------------------------------------------------------------
MAX_UPLOAD_MB = 20  # also `server.maxUploadSize` in .streamlit/config.toml (a test keeps them equal)
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1_000_000
TABLE_EXTENSIONS = ("csv", "xlsx", "xlsm")  # what the metrics and ratings readers open (macros never run)
BOUNDARY_EXTENSIONS = ("geojson", "json", "gpkg", "zip")

# --- Dates --------------------------------------------------------------------------------------------------
LOADED_AT_FORMAT = "%d %b %Y %H:%M"  # "26 Nov 2026 14:05": when a user's file was loaded
RATINGS_PUBLISHED = "21 July 2017"
SOURCES_COMPILED = "23 November 2026"

# --- Colours: one palette for charts (Plotly) and packs (PDF, PowerPoint) --------------------------------------
NHS_BLUE = "#005EB8"
NHS_DARK_GREY = "#425563"
TEXT = "#212B32"
RULE = "#D8DDE0"
FONT_FAMILY = "Arial, Helvetica, sans-serif"
# ColorBrewer RdBu ends and inner tones (colour-blind safe, ordered) for the four ratings and the unnamed middle,
# then a neutral grey for footprints with no rating at all.
RATING_PALETTE = ("#2166AC", "#92C5DE", "#BABABA", "#F4A582", "#B2182B")
NOT_RATED_COLOUR = "#E3E8EA"


def rgb(hex_colour: str) -> tuple[int, int, int]:
    """'#005EB8' -> (0, 94, 184), for libraries that take RGB tuples (fpdf2, python-pptx)."""
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# --- Pages: script path and URL path, used by navigation, links and page switches --------------------------
OVERVIEW_PAGE = "pages/overview.py"
FOOTPRINT_PAGE = "pages/footprint.py"
WORKFORCE_PAGE = "pages/workforce.py"
FINANCE_PAGE = "pages/finance.py"
YOUR_DATA_PAGE = "pages/your_data.py"
LOAD_DATA_PAGE = "pages/load_data.py"
SOURCES_PAGE = "pages/sources.py"
EMERGENCY_CARE_PAGE = "pages/emergency_care.py"
PROGRESS_PAGE = "pages/progress.py"
COMPARE_PAGE = "pages/compare.py"  # 2 to 6 footprints side by side: ?stp=A,B,C (stp_data/compare.py)
PUBLISHED_PAGE = "pages/published.py"  # published datasets and their versions (stp_data/store)
THEME_PAGES = {
    WORKFORCE: WORKFORCE_PAGE,
    FINANCE: FINANCE_PAGE,
    EMERGENCY_CARE: EMERGENCY_CARE_PAGE,
    USER_THEME: YOUR_DATA_PAGE,
}

# --- Attribution ---------------------------------------------------------------------------------------------
OGL_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2018 and 2019."
)

# --- Presentation mode (?mode=board): type sizes in px, for a projector read from the back of a room -----------
BOARD_MIN_FONT_PX = 18  # nothing a board reads is smaller: chart text, captions, labels, selectors, tables
BOARD_BODY_FONT_PX = 22  # paragraphs, list items, selectbox text, page links
BOARD_CAPTION_FONT_PX = 19  # captions and widget labels
BOARD_TABLE_FONT_PX = 18  # table cells (st.table and the data grid's header and cells)
BOARD_CHART_SCALE = 1.45  # chart text and heights grow by this factor, then are clamped to BOARD_MIN_FONT_PX
