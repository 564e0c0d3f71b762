"""Board packs: PowerPoint and PDF for England, a region and a footprint, opened and read back."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

import settings
from exports import packs
from exports import png as png_export
from exports.pack_files import build_files
from exports.pdf import pack_pdf
from exports.pptx import AS_OF_NAME, SOURCE_NAME, pack_pptx
from stp_data import ratings

FRIMLEY = "E54000034"
GREATER_MANCHESTER = "E54000007"  # rating not published: in the middle


@pytest.fixture(scope="module")
def built(inputs, chromium) -> dict[str, tuple[packs.Pack, dict[str, bytes]]]:
    """Each scope's pack in both formats, built once for the module (pictures rendered once per pack)."""
    made = {}
    for name, pack in (
        ("england", packs.england_pack(inputs)),
        ("region", packs.region_pack(inputs, "Midlands")),
        ("frimley", packs.footprint_pack(inputs, FRIMLEY)),
        ("middle", packs.footprint_pack(inputs, GREATER_MANCHESTER)),
    ):
        made[name] = (pack, build_files(pack))
    return made


def deck(data: bytes):
    return Presentation(io.BytesIO(data))


def named(slide, name: str) -> str:
    texts = [shape.text_frame.text for shape in slide.shapes if shape.name == name and shape.has_text_frame]
    assert len(texts) == 1, f"expected one {name!r} text box on the slide"
    return texts[0]


def bodies(slide) -> set[str]:
    kinds = set()
    for shape in slide.shapes:
        if shape.has_chart:
            kinds.add("chart")
        elif shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
            kinds.add("picture")
        elif shape.has_table:
            kinds.add("table")
    return kinds


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def bar_chart(slide):
    charts = [shape.chart for shape in slide.shapes if shape.has_chart]
    assert charts, "no native chart on the slide"
    return charts[0]


# ---------------------------------------------------------------- the content


def test_as_of_comes_from_the_data_not_from_when_sources_were_compiled(inputs):
    as_of = packs.as_of(inputs.bundle, ["workforce", "finance", "emergency care"])
    assert as_of.startswith(f"ratings {settings.RATINGS_PUBLISHED}")
    assert "population mid-2018" in as_of
    assert "workforce Sep 2015 to Sep 2018" in as_of
    assert "emergency care Apr 2016 to Feb 2026" in as_of
    assert settings.SOURCES_COMPILED not in as_of


def test_titles_state_findings_computed_from_the_data(inputs):
    counts = ratings.chart_counts(inputs.bundle.distribution)
    frimley = inputs.footprint(FRIMLEY)
    pack = packs.footprint_pack(inputs, FRIMLEY)
    assert pack.slides[1].title == f"{frimley['name']}: one of {counts[frimley['rating']]} rated {frimley['rating']}"
    middle = packs.footprint_pack(inputs, GREATER_MANCHESTER)
    assert "one of 34 in the middle" in middle.slides[1].title and "never published" in middle.slides[1].title
    england = packs.england_pack(inputs)
    assert england.slides[2].title == f"{counts.iloc[0]} praised, {counts.iloc[-1]} castigated, 34 in the middle"


def test_a_theme_with_nothing_published_is_words_and_a_table_never_an_empty_chart(inputs):
    pack = packs.footprint_pack(inputs, FRIMLEY)
    finance = next(s for s in pack.slides if ", finance:" in s.title)
    assert finance.picture is None and finance.chart is None
    assert finance.words.startswith("Not published")
    assert {row[1] for row in finance.table.rows} == {"Not published"}


def test_unknown_region_and_format_are_clear_errors(inputs):
    with pytest.raises(KeyError, match="Midlands"):
        packs.region_pack(inputs, "Atlantis")
    with pytest.raises(ValueError, match="pptx or pdf"):
        build_files(packs.region_pack(inputs, "London"), formats=("docx",))


def test_data_label_names_the_users_files():
    class Loaded:
        file_name, loaded_at = "gp.csv", "26 Nov 2026 14:05"

    assert packs.data_label([]) == "bundled"
    assert packs.data_label([Loaded()]) == "bundled, with gp.csv loaded 26 Nov 2026 14:05"


# ---------------------------------------------------------------- PowerPoint


@pytest.mark.parametrize("name", ["england", "region", "frimley", "middle"])
def test_every_slide_has_a_title_source_as_of_body_and_notes(built, name):
    pack, files = built[name]
    presentation = deck(files["pptx"])
    assert (presentation.slide_width, presentation.slide_height) == (12192000, 6858000)  # 16:9
    assert len(presentation.slides) == len(pack.slides)
    for slide, spec in zip(presentation.slides, pack.slides, strict=True):
        assert slide.shapes.title.text == spec.title and spec.title
        assert named(slide, SOURCE_NAME) == spec.source_line and spec.source
        assert named(slide, AS_OF_NAME).startswith(f"Data as of: {spec.as_of}")
        assert "Data shown: as published" in named(slide, AS_OF_NAME)
        assert bodies(slide) & {"chart", "picture", "table"}, f"slide {spec.title!r} has no body"
        assert slide.notes_slide.notes_text_frame.text == spec.alt_text and len(spec.alt_text) > 40


