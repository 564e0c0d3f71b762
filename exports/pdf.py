"""PDFs for board papers on A4 landscape: multi-page packs (`pack_pdf`) and the one-page footprint summary.

`pack_pdf` lays out the slides of an `exports.packs.Pack` (footprint, region or England), one or more pages each:
the same header on every page ("Data as of …" and whose data), the finding as the page title, pictures with
their numbers in a table beside them (fpdf2's table layout), "not published" as words, and the slide's source
line and attribution at the foot.

`board_pack_pdf` (one page) is always exactly one page: images are arranged and scaled to fit, captions and facts
are cut to their space and a long source list ends with "… and N more, see Data & sources". Text is real text
(selectable, searchable).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image

import settings
from exports.packs import NOT_PUBLISHED, Pack, Pictures, Progress, Slide, Table, needed_pictures, shown_label
from settings import rgb

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_REGULAR = DEJAVU_DIR / "DejaVuSans.ttf"
DEJAVU_BOLD = DEJAVU_DIR / "DejaVuSans-Bold.ttf"

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 10.0
LEFT_COLUMN_W = 86.0
GUTTER = 6.0
IMAGE_GAP = 4.0
CAPTION_PT = 7.0
CAPTION_MAX_LINES = 2

# The charts' palette (settings), as the RGB tuples fpdf2 takes.
NHS_BLUE = rgb(settings.NHS_BLUE)
TEXT = rgb(settings.TEXT)
GREY = rgb(settings.NHS_DARK_GREY)
RULE = rgb(settings.RULE)

ATTRIBUTION = re.compile(r"open government licen[cs]e|\bOGL\b|crown copyright", re.IGNORECASE)
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


def _grid(sizes: list[tuple[int, int]], width: float, height: float, caption_h: float) -> tuple[int, float, float]:
    """Columns, cell width and cell height that show the images largest when fitted into the area."""
    best: tuple[float, int, float, float] | None = None
    for columns in range(1, len(sizes) + 1):
        rows = math.ceil(len(sizes) / columns)
        cell_w = (width - (columns - 1) * IMAGE_GAP) / columns
        cell_h = (height - (rows - 1) * IMAGE_GAP) / rows
        room_h = cell_h - caption_h
        if cell_w <= 0 or room_h <= 0:
            continue
        area = sum((w * s) * (h * s) for w, h in sizes for s in [min(cell_w / w, room_h / h)])
        if best is None or area > best[0]:
            best = (area, columns, cell_w, cell_h)
    if best is None:
        raise ValueError("no room for the images on the page")
    return best[1], best[2], best[3]


def _header(pdf: FPDF, fonts: _Fonts, title: str, subtitle: str, as_of: str) -> float:
    as_of_text = fonts.clean(f"Data as of {as_of}") if as_of else ""
    pdf.set_font(fonts.family, "", 9)
    as_of_w = min(pdf.get_string_width(as_of_text) + 0.5, 80) if as_of_text else 0
    title_w = PAGE_W - 2 * MARGIN - as_of_w - GUTTER
    if as_of_text:
        pdf.set_text_color(*GREY)
        _write_lines(
            pdf, _fit(pdf, fonts, as_of_text, as_of_w, 9, 2), PAGE_W - MARGIN - as_of_w, MARGIN + 1, as_of_w, 9
        )

    size = 22.0
    pdf.set_font(fonts.family, "B", size)
    while size > 14 and pdf.get_string_width(fonts.clean(title)) > title_w:
        size -= 1
        pdf.set_font(fonts.family, "B", size)
    pdf.set_text_color(*NHS_BLUE)
    y = _write_lines(pdf, _fit(pdf, fonts, fonts.clean(title), title_w, size, 2), MARGIN, MARGIN, title_w, size)
    if subtitle:
        pdf.set_font(fonts.family, "", 11)
        pdf.set_text_color(*TEXT)
        lines = _fit(pdf, fonts, fonts.clean(subtitle), PAGE_W - 2 * MARGIN - as_of_w - GUTTER, 11, 2)
        y = _write_lines(pdf, lines, MARGIN, y + 0.5, PAGE_W - 2 * MARGIN, 11)
    y += 2
    pdf.set_draw_color(*NHS_BLUE)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    return y + 4


def _footer(pdf: FPDF, fonts: _Fonts, attributions: list[str]) -> float:
    """Attribution lines at the foot of the page; returns the y where the body must end."""
    size = 6.5
    pdf.set_font(fonts.family, "", size)
    width = PAGE_W - 2 * MARGIN
    text = " ".join(fonts.clean(a) for a in attributions) or "STP Progress"
    lines = _fit(pdf, fonts, text, width, size, 4)
    top = PAGE_H - MARGIN - len(lines) * _line_h(size)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, top - 1.5, PAGE_W - MARGIN, top - 1.5)
    pdf.set_text_color(*GREY)
    _write_lines(pdf, lines, MARGIN, top, width, size)
    return top - 4


def _facts(
    pdf: FPDF, fonts: _Fonts, facts: list[tuple[str, str]], x: float, y: float, width: float, bottom: float
) -> float:
    size, label_w = 9.0, min(34.0, width * 0.4)
    value_w = width - label_w - 2
    step = _line_h(size)
    rows: list[tuple[list[str], list[str]]] = []
    for label, value in facts:
        pdf.set_font(fonts.family, "B", size)
        label_lines = _fit(pdf, fonts, fonts.clean(label), label_w, size, 3)
        pdf.set_font(fonts.family, "", size)
        value_lines = _fit(pdf, fonts, fonts.clean(value), value_w, size, 4)
        rows.append((label_lines, value_lines))
    heights = [max(len(a), len(b)) * step + 1.6 for a, b in rows]
    shown = len(rows)
    while shown and y + sum(heights[:shown]) + (step + 1.6 if shown < len(rows) else 0) > bottom:
        shown -= 1
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    for (label_lines, value_lines), height in zip(rows[:shown], heights[:shown], strict=True):
        pdf.set_text_color(*GREY)
        pdf.set_font(fonts.family, "B", size)
        _write_lines(pdf, label_lines, x, y + 0.8, label_w, size)
        pdf.set_text_color(*TEXT)
        pdf.set_font(fonts.family, "", size)
        _write_lines(pdf, value_lines, x + label_w + 2, y + 0.8, value_w, size)
        y += height
        pdf.line(x, y, x + width, y)
    if shown < len(rows):
        pdf.set_font(fonts.family, "", size)
        pdf.set_text_color(*GREY)
        more = f"{fonts.ellipsis} and {len(rows) - shown} more facts in the dashboard"
        y = _write_lines(pdf, [fonts.clean(more)], x, y + 0.8, width, size) + 0.8
    return y


def _sources(pdf: FPDF, fonts: _Fonts, sources: list[str], x: float, y: float, width: float, bottom: float) -> float:
    if not sources:
        return y
    pdf.set_font(fonts.family, "B", 9)
    pdf.set_text_color(*NHS_BLUE)
    y = _write_lines(pdf, ["Sources"], x, y, width, 9) + 0.5
    size = 6.5
    step = _line_h(size)
    pdf.set_font(fonts.family, "", size)
    pdf.set_text_color(*TEXT)
    bullet = "•" if fonts.unicode else "-"
    blocks = [_fit(pdf, fonts, f"{bullet} {fonts.clean(source)}", width, size, 4) for source in sources]
    used = 0.0
    shown = 0
    for index, block in enumerate(blocks):
        need = len(block) * step + 0.6
        more_line = step if index < len(blocks) - 1 else 0  # room for "… and N more" if any follow
        if y + used + need + more_line > bottom:
            break
        used += need
        shown += 1
    for block in blocks[:shown]:
        y = _write_lines(pdf, block, x, y, width, size) + 0.6
    if shown < len(blocks):
        pdf.set_text_color(*GREY)
        more = f"{fonts.ellipsis} and {len(blocks) - shown} more, see Data & sources"
        y = _write_lines(pdf, [fonts.clean(more)], x, y, width, size)
    return y


def _images(
    pdf: FPDF, fonts: _Fonts, images: list[tuple[bytes, str]], x: float, y: float, width: float, bottom: float
) -> None:
    if not images:
        return
    sizes = [_image_size(png) for png, _ in images]
    caption_h = CAPTION_MAX_LINES * _line_h(CAPTION_PT) + 1.5
    columns, cell_w, cell_h = _grid(sizes, width, bottom - y, caption_h)
    pdf.set_font(fonts.family, "", CAPTION_PT)
    for index, ((png, caption), (w_px, h_px)) in enumerate(zip(images, sizes, strict=True)):
        row, col = divmod(index, columns)
        cell_x = x + col * (cell_w + IMAGE_GAP)
        cell_y = y + row * (cell_h + IMAGE_GAP)
        scale = min(cell_w / w_px, (cell_h - caption_h) / h_px)
        w, h = w_px * scale, h_px * scale
        cell_x += (cell_w - w) / 2  # centred in its cell
        pdf.image(io.BytesIO(png), x=cell_x, y=cell_y, w=w, h=h)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.rect(cell_x, cell_y, w, h)
        pdf.set_text_color(*GREY)
        lines = _fit(pdf, fonts, fonts.clean(caption), w, CAPTION_PT, CAPTION_MAX_LINES)
        _write_lines(pdf, lines, cell_x, cell_y + h + 0.8, w, CAPTION_PT)


def board_pack_pdf(
    *,
    title: str,
    subtitle: str,
    facts: list[tuple[str, str]],
    images: list[tuple[bytes, str]],
    sources: list[str],
    as_of: str,
) -> bytes:
    """One A4 landscape page: header (title, subtitle, data-as-of), facts and sources on the left, images with
    their caption or source line on the right, and the licence attribution (any source naming the Open Government
    Licence or Crown copyright) in the footer.
    """
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.c_margin = 0  # text starts exactly where it is placed; widths measured are widths drawn
    fonts = _setup_fonts(pdf)
    pdf.set_title(fonts.clean(title))
    pdf.set_subject(fonts.clean(subtitle))
    pdf.set_creator("STP Progress")
    pdf.add_page()

    attributions = [s for s in sources if ATTRIBUTION.search(s)]
    listed = [s for s in sources if not ATTRIBUTION.search(s)]
    body_top = _header(pdf, fonts, title, subtitle, as_of)
    body_bottom = _footer(pdf, fonts, attributions)

    left_w = LEFT_COLUMN_W if images else PAGE_W - 2 * MARGIN
    facts_bottom = body_bottom - (22 if listed else 0)  # keep room for the start of the source list
    y = _facts(pdf, fonts, facts, MARGIN, body_top, left_w, facts_bottom)
    _sources(pdf, fonts, listed, MARGIN, y + 4, left_w, body_bottom)
    image_x = MARGIN + left_w + GUTTER
    _images(pdf, fonts, images, image_x, body_top, PAGE_W - MARGIN - image_x, body_bottom)

    if pdf.pages_count != 1:  # the layout above never adds a page; make sure nobody changes that unnoticed
        raise RuntimeError(f"board pack came out at {pdf.pages_count} pages")
    return bytes(pdf.output())


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
