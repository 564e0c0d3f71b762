"""The compare board pack: 2 to 6 footprints side by side with England, in PowerPoint and PDF, opened and read back."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pptx import Presentation
from pypdf import PdfReader

import settings
from exports import packs
from exports.pack_compare import BETTER, WORSE
from exports.pack_files import build_files
from exports.pptx import AS_OF_NAME, SOURCE_NAME
from stp_data import metrics as m

SUSSEX, FRIMLEY, SURREY, GREATER_MANCHESTER = "E54000033", "E54000034", "E54000035", "E54000007"
CODES = [SUSSEX, FRIMLEY, SURREY, GREATER_MANCHESTER]  # Greater Manchester's rating was never published
SLIDES = ("title", "who", "spine", "A&E trend", "Making Data Count", "journey", "sources")


@pytest.fixture(scope="module")
def pack(inputs) -> packs.Pack:
    return packs.compare_pack(inputs, CODES)


@pytest.fixture(scope="module")
def files(pack, chromium) -> dict[str, bytes]:
    return build_files(pack)


def slide(pack: packs.Pack, name: str) -> packs.Slide:
    return pack.slides[SLIDES.index(name)]


def number(cell: str) -> float:
    return float(cell.replace(BETTER, "").replace(WORSE, "").replace("%", "").replace(",", "").strip())


# ---------------------------------------------------------------- the content


def test_the_pack_has_its_seven_slides_each_with_source_as_of_and_notes(pack, inputs):
    assert len(pack.slides) == len(SLIDES)
    assert pack.scope == packs.COMPARE and pack.file_stem == "stp-compare-" + "-".join(CODES)
    assert slide(pack, "title").is_title
    names = [inputs.footprint(code)["name"] for code in CODES]
    assert all(name in slide(pack, "title").subtitle for name in names)
    assert slide(pack, "title").as_of.startswith(f"ratings {settings.RATINGS_PUBLISHED}")
    for spec in pack.slides:
        assert spec.title and spec.source and spec.as_of and len(spec.alt_text) > 40, spec.title
    assert slide(pack, "sources").title.startswith("Every figure in this comparison pack has a public source")


def test_header_table_gives_population_region_and_rating_never_guessed(pack, inputs):
    table = slide(pack, "who").table
    assert table.columns == ("Footprint", "ONS code", "Population (mid-2018)", "2018 region", "July 2017 rating")
    by_code = {row[1]: row for row in table.rows}
    assert list(by_code) == CODES
    frimley = inputs.footprint(FRIMLEY)
    assert by_code[FRIMLEY] == (
        frimley["name"],
        FRIMLEY,
        f"{int(frimley['population']):,}",
        frimley["region_2018"],
        frimley["rating"],
    )
    assert by_code[GREATER_MANCHESTER][4] == packs.NOT_PUBLISHED  # never "Advanced" or "Making progress"


def expected_spine_measures(inputs) -> list[str]:
    """Gauged measures outside finance that one of CODES has a figure for at the measure's latest period."""
    catalogue, metrics = inputs.bundle.measures, inputs.bundle.metrics
    gauged = catalogue.loc[m.shows_gauge(catalogue) & ~catalogue["theme"].isin(settings.UNRANKED_THEMES)]
    found = []
    for measure in gauged["measure"]:
        latest = m.periods(metrics, measure)[-1]
        values = m.values_for(metrics, measure, latest)
        if values.loc[values["code"].isin(CODES), "value"].notna().any():
            found.append(measure)
    return found


def test_spine_has_one_row_per_measure_with_data_and_one_column_per_footprint(pack, inputs):
    spine = slide(pack, "spine")
    names = [inputs.footprint(code)["name"] for code in CODES]
    assert spine.table.columns == ("Measure (unit, period)", "England", *names)
    expected = expected_spine_measures(inputs)
    short = dict(zip(inputs.bundle.measures["measure"], inputs.bundle.measures["short_name"], strict=True))
    assert len(spine.table.rows) == len(expected) > 5
    assert [row[0].split(" (")[0] for row in spine.table.rows] == [short[x].split(" (")[0] for x in expected]
    assert all(len(row) == 2 + len(CODES) for row in spine.table.rows)
    finance = inputs.bundle.measures.loc[inputs.bundle.measures["theme"] == settings.FINANCE, "short_name"]
    assert not set(finance) & {row[0].split(" (")[0] for row in spine.table.rows}
    assert "Finance is left out" in spine.subtitle and "Finance is left out" in spine.alt_text
    assert "week to" in " ".join(row[0] for row in spine.table.rows)  # weekly periods read as dates, not 2019-W09


