"""A board pack as a 16:9 PowerPoint deck (python-pptx): one idea per slide, the finding as its title.

Every slide carries its source line and the dates its data are as of at the foot, and its text alternative in
the speaker notes. Charts PowerPoint can draw are native and editable (the rating bars with their counts, trends
as lines); maps and gauges are pictures (kaleido, 2x), with the gauges' numbers in a table beside them.
"""

from __future__ import annotations

import io
import math

from PIL import Image
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

import settings
from exports.pack_model import ChartData, Pack, Progress, Slide, Table, shown_label
from exports.pack_pictures import Pictures, needed_pictures

SLIDE_W_EMU, SLIDE_H_EMU = Emu(12_192_000), Emu(6_858_000)  # PowerPoint's own 16:9 (13.333 x 7.5 in)
SLIDE_W, SLIDE_H = SLIDE_W_EMU.inches, SLIDE_H_EMU.inches
MARGIN = 0.5
CONTENT_W = SLIDE_W - 2 * MARGIN
TITLE_ONLY_LAYOUT = 5  # the default template's "Title Only": a real title placeholder, nothing else
TITLE_PT, SUBTITLE_PT, SOURCE_PT, BODY_PT = 26, 16, 10, 14
SOURCE_NAME, AS_OF_NAME = "Source", "Data as of"  # shape names: what tests and editors look for
PICTURE_SHARE = 0.5  # of the body width, when a picture has a table beside it


def _colour(hex_colour: str) -> RGBColor:
    return RGBColor(*settings.rgb(hex_colour))


BLUE, TEXT, GREY, RULE = (_colour(c) for c in (settings.NHS_BLUE, settings.TEXT, settings.NHS_DARK_GREY, settings.RULE))
WHITE = RGBColor(0xFF, 0xFF, 0xFF)


def _lines(text: str, width_in: float, size_pt: float) -> int:
    """Lines a text wraps to (Arial averages about half an em per character; kept on the generous side)."""
    per_line = max(int(width_in * 72 / (size_pt * 0.5)), 10)
    return max(1, sum(math.ceil(max(len(part), 1) / per_line) for part in text.split("\n")))


def _text_box(slide, x, y, w, h, text: str, size: float, *, colour=TEXT, bold=False, name="", align=None):
    box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    if name:
        box.name = name
    frame = box.text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    paragraph = frame.paragraphs[0]
    paragraph.text = text
    if align is not None:
        paragraph.alignment = align
    font = paragraph.font
    font.size, font.bold, font.color.rgb, font.name = Pt(size), bold, colour, "Arial"
    return box


def _title(slide, text: str, *, big: bool = False) -> float:
    """The finding, in the layout's title placeholder; returns where the next thing may start (inches)."""
    size = 36 if big else TITLE_PT
    lines = min(_lines(text, CONTENT_W, size), 3)
    height = lines * size * 1.2 / 72 + 0.1
    top = 2.0 if big else 0.3
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(MARGIN), Inches(top), Inches(CONTENT_W), Inches(height)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.TOP
    frame.margin_left = frame.margin_right = 0
    frame.text = text
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    font = paragraph.font
    font.size, font.bold, font.color.rgb, font.name = Pt(size), True, BLUE, "Arial"
    return top + height + 0.1


def _footer(slide, spec: Slide, data_label: str) -> float:
    """Source line (with the OGL attribution where a map is shown) and data-as-of line; returns the body's bottom."""
    as_of = f"Data as of: {spec.as_of} · {shown_label(data_label)}"
    size = SOURCE_PT if _lines(spec.source_line, CONTENT_W, SOURCE_PT) <= 3 else 8
    source_h = _lines(spec.source_line, CONTENT_W, size) * size * 1.25 / 72
    as_of_h = _lines(as_of, CONTENT_W, SOURCE_PT) * SOURCE_PT * 1.25 / 72
    bottom = SLIDE_H - 0.2
    as_of_top = bottom - as_of_h
    source_top = as_of_top - 0.05 - source_h
    _text_box(slide, MARGIN, as_of_top, CONTENT_W, as_of_h, as_of, SOURCE_PT, colour=GREY, name=AS_OF_NAME)
    _text_box(slide, MARGIN, source_top, CONTENT_W, source_h, spec.source_line, size, colour=GREY, name=SOURCE_NAME)
    rule = slide.shapes.add_connector(
        1, Inches(MARGIN), Inches(source_top - 0.08), Inches(SLIDE_W - MARGIN), Inches(source_top - 0.08)
    )
    rule.line.color.rgb, rule.line.width = RULE, Pt(1)
    return source_top - 0.18


def _picture(slide, png: bytes, x: float, y: float, w: float, h: float) -> None:
    """The picture as large as fits the box, keeping its proportions, centred in it."""
    with Image.open(io.BytesIO(png)) as image:
        px_w, px_h = image.size
    scale = min(w / px_w, h / px_h)
    pic_w, pic_h = px_w * scale, px_h * scale
    slide.shapes.add_picture(
        io.BytesIO(png), Inches(x + (w - pic_w) / 2), Inches(y + (h - pic_h) / 2), Inches(pic_w), Inches(pic_h)
    )


