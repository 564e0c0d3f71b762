"""Board-ready exports: PNG with title and source inside, formula-safe CSV and XLSX (packs: test_packs.py)."""

from __future__ import annotations

import io
import os
import threading
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from charts.style import footprint_geo
from exports import png as png_export
from exports.excel import sheet_title, table_xlsx_bytes
from exports.png import ExportUnavailableError, board_ready_figure, figure_png
from geo.boundaries import geojson_data_url

HOSTILE = '=HYPERLINK("http://evil.example","click")'
SOURCE = "Source: NHS England STP progress dashboard – baseline view, 21 July 2017 (National Health Executive)"
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."


def bar_figure() -> go.Figure:
    fig = go.Figure(go.Bar(x=["Outstanding", "Advanced", "Making progress"], y=[5, 20, 14], marker_color="#005EB8"))
    fig.update_layout(title="Original title", height=560, margin={"t": 60, "b": 80, "l": 40, "r": 10})
    return fig


def square(x: float, y: float) -> list[list[list[float]]]:
    return [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]


def map_figure() -> go.Figure:
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "A",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": square(-2, 52)},
            },
            {
                "type": "Feature",
                "id": "B",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": square(0, 52)},
            },
        ],
    }
    fig = go.Figure(
        go.Choropleth(
            geojson=geojson_data_url(geojson, ["A", "B"]),  # as the app sends it: kaleido must fetch the data URL
            locations=["A", "B"],
            z=[0, 1],
            colorscale=[[0, "#2166AC"], [1, "#B2182B"]],
            showscale=False,
            marker={"line": {"color": "white", "width": 1}},
        )
    )
    fig.update_layout(geo=footprint_geo((-2, 52, 1, 53)), height=500)
    return fig


def decode(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(png)).convert("RGB")