def test_england_deck_slides_and_native_rating_chart(built, inputs):
    _, files = built["england"]
    regions = inputs.profiles["region"].nunique()
    presentation = deck(files["pptx"])
    assert len(presentation.slides) == 5 + regions + 1  # title, map, bell, headline, middle; a table per region
    map_slide = presentation.slides[1]
    assert "picture" in bodies(map_slide)
    assert settings.OGL_ATTRIBUTION in named(map_slide, SOURCE_NAME)

    chart = bar_chart(presentation.slides[2])
    counts = ratings.chart_counts(inputs.bundle.distribution)
    assert list(chart.plots[0].categories) == list(ratings.RATINGS)
    assert list(chart.plots[0].series[0].values) == [float(v) for v in counts] == [5.0, 20.0, 14.0, 5.0]
    xml = chart.part.blob.decode()  # the numbers PowerPoint edits are in the chart XML itself
    assert "<c:v>20.0</c:v>" in xml or "<c:v>20</c:v>" in xml
    notes = presentation.slides[2].notes_slide.notes_text_frame.text
    assert "5 Outstanding, 20 Advanced, 14 Making progress, 5 Needs most improvement" in notes


def test_region_deck_lists_every_footprint_of_the_region(built, inputs):
    _, files = built["region"]
    presentation = deck(files["pptx"])
    names = set(inputs.profiles.loc[inputs.profiles["region"] == "Midlands", "name"])
    cells = {
        cell.text
        for slide in presentation.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    }
    assert names <= cells


def test_footprint_deck_marks_the_footprint_and_draws_gauges_and_trends(built, inputs):
    pack, files = built["frimley"]
    presentation = deck(files["pptx"])
    frimley = inputs.footprint(FRIMLEY)
    bell = bar_chart(presentation.slides[2])
    assert list(bell.plots[0].series[0].values) == [5.0, 20.0, 14.0, 5.0]
    assert frimley["name"] in presentation.slides[2].notes_slide.notes_text_frame.text

    workforce = next(i for i, s in enumerate(pack.slides) if ", workforce:" in s.title)
    assert bodies(presentation.slides[workforce]) == {"picture", "table"}  # gauges with their numbers beside

    trend = next(s for s in pack.slides if s.chart is not None and s.chart.kind == "line" and "A&E" in s.title)
    index = pack.slides.index(trend)
    lines = bar_chart(presentation.slides[index]).plots[0]
    metrics = inputs.bundle.metrics
    expected = metrics.loc[(metrics["measure"] == "ae_type1_4hr_pct") & (metrics["code"] == FRIMLEY)]
    expected = expected.sort_values("period_end")["value"].round(6).tolist()
    drawn = [round(v, 6) for v in lines.series[0].values if v is not None]
    # Ten years (119 months), less Frimley's 49 months with no 4-hour figure (a field-test site): gaps, not zeros.
    assert drawn == expected and len(expected) == 70 and len(lines.series[0].values) == 119
    assert [s.name for s in lines.series] == [frimley["name"], "England"]


def test_finance_with_nothing_published_has_no_picture_in_the_deck(built):
    pack, files = built["frimley"]
    presentation = deck(files["pptx"])
    index = next(i for i, s in enumerate(pack.slides) if ", finance:" in s.title)
    assert bodies(presentation.slides[index]) == {"table"}
    texts = " ".join(s.text_frame.text for s in presentation.slides[index].shapes if s.has_text_frame)
    assert "Not published" in texts


# ---------------------------------------------------------------- PDF


@pytest.mark.parametrize("name", ["england", "region", "frimley", "middle"])
def test_pdf_pages_are_a4_landscape_with_data_as_of_on_every_page(built, name):
    pack, files = built[name]
    reader, _ = pdf_text(files["pdf"])
    assert len(reader.pages) >= len(pack.slides)
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 595)
        assert "Data as of: ratings 21 July 2017" in " ".join(page.extract_text().split())


def test_england_pdf_names_footprints_and_sources(built, inputs):
    _, files = built["england"]
    _, text = pdf_text(files["pdf"])
    for name in inputs.profiles["name"]:
        assert name in text, name
    for expected in ("LGC/HSJ", "Office for National Statistics", "Open Government Licence", "5 praised"):
        assert expected in text, expected


def test_footprint_pdf_says_not_published_in_words(built, inputs):
    _, files = built["frimley"]
    _, text = pdf_text(files["pdf"])
    assert inputs.footprint(FRIMLEY)["name"] in text
    assert "Not published: no public source" in text
    assert "National Health Executive" in text  # the rating's source


def words_pack(title: str, rows: int = 3) -> packs.Pack:
    """A pack of one slide with a table and no pictures: the PDF layout alone, no Chromium needed."""
    table = packs.Table(
        columns=("Footprint", "£325m capital"),
        rows=tuple((f"Footprint {i}", "“Yes” – July 2017") for i in range(rows)),
    )
    slide = packs.Slide(title=title, source="Source: LGC/HSJ, July 2017", as_of="", alt_text="", table=table)
    return packs.Pack(
        scope=packs.FOOTPRINT,
        name="Frimley",
        code="frimley",
        data_label="bundled",
        as_of="ratings 21 July 2017",
        slides=(slide,),
    )