def _table_font(table: Table, width: float, height: float) -> float:
    """The largest size (at most BODY_PT, at least 9 pt) at which the table's wrapped rows fit the height."""
    widths = _column_widths(table, width)
    for size in (BODY_PT, 13, 12, 11, 10, 9):
        lines = sum(
            max(_lines(str(cell), w - 0.15, size) for cell, w in zip(row, widths, strict=True))
            for row in (table.columns, *table.rows)
        )
        if lines * size * 1.2 / 72 + 0.1 * (len(table.rows) + 1) <= height:
            return size
    return 9


def _column_widths(table: Table, width: float) -> list[float]:
    weights = table.widths or (1.0,) * len(table.columns)
    total = sum(weights)
    return [width * w / total for w in weights]


def _table(slide, table: Table, x: float, y: float, w: float, h: float, *, label_column: bool = False) -> None:
    size = _table_font(table, w, h)
    header = not label_column
    rows = [*([table.columns] if header else []), *table.rows]
    widths = _column_widths(table, w)
    row_h = [
        max(_lines(str(cell), cw - 0.15, size) for cell, cw in zip(row, widths, strict=True)) * size * 1.2 / 72 + 0.1
        for row in rows
    ]
    shape = slide.shapes.add_table(len(rows), len(table.columns), Inches(x), Inches(y), Inches(w), Inches(sum(row_h)))
    grid = shape.table
    grid.first_row = header
    for index, cw in enumerate(widths):
        grid.columns[index].width = Inches(cw)
    for r_index, (row, height) in enumerate(zip(rows, row_h, strict=True)):
        grid.rows[r_index].height = Emu(int(Inches(height)))
        for c_index, value in enumerate(row):
            cell = grid.cell(r_index, c_index)
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.text = str(value)
            font = cell.text_frame.paragraphs[0].font
            font.size, font.name = Pt(size), "Arial"
            is_header = header and r_index == 0
            is_label = label_column and c_index == 0
            font.bold = is_header or is_label
            font.color.rgb = WHITE if is_header else TEXT
            cell.fill.solid()
            cell.fill.fore_color.rgb = BLUE if is_header else (RULE if is_label or r_index % 2 == 0 else WHITE)


def _native_chart(slide, chart: ChartData, x: float, y: float, w: float, h: float) -> None:
    data = CategoryChartData(number_format=chart.number_format)
    data.categories = list(chart.categories)
    for series in chart.series:
        data.add_series(series.name, list(series.values))
    kind = XL_CHART_TYPE.COLUMN_CLUSTERED if chart.kind == "bar" else XL_CHART_TYPE.LINE_MARKERS
    frame = slide.shapes.add_chart(kind, Inches(x), Inches(y), Inches(w), Inches(h), data)
    frame.name = f"{chart.kind} chart"
    plot_chart = frame.chart
    plot_chart.has_title = False
    plot_chart.font.size, plot_chart.font.name, plot_chart.font.color.rgb = Pt(BODY_PT), "Arial", TEXT
    value_axis = plot_chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RULE
    value_axis.tick_labels.font.size = Pt(12)
    if chart.value_title:
        value_axis.has_title = True
        value_axis.axis_title.text_frame.text = chart.value_title
        value_axis.axis_title.text_frame.paragraphs[0].font.size = Pt(12)
    plot_chart.category_axis.tick_labels.font.size = Pt(BODY_PT if chart.kind == "bar" else 11)
    if chart.kind == "bar":
        _style_bars(plot_chart, chart)
    else:
        _style_lines(plot_chart, chart)


def _style_bars(plot_chart, chart: ChartData) -> None:
    plot = plot_chart.plots[0]
    plot.gap_width = 50
    plot.vary_by_categories = True
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.show_value = True
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size, labels.font.bold = Pt(20), True
    plot_chart.has_legend = False
    series = plot.series[0]
    # Series-level labels too: a point's own label (the marked bar) would otherwise hide the others' values.
    series.data_labels.show_value = True
    series.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    series.data_labels.font.size, series.data_labels.font.bold = Pt(20), True
    values = chart.series[0].values
    for index, colour in enumerate(chart.point_colours):
        point = series.points[index]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _colour(colour)
        point.format.line.color.rgb = TEXT
        point.format.line.width = Pt(0.75)
    for index in chart.marked:
        point = series.points[index]
        point.format.line.width = Pt(4)
        if chart.marked_label:
            where = "is here" if len(chart.marked) == 1 else "is in one of these"
            frame = point.data_label.text_frame
            frame.text = f"{values[index]:g}: {chart.marked_label} {where}"
            frame.paragraphs[0].font.size, frame.paragraphs[0].font.bold = Pt(16), True
            point.data_label.position = XL_LABEL_POSITION.OUTSIDE_END


