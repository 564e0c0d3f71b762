"""PDFs for board papers on A4 landscape: multi-page packs (`pack_pdf`).

`pack_pdf` lays out the slides of an `exports.packs.Pack` (footprint, region or England), one or more pages each:
the same header on every page ("Data as of …" and whose data), the finding as the page title, pictures with
their numbers in a table beside them (fpdf2's table layout), "not published" as words, and the slide's source
line and attribution at the foot.
Text is real text (selectable, searchable).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image

import settings
from exports.pack_model import NOT_PUBLISHED, Pack, Progress, Slide, Table, shown_label
from exports.pack_pictures import Pictures, needed_pictures
from settings import rgb

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_REGULAR = DEJAVU_DIR / "DejaVuSans.ttf"
DEJAVU_BOLD = DEJAVU_DIR / "DejaVuSans-Bold.ttf"

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 10.0
GUTTER = 6.0

# The charts' palette (settings), as the RGB tuples fpdf2 takes.
NHS_BLUE = rgb(settings.NHS_BLUE)
TEXT = rgb(settings.TEXT)
GREY = rgb(settings.NHS_DARK_GREY)
RULE = rgb(settings.RULE)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LATIN1_SWAPS = str.maketrans(
    {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "•": "-", "→": "->", "≥": ">=", "≤": "<="}
)
PT_TO_MM = 25.4 / 72


@dataclass(frozen=True)
class _Fonts:
    family: str
    unicode: bool

    def clean(self, text: object) -> str:
        """Printable text for the chosen font; core Helvetica only knows Latin-1."""
        value = _CONTROL.sub(" ", str(text))
        if self.unicode:
            return value
        return value.translate(_LATIN1_SWAPS).encode("latin-1", "replace").decode("latin-1")

    @property
    def ellipsis(self) -> str:
        return "…" if self.unicode else "..."


def _setup_fonts(pdf: FPDF) -> _Fonts:
    if DEJAVU_REGULAR.is_file() and DEJAVU_BOLD.is_file():
        try:
            pdf.add_font("DejaVu", "", str(DEJAVU_REGULAR))
            pdf.add_font("DejaVu", "B", str(DEJAVU_BOLD))
            return _Fonts("DejaVu", unicode=True)
        except Exception:  # an unreadable font file must not stop the export
            pass
    return _Fonts("Helvetica", unicode=False)


def _line_h(size_pt: float) -> float:
    return size_pt * PT_TO_MM * 1.3


def _lines(pdf: FPDF, text: str, width: float, size_pt: float) -> list[str]:
    return pdf.multi_cell(width, _line_h(size_pt), text, dry_run=True, output=MethodReturnValue.LINES)


def _fit(pdf: FPDF, fonts: _Fonts, text: str, width: float, size_pt: float, max_lines: int) -> list[str]:
    """Wrapped lines of `text`, at most `max_lines`; the last one ends with an ellipsis when cut."""
    lines = _lines(pdf, text, width, size_pt)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1].rstrip()
    while last and pdf.get_string_width(last + fonts.ellipsis) > width:
        last = last[:-1].rstrip()
    kept[-1] = last + fonts.ellipsis
    return kept


def _write_lines(pdf: FPDF, lines: list[str], x: float, y: float, width: float, size_pt: float) -> float:
    for line in lines:
        pdf.set_xy(x, y)
        pdf.cell(width, _line_h(size_pt), line, new_x=XPos.LEFT, new_y=YPos.NEXT)
        y += _line_h(size_pt)
    return y


def _image_size(png: bytes) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(png)) as image:
            return image.size
    except Exception as exc:  # name the problem for the caller
        raise ValueError(f"board pack image is not a readable image: {exc}") from exc


# ---------------------------------------------------------------- multi-page packs

PACK_TITLE_PT = 18.0
PACK_HEADER_PT = 8.0
PACK_SOURCE_PT = 7.5
PACK_TABLE_PT = 9.5
PACK_PICTURE_SHARE = 0.5  # of the body width, when a picture has its numbers in a table beside it
WHITE = (255, 255, 255)
ROW_FILL = (240, 244, 245)


class _PackPDF(FPDF):
    """A4 landscape; header() and footer() run on every page, also on pages a long table flows onto."""

    def __init__(self, pack: Pack) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.pack = pack
        self.slide: Slide | None = None
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.c_margin = 0
        self.type = _setup_fonts(self)
        self.header_bottom = MARGIN

    def _header_text(self) -> str:
        return self.type.clean(f"Data as of: {self.pack.as_of} · {shown_label(self.pack.data_label)}")

    def header(self) -> None:
        # The same line on every page: when the data are from and whose they are.
        self.set_font(self.type.family, "", PACK_HEADER_PT)
        self.set_text_color(*GREY)
        width = PAGE_W - 2 * MARGIN
        lines = _fit(self, self.type, self._header_text(), width, PACK_HEADER_PT, 2)
        y = _write_lines(self, lines, MARGIN, MARGIN - 3, width, PACK_HEADER_PT)
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN, y + 0.8, PAGE_W - MARGIN, y + 0.8)
        self.header_bottom = y + 3
        self.set_y(self.header_bottom)

    def footer_lines(self) -> list[str]:
        if self.slide is None:
            return []
        self.set_font(self.type.family, "", PACK_SOURCE_PT)
        return _fit(self, self.type, self.type.clean(self.slide.source_line), PAGE_W - 2 * MARGIN, PACK_SOURCE_PT, 5)

    def footer_top(self) -> float:
        """Where the footer's rule is drawn: the body must end above it."""
        return PAGE_H - MARGIN + 3 - (len(self.footer_lines()) + 1) * _line_h(PACK_SOURCE_PT) - 1.5

    def footer(self) -> None:
        lines = self.footer_lines()
        top = self.footer_top() + 1.5
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN, top - 1.5, PAGE_W - MARGIN, top - 1.5)
        self.set_font(self.type.family, "", PACK_SOURCE_PT)
        self.set_text_color(*GREY)
        y = _write_lines(self, lines, MARGIN, top, PAGE_W - 2 * MARGIN, PACK_SOURCE_PT)
        page = self.type.clean(f"{self.pack.name}: STP progress board pack · page {self.page_no()} of {{nb}}")
        _write_lines(self, [page], MARGIN, y, PAGE_W - 2 * MARGIN, PACK_SOURCE_PT)