def test_pdf_keeps_unicode_with_dejavu():
    from exports import pdf

    assert pdf.DEJAVU_REGULAR.is_file(), "install fonts-dejavu-core (bash .ci/setup dev)"
    _, text = pdf_text(pack_pdf(words_pack("Frimley “Health” – £")))
    assert "Frimley “Health” – £" in text and "“Yes” – July 2017" in text


def test_pdf_falls_back_to_the_core_font_without_dejavu(monkeypatch):
    from exports import pdf

    monkeypatch.setattr(pdf, "DEJAVU_REGULAR", Path("/nonexistent/DejaVuSans.ttf"))
    _, text = pdf_text(pack_pdf(words_pack("Frimley “Health” – £ 😀")))
    assert 'Frimley "Health" - £' in text


def test_pdf_long_table_flows_onto_pages_that_each_carry_the_header():
    reader, _ = pdf_text(pack_pdf(words_pack("Every footprint", rows=120)))
    assert len(reader.pages) > 1
    for page in reader.pages:
        assert "Data as of: ratings 21 July 2017" in " ".join(page.extract_text().split())


def test_pdf_names_a_picture_that_is_not_an_image():
    import plotly.graph_objects as go

    class BrokenPictures(packs.Pictures):
        """Stands in for kaleido: hands back bytes that are not an image."""

        def png(self, picture: packs.Picture) -> bytes:
            return b"not a png"

    picture = packs.Picture(key="map", figure=go.Figure(), title="Map", source="Source: ONS")
    pack = replace(words_pack("A map"), slides=(replace(words_pack("A map").slides[0], picture=picture),))
    with pytest.raises(ValueError, match="not a readable image"):
        pack_pdf(pack, pictures=BrokenPictures())


def test_pdf_page_one_renders(built, tmp_path):
    """Rendered with poppler's pdftoppm (Debian poppler-utils), as a person would print it."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: apt-get install poppler-utils", pytrace=False)
    for name in ("england", "frimley"):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(built[name][1]["pdf"])
        subprocess.run(
            ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / name)], check=True
        )
        image = next(tmp_path.glob(f"{name}-*1.png"))
        assert image.stat().st_size > 5_000


# ---------------------------------------------------------------- building


def test_pictures_render_once_for_both_formats_and_progress_reaches_one(inputs, chromium, monkeypatch):
    calls = []
    real = png_export.figure_png

    def counting(*args, **kwargs):
        calls.append(kwargs["title"])
        return real(*args, **kwargs)

    monkeypatch.setattr(png_export, "figure_png", counting)
    pack = packs.region_pack(inputs, "London")
    seen: list[tuple[float, str]] = []
    files = build_files(pack, progress=lambda fraction, message: seen.append((fraction, message)))
    assert set(files) == {"pptx", "pdf"}
    assert len(calls) == len(pack.pictures())  # the map and the bell curve, once each
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_users_data_is_labelled_in_both_formats(inputs, chromium):
    labelled = replace(inputs, data_label="your data: gp.csv loaded 26 Nov 2026 14:05")
    pack = packs.region_pack(labelled, "London")
    pictures = packs.Pictures()
    pptx = pack_pptx(pack, pictures=pictures)
    pdf = pack_pdf(pack, pictures=pictures)
    assert all("your data: gp.csv" in named(slide, AS_OF_NAME) for slide in deck(pptx).slides)
    assert "Data shown: your data: gp.csv loaded 26 Nov 2026 14:05" in pdf_text(pdf)[1]


def test_emergency_trend_slide_names_the_months_with_gaps_as_runs(inputs):
    # South Yorkshire and Bassetlaw: RHQ's return absent in Apr 2016, RFR's absent in Nov and partial in Dec 2016;
    # Rotherham (RFR) a field-test site with no 4-hour data May 2019 - May 2023: one run, not 49 months.
    pack = packs.footprint_pack(inputs, "E54000009")
    (slide,) = [s for s in pack.slides if s.chart is not None and "A&E" in s.title]
    assert "lacking a trust's return, part of one, or a field-test trust's 4-hour data" in slide.source
    assert "Apr 2016, Nov 2016 to Dec 2016, May 2019 to May 2023." in slide.source
    assert "No figure published" not in slide.source
    # Frimley: no 4-hour figure at all in those months, said once as a gap (not as flagged points).
    frimley = [s for s in packs.footprint_pack(inputs, "E54000034").slides if s.chart is not None and "A&E" in s.title]
    assert "lacking a trust's return" not in frimley[0].source
    assert "No figure published: May 2019 to May 2023." in frimley[0].source
    # Dorset's % covers one trust from October 2020 (R0D, Poole's successor, a field-test site): flagged, not a gap.
    dorset = [s for s in packs.footprint_pack(inputs, "E54000041").slides if s.chart is not None and "A&E" in s.title]
    assert "May 2019 to May 2023" in dorset[0].source and "No figure published" not in dorset[0].source