def _style_lines(plot_chart, chart: ChartData) -> None:
    plot_chart.has_legend = True
    plot_chart.legend.position = XL_LEGEND_POSITION.TOP
    plot_chart.legend.include_in_layout = False
    plot_chart.legend.font.size = Pt(BODY_PT)
    plot_chart.value_axis.tick_labels.number_format = chart.number_format
    plot_chart.value_axis.tick_labels.number_format_is_linked = False
    # The value axis spans the data, not zero upwards: a 4-hour % between 75 and 95 would read as a flat line.
    values = [v for spec in chart.series for v in spec.values if v is not None]
    if values:
        low, high = min(values), max(values)
        pad = (high - low) * 0.1 or abs(high) * 0.05 or 1.0
        plot_chart.value_axis.minimum_scale = math.floor(low - pad)
        plot_chart.value_axis.maximum_scale = math.ceil(high + pad)
    if len(chart.categories) > 12:  # a label every quarter for monthly series, not 36 crowded ones
        skip = math.ceil(len(chart.categories) / 12)
        _skip_labels(plot_chart.category_axis._element, skip)
    for series, spec in zip(plot_chart.plots[0].series, chart.series, strict=True):
        series.smooth = False
        series.format.line.color.rgb = _colour(spec.colour)
        series.format.line.width = Pt(2.5)
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = _colour(spec.colour)
        series.marker.size = 5


def _skip_labels(axis, skip: int) -> None:
    """c:tickLblSkip and c:tickMarkSkip in the schema's place (before c:noMultiLvlLbl), or PowerPoint repairs it."""
    following = [axis.find(qn(tag)) for tag in ("c:noMultiLvlLbl", "c:extLst")]
    anchor = next((element for element in following if element is not None), None)
    for tag in ("c:tickLblSkip", "c:tickMarkSkip"):
        element = axis.makeelement(qn(tag), {"val": str(skip)})
        if anchor is not None:
            anchor.addprevious(element)
        else:
            axis.append(element)


def _body(slide, spec: Slide, pictures: Pictures, top: float, bottom: float) -> None:
    """One body per slide: a native chart, a picture (with its table beside it), words, a table or facts."""
    height = bottom - top
    if spec.chart is not None:
        _native_chart(slide, spec.chart, MARGIN, top, CONTENT_W, height)
        return
    if spec.words:
        words_h = _lines(spec.words, CONTENT_W, 22) * 22 * 1.25 / 72 + 0.2
        _text_box(slide, MARGIN, top, CONTENT_W, words_h, spec.words, 22, colour=GREY, bold=True)
        top += words_h
        height -= words_h
    if spec.picture is not None and spec.table is not None:
        picture_w = CONTENT_W * PICTURE_SHARE
        _picture(slide, pictures.png(spec.picture), MARGIN, top, picture_w, height)
        table_x = MARGIN + picture_w + 0.25
        _table(slide, spec.table, table_x, top, SLIDE_W - MARGIN - table_x, height)
    elif spec.picture is not None:
        _picture(slide, pictures.png(spec.picture), MARGIN, top, CONTENT_W, height)
    elif spec.table is not None:
        _table(slide, spec.table, MARGIN, top, CONTENT_W, height)
    if spec.facts:
        facts = Table(("", ""), spec.facts, (1.0, 3.0))
        _table(slide, facts, MARGIN, top, CONTENT_W, height, label_column=True)


def _add_slide(prs: Presentation, spec: Slide, pictures: Pictures, data_label: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    top = _title(slide, spec.title, big=spec.is_title)
    if spec.subtitle:
        size = 20 if spec.is_title else SUBTITLE_PT
        height = _lines(spec.subtitle, CONTENT_W, size) * size * 1.25 / 72
        _text_box(slide, MARGIN, top, CONTENT_W, height, spec.subtitle, size, colour=GREY)
        top += height + 0.2
    bottom = _footer(slide, spec, data_label)
    _body(slide, spec, pictures, top, bottom)
    slide.notes_slide.notes_text_frame.text = spec.alt_text


def pack_pptx(pack: Pack, *, pictures: Pictures | None = None, progress: Progress | None = None) -> bytes:
    """The pack as .pptx bytes. Pass the same `pictures` to pack_pdf to render each picture once for both."""
    pictures = pictures if pictures is not None else Pictures()
    pictures.render(needed_pictures(pack, "pptx"), progress, share=0.8)
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W_EMU, SLIDE_H_EMU
    prs.core_properties.title = f"{pack.name}: STP progress board pack"
    prs.core_properties.subject = f"Data as of: {pack.as_of}. {shown_label(pack.data_label)}"
    for index, spec in enumerate(pack.slides):
        if progress is not None:
            progress(0.8 + 0.2 * index / len(pack.slides), f"Slide {index + 1} of {len(pack.slides)}")
        _add_slide(prs, spec, pictures, pack.data_label)
    buffer = io.BytesIO()
    prs.save(buffer)
    if progress is not None:
        progress(1.0, "PowerPoint ready")
    return buffer.getvalue()