def has_ink(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    """Any clearly non-white pixel in the box (text, lines)."""
    return image.crop(box).convert("L").getextrema()[0] < 160


# ---------------------------------------------------------------- PNG


def test_png_is_presentation_size_with_title_and_source_inside(chromium):
    image = decode(figure_png(bar_figure(), title="Frimley – ratings", source_line=SOURCE))
    assert image.size == (1600, 900)
    assert len(image.getcolors(maxcolors=1 << 20)) > 50, "image looks blank"
    assert has_ink(image, (0, 0, 1600, 70)), "no title drawn at the top"
    assert has_ink(image, (0, 850, 1600, 900)), "no source line drawn at the bottom"


def test_png_scale_multiplies_pixels(chromium):
    image = decode(figure_png(bar_figure(), title="t", source_line="s", width=1000, height=500, scale=2))
    assert image.size == (2000, 1000)


def test_png_of_an_svg_map_renders_offline(chromium):
    # kaleido's Chromium has no network here either: the map draws only if the topojson stub is used.
    image = decode(figure_png(map_figure(), title="Two squares", source_line=OGL))
    assert image.size == (1600, 900)
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    assert len(colours) > 20, "image looks blank"
    assert (0x21, 0x66, 0xAC) in colours and (0xB2, 0x18, 0x2B) in colours, "the polygons were not drawn"


def test_png_never_changes_the_callers_figure(chromium):
    fig = map_figure()
    before = fig.to_dict()
    figure_png(fig, title="Title", source_line=SOURCE)
    assert fig.to_dict() == before


def test_png_from_several_threads_each_gets_its_own_image(chromium):
    widths = [1600, 1700, 1800, 1900]
    results: dict[int, tuple[int, int]] = {}

    def export(width: int) -> None:
        results[width] = decode(figure_png(bar_figure(), title=f"w{width}", source_line="s", width=width)).size

    threads = [threading.Thread(target=export, args=(w,)) for w in widths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert results == {w: (w, 900) for w in widths}


def test_png_export_recovers_when_the_warm_browser_has_gone(chromium):
    figure_png(bar_figure(), title="warm", source_line="s")
    renderer = png_export._RENDERER
    assert png_export.renderer_is_warm()
    renderer._run(renderer._kaleido.close(), 30)  # browser gone behind the renderer's back
    assert decode(figure_png(bar_figure(), title="again", source_line="s")).size == (1600, 900)


def test_missing_chromium_is_a_clear_error(monkeypatch):
    png_export.shutdown_renderer()
    monkeypatch.setenv("STP_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    with pytest.raises(ExportUnavailableError, match="STP_CHROMIUM"):
        figure_png(bar_figure(), title="t", source_line="s")
    assert "BROWSER_PATH" not in os.environ, "a missing browser must not be recorded in BROWSER_PATH"


def test_png_below_presentation_width_is_refused():
    with pytest.raises(ValueError, match="1600"):
        figure_png(bar_figure(), title="t", source_line="s", width=800)


def test_board_ready_figure_sets_title_wraps_source_and_keeps_old_title():
    long_source = " ".join(["Source: Office for National Statistics, Open Government Licence v3.0."] * 8)
    fig = board_ready_figure(bar_figure(), title="Frimley", source_line=long_source)
    assert "Frimley" in fig.layout.title.text and fig.layout.title.subtitle.text == "Original title"
    source = fig.layout.annotations[-1]
    assert source.xref == "paper" and source.yref == "paper" and source.y < 0
    assert "<br>" in source.text and source.text.replace("<br>", " ") == long_source
    assert (fig.layout.width, fig.layout.height) == (1600, 900)
    assert fig.layout.margin.b > 80


def test_board_ready_map_still_fits_its_shapes():
    fig = board_ready_figure(map_figure(), title="t", source_line="s")
    assert fig.layout.geo.lonaxis.range == (-2.06, 1.06)  # a taller plot frames the same area, larger


# ---------------------------------------------------------------- XLSX


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [HOSTILE, "+44 20", "-minus", "@SUM(A1)", "\tTab", "Frimley", None],
            "population": [742_527, -5, 0, 1, 2, 3, 4],
            "deficit_m": [-12.5, np.nan, 1.25, 0.0, 2.0, 3.0, 4.0],
            "published": [True, False, True, True, False, True, False],
        }
    )


def test_xlsx_formula_like_text_stays_text_and_numbers_stay_numbers():
    data = table_xlsx_bytes(hostile_frame(), "Ratings", source_line=SOURCE)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell would run as a formula"
    hostile = sheet["A2"]
    assert hostile.data_type == "s"
    assert hostile.value == HOSTILE or hostile.value.startswith("'")
    assert [sheet.cell(row=r, column=1).data_type for r in range(2, 7)] == ["s"] * 5
    assert [sheet.cell(row=r, column=2).value for r in range(2, 9)] == [742_527, -5, 0, 1, 2, 3, 4]
    assert sheet["B3"].data_type == "n" and sheet["C2"].value == -12.5 and sheet["C3"].value is None
    assert sheet["D2"].value is True and sheet["A8"].value is None
    assert [c.value for c in sheet[1]] == ["name", "population", "deficit_m", "published"]


def test_xlsx_has_no_formula_in_the_raw_xml():
    data = table_xlsx_bytes(hostile_frame(), "Ratings", source_line=HOSTILE)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


def test_xlsx_source_line_in_about_sheet_and_pandas_reads_the_table():
    data = table_xlsx_bytes(hostile_frame(), "Ratings", source_line=SOURCE)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Ratings", "About"]
    assert SOURCE in [c.value for row in book["About"].iter_rows() for c in row]
    back = pd.read_excel(io.BytesIO(data), sheet_name="Ratings")
    assert back.loc[0, "name"] == HOSTILE and back["population"].tolist() == hostile_frame()["population"].tolist()


def test_xlsx_without_source_has_one_sheet():
    data = table_xlsx_bytes(pd.DataFrame({"a": [1]}), "T")
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["T"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ratings: [July]/2017 * ? a very long sheet name", "Ratings July 2017 a very long s"),
        ("back\\slash", "back slash"),
        ("'quoted'", "quoted"),
        ("", "Table"),
        ("History", "History Table"),
    ],
)
def test_sheet_names_are_valid_for_excel(name, expected):
    assert sheet_title(name) == expected
    assert len(sheet_title(name)) <= 31