def test_spine_marks_follow_each_measures_polarity(pack, inputs):
    spine = slide(pack, "spine")
    catalogue = inputs.bundle.measures.set_index("short_name")
    marked = 0
    for row in spine.table.rows:
        polarity = catalogue.loc[row[0].rsplit(" (", 1)[0], "polarity"]
        for cell in row[2:]:
            if row[1] == packs.NO_ENGLAND or cell == packs.NOT_PUBLISHED or polarity == "neutral":
                assert BETTER not in cell and WORSE not in cell
                continue
            value, england = number(cell), number(row[1])
            if value == england:
                continue  # equal when rounded: the mark follows the unrounded figures
            higher_is_better = polarity == "higher_is_better"
            assert (BETTER if (value > england) == higher_is_better else WORSE) in cell, (row[0], cell, row[1])
            marked += 1
    assert marked > 10
    # Lower is better for bed occupancy: a higher figure than England's is worse, whatever the arrow's shape says.
    assert any(catalogue.loc[r[0].rsplit(" (", 1)[0], "polarity"] == "lower_is_better" for r in spine.table.rows)


def test_ae_chart_is_a_line_per_footprint_and_england_with_frimleys_gap_as_none(pack, inputs):
    chart = slide(pack, "A&E trend").chart
    names = [inputs.footprint(code)["name"] for code in CODES]
    assert chart.kind == "line" and [s.name for s in chart.series] == [*names, "England"]
    assert len(chart.categories) == 119  # ten years of months
    frimley = chart.series[1].values
    start, end = chart.categories.index("May 2019"), chart.categories.index("May 2023")
    assert all(v is None for v in frimley[start : end + 1]) and end - start + 1 == 49
    assert sum(v is None for v in frimley) == 49 and frimley[start - 1] is not None
    assert "Frimley: May 2019 to May 2023" in slide(pack, "A&E trend").source
    title = slide(pack, "A&E trend").title
    assert title.startswith(f"A&E within 4 hours (type 1), {chart.categories[-1]}:") and "highest" in title


def test_making_data_count_icons_per_footprint(pack, inputs):
    from stp_data.emergency import footprint_spc

    bundle = inputs.bundle
    table = slide(pack, "Making Data Count").table
    assert table.columns[:2] == ("Footprint", "Latest month") and table.columns[-2:] == ("Variation", "Assurance")
    for code, row in zip(CODES, table.rows, strict=True):
        _, result = footprint_spc(bundle.metrics, bundle.measures, bundle.flags, "ae_type1_4hr_pct", code)
        assert row[0] == inputs.footprint(code)["name"]
        assert row[3] == result.variation_icon.label
        assert row[4] == (result.assurance_icon.label if result.assurance_icon else "No target to assure")


def test_journey_table_has_first_designation_whole_footprint_ics_and_statutory_ics(pack, inputs):
    table = slide(pack, "journey").table
    assert table.columns == ("Footprint", "First designation", "Whole-footprint ICS", "Statutory ICS")
    rows = {row[0]: row for row in table.rows}
    frimley = inputs.footprint(FRIMLEY)
    # Frimley was in the first wave (June 2017) as a shadow ACS: the stage is said, as the footprint page does.
    assert rows[frimley["name"]][1:3] == (frimley["first_label"], f"{frimley['ics_label']} (as a shadow ACS)")
    assert frimley["care_system"].startswith(f"Shadow ACS from {frimley['ics_label']}")
    assert rows["Greater Manchester"][2] == "Apr 2016 (as a devolution area)"  # not called an ICS designation
    assert {row[3] for row in table.rows} == {"1 Jul 2022"}
    title = slide(pack, "journey").title
    assert title == (
        "First designated as a whole footprint: Greater Manchester, Apr 2016 (as a devolution area); "
        "last: Sussex and East Surrey, 2020"
    )


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([FRIMLEY], "2 to 6 footprints; 1 given"),
        ([], "2 to 6 footprints; 0 given"),
        ([SUSSEX, FRIMLEY, SURREY, GREATER_MANCHESTER, "E54000009", "E54000041", "E54000005"], "7 given"),
        ([FRIMLEY, "E99999999"], "no footprint with code 'E99999999'"),
        ([FRIMLEY, FRIMLEY], "each footprint once; repeated: E54000034"),
    ],
)
def test_bad_code_lists_are_clear_errors(inputs, codes, message):
    with pytest.raises(ValueError, match=message):
        packs.compare_pack(inputs, codes)