def _pack_title(pdf: _PackPDF, slide: Slide) -> float:
    fonts = pdf.type
    width = PAGE_W - 2 * MARGIN
    size = 26.0 if slide.is_title else PACK_TITLE_PT
    y = pdf.header_bottom + (30 if slide.is_title else 1)
    pdf.set_font(fonts.family, "B", size)
    pdf.set_text_color(*NHS_BLUE)
    y = _write_lines(pdf, _fit(pdf, fonts, fonts.clean(slide.title), width, size, 3), MARGIN, y, width, size)
    if slide.subtitle:
        sub = 14.0 if slide.is_title else 11.0
        pdf.set_font(fonts.family, "", sub)
        pdf.set_text_color(*TEXT)
        y = _write_lines(pdf, _fit(pdf, fonts, fonts.clean(slide.subtitle), width, sub, 2), MARGIN, y + 1, width, sub)
    return y + 4


def _pack_table(
    pdf: _PackPDF, table: Table, x_align: str, width: float, *, size: float = PACK_TABLE_PT, label_column: bool = False
) -> None:
    """fpdf2's table layout: wraps cells, grows rows, and repeats the heading on a page a long table flows onto."""
    fonts = pdf.type
    pdf.set_font(fonts.family, "", size)
    pdf.set_text_color(*TEXT)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    headings = FontFace(emphasis="BOLD", color=WHITE, fill_color=NHS_BLUE)
    label = FontFace(emphasis="BOLD", color=GREY)
    with pdf.table(
        width=width,
        col_widths=table.widths or None,
        align=x_align,
        text_align="LEFT",
        line_height=_line_h(size),
        padding=(1.0, 1.5),
        first_row_as_headings=not label_column,
        headings_style=headings,
        cell_fill_color=ROW_FILL,
        cell_fill_mode="ROWS",
        borders_layout="HORIZONTAL_LINES",
    ) as grid:
        if not label_column:
            heading = grid.row()
            for column in table.columns:
                heading.cell(fonts.clean(column))
        for values in table.rows:
            row = grid.row()
            for index, value in enumerate(values):
                row.cell(fonts.clean(value), style=label if label_column and index == 0 else None)


def _table_size(table: Table) -> float:
    """Larger type for short tables (a region's few footprints), the standard size for long ones."""
    longest = max((sum(len(cell) for cell in row) for row in table.rows), default=0)
    if len(table.rows) <= 6 and longest <= 200:
        return 12.0
    if len(table.rows) <= 8:
        return 10.5
    return PACK_TABLE_PT


def _fitted_image(pdf: _PackPDF, png: bytes, x: float, y: float, w: float, h: float) -> None:
    w_px, h_px = _image_size(png)
    scale = min(w / w_px, h / h_px)
    width, height = w_px * scale, h_px * scale
    pdf.image(io.BytesIO(png), x=x + (w - width) / 2, y=y, w=width, h=height)


def _pack_page(pdf: _PackPDF, slide: Slide, pictures: Pictures) -> None:
    pdf.add_page()  # closes the previous page, whose footer still names the previous slide's sources
    pdf.slide = slide
    bottom_margin = PAGE_H - pdf.footer_top() + 3
    pdf.set_auto_page_break(True, margin=bottom_margin)
    top = _pack_title(pdf, slide)
    bottom = PAGE_H - bottom_margin
    width = PAGE_W - 2 * MARGIN
    fonts = pdf.type
    if slide.words:
        pdf.set_font(fonts.family, "B", 14)
        pdf.set_text_color(*GREY)
        top = _write_lines(pdf, _fit(pdf, fonts, fonts.clean(slide.words), width, 14, 3), MARGIN, top, width, 14) + 3
    pdf.set_y(top)
    if slide.picture is not None and slide.table is not None:
        picture_w = width * PACK_PICTURE_SHARE
        _fitted_image(pdf, pictures.png(slide.picture), MARGIN, top, picture_w, bottom - top)
        pdf.set_y(top)
        _pack_table(pdf, slide.table, "RIGHT", width - picture_w - GUTTER, size=10.0)
    elif slide.picture is not None:
        _fitted_image(pdf, pictures.png(slide.picture), MARGIN, top, width, bottom - top)
    elif slide.table is not None:
        _pack_table(pdf, slide.table, "LEFT", width, size=_table_size(slide.table))
    elif slide.chart is not None:  # a chart with no picture: its numbers as a table, never an empty frame
        columns = ("", *slide.chart.categories)
        rows = tuple(
            (s.name, *(str(v) if v is not None else NOT_PUBLISHED for v in s.values)) for s in slide.chart.series
        )
        _pack_table(pdf, Table(columns, rows), "LEFT", width)
    if slide.facts:
        pdf.set_y(top)
        size = 13.0 if slide.is_title else 11.0
        _pack_table(pdf, Table(("", ""), slide.facts, (1.0, 3.0)), "LEFT", width, size=size, label_column=True)


def pack_pdf(pack: Pack, *, pictures: Pictures | None = None, progress: Progress | None = None) -> bytes:
    """The pack as A4 landscape PDF bytes, one slide to a page (a long table flows onto the next, headed again).

    Pass the same `pictures` to pack_pptx to render each picture once for both.
    """
    pictures = pictures if pictures is not None else Pictures()
    pictures.render(needed_pictures(pack, "pdf"), progress, share=0.8)
    pdf = _PackPDF(pack)
    fonts = pdf.type
    pdf.set_title(fonts.clean(f"{pack.name}: STP progress board pack"))
    pdf.set_subject(fonts.clean(f"Data as of: {pack.as_of}"))
    pdf.set_creator("STP Progress")
    for index, slide in enumerate(pack.slides):
        if progress is not None:
            progress(0.8 + 0.2 * index / len(pack.slides), f"Page {index + 1} of {len(pack.slides)}")
        _pack_page(pdf, slide, pictures)
    if progress is not None:
        progress(1.0, "PDF ready")
    return bytes(pdf.output())