# ---------------------------------------------------------------- PowerPoint and PDF


def test_powerpoint_opens_and_the_ae_chart_is_native(pack, files, inputs):
    deck = Presentation(io.BytesIO(files["pptx"]))
    assert len(deck.slides) == len(pack.slides)
    for shown, spec in zip(deck.slides, pack.slides, strict=True):
        assert shown.shapes.title.text == spec.title
        texts = {shape.name: shape.text_frame.text for shape in shown.shapes if shape.has_text_frame}
        assert texts[SOURCE_NAME] == spec.source_line
        assert texts[AS_OF_NAME].startswith(f"Data as of: {spec.as_of}")
        assert shown.notes_slide.notes_text_frame.text == spec.alt_text
    trend = deck.slides[SLIDES.index("A&E trend")]
    charts = [shape.chart for shape in trend.shapes if shape.has_chart]
    assert charts, "the A&E chart is not a native chart"
    plot = charts[0].plots[0]
    names = [inputs.footprint(code)["name"] for code in CODES]
    assert [s.name for s in plot.series] == [*names, "England"]
    frimley = list(plot.series[1].values)
    assert len(frimley) == 119 and sum(v is None for v in frimley) == 49  # gaps, not zeros
    spine = deck.slides[SLIDES.index("spine")]
    (table,) = [shape.table for shape in spine.shapes if shape.has_table]
    assert len(table.columns) == 2 + len(CODES)
    assert any(BETTER in cell.text or WORSE in cell.text for row in table.rows for cell in row.cells)


def test_pdf_renders_every_page_a4_with_data_as_of(pack, files, inputs, tmp_path):
    reader = PdfReader(io.BytesIO(files["pdf"]))
    assert len(reader.pages) >= len(pack.slides)
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 595)
        assert "Data as of: ratings 21 July 2017" in " ".join(page.extract_text().split())
    for code in CODES:
        assert inputs.footprint(code)["name"] in text
    assert "Not published" in text and "Finance is left out" in text
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: apt-get install poppler-utils", pytrace=False)
    path = tmp_path / "compare.pdf"
    path.write_bytes(files["pdf"])
    trend_page = str(SLIDES.index("A&E trend") + 1)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", trend_page, str(path), str(tmp_path / "compare")], check=True
    )
    images = sorted(tmp_path.glob("compare-*.png"))
    assert len(images) == int(trend_page) and all(image.stat().st_size > 5_000 for image in images)


def test_six_long_names_still_make_a_powerpoint_whose_spine_fits_the_slide(inputs):
    """The longest footprint names: the file's title property (255 characters at most) and the spine's table."""
    from exports.pptx import pack_pptx

    longest = inputs.profiles.assign(length=inputs.profiles["name"].str.len()).nlargest(6, "length")["code"]
    pack = packs.compare_pack(inputs, list(longest))
    assert pack.name == "Comparison of 6 footprints"
    deck = Presentation(io.BytesIO(pack_pptx(pack)))  # native charts only: no picture to render
    spine = deck.slides[SLIDES.index("spine")]
    (table,) = [shape for shape in spine.shapes if shape.has_table]
    (source,) = [shape for shape in spine.shapes if shape.name == SOURCE_NAME]
    assert table.top + table.height <= source.top
