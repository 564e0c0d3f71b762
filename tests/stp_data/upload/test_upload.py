"""Bring your own data: metrics, ratings and boundaries files read, validated, every row accounted for."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from exports.csv import safe_csv_bytes
from stp_data.errors import DataValidationError
from stp_data.loading import load_bundle
from stp_data.metrics import METRIC_COLUMNS, catalogue_schema
from stp_data.upload import (
    COLUMN_ALIASES,
    MetricsUpload,
    parse_metrics_file,
    parse_ratings_file,
    period_end_of,
    template_table,
)

KNOWN = ("E54000005", "E54000006", "E54000007")
TIDY_HEADER = ["code", "measure", "period", "value", "unit"]
LOADED = dt.datetime(2024, 5, 1, 14, 3)


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], formats: dict[str, str] | None = None) -> bytes:
    """A workbook whose first sheet holds the rows from A1; formats maps a cell ('B4') to a number format."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    for row in rows:
        sheet.append(row)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def metrics(rows: list[list[object]], filename: str = "mine.csv", **kwargs) -> MetricsUpload:
    data = xlsx_bytes(rows) if filename.endswith(".xlsx") else csv_bytes(rows)
    return parse_metrics_file(data, filename, KNOWN, loaded_at=LOADED, **kwargs)


def assert_accounted_for(upload) -> None:
    # Counts are the user's rows: a wide row of three measures is one row.
    assert upload.rows_accepted + upload.rows_rejected == upload.rows_read


def only_rejection(upload) -> pd.Series:
    assert_accounted_for(upload)
    assert len(upload.rejected) == 1, upload.rejected
    return upload.rejected.iloc[0]


def whole_file_error(data: bytes, filename: str = "mine.csv", **kwargs) -> DataValidationError:
    with pytest.raises(DataValidationError) as caught:
        parse_metrics_file(data, filename, KNOWN, **kwargs)
    assert caught.value.file == filename
    return caught.value


# ---------------------------------------------------------------- tidy files: what is accepted


def test_tidy_csv_is_read_into_the_bundled_layout():
    upload = metrics(
        [
            TIDY_HEADER,
            ["E54000005", "GP FTE per 100k", "September 2018", "61.5", "per 100k"],
            ["E54000006", "GP FTE per 100k", "September 2018", "58", "per 100k"],
        ]
    )
    assert upload.layout == "tidy" and upload.rows_read == 2 and upload.rejected.empty
    assert list(upload.accepted.columns) == METRIC_COLUMNS
    first = upload.accepted.iloc[0]
    assert (first["code"], first["measure"], first["period"], first["period_end"], first["value"]) == (
        "E54000005",
        "gp_fte_per_100k",
        "September 2018",
        "2018-09-30",
        61.5,
    )
    assert pd.isna(first["population"])
    assert first["source"] == "Your file mine.csv, row 2"
    assert upload.accepted["source"].iloc[1] == "Your file mine.csv, row 3"


def test_measures_are_catalogue_rows_for_the_users_data():
    upload = metrics([TIDY_HEADER, ["E54000005", "GP FTE per 100k", "2018", "61.5", "per 100k"]])
    catalogue_schema().validate(upload.measures)
    assert list(upload.measures.columns) == list(catalogue_schema().columns)
    measure = upload.measures.iloc[0].to_dict()
    assert pd.isna(measure.pop("url"))
    assert measure | {"decimals": int(measure["decimals"])} == {
        "measure": "gp_fte_per_100k",
        "theme": "your data",
        "name": "GP FTE per 100k",
        "short_name": "GP FTE per 100k",
        "unit": "per 100,000 population",
        "polarity": "neutral",
        "decimals": 1,
        "england_method": "none",
        "file": "metrics_your_data.csv",
        "publisher": "Your data",
        "title": "mine.csv",
        "published": "2024-05-01",
        "licence": "Loaded by the user",
        "notes": "Loaded from mine.csv at 2024-05-01 14:03",
    }


@pytest.mark.parametrize(
    ("field", "alias"), [(field, alias) for field in TIDY_HEADER for alias in COLUMN_ALIASES[field]]
)
def test_every_documented_alias_names_its_column(field, alias):
    header = [alias if name == field else name for name in TIDY_HEADER]
    upload = metrics([header, ["E54000005", "Beds", "2018", "5", "count"]])
    assert len(upload.accepted) == 1 and upload.accepted["value"].iloc[0] == 5


@pytest.mark.parametrize("spelling", ["STP Code", "stp_code", "Stp-Code", "  STP  code  ", "STP.CODE"])
def test_column_names_ignore_case_spaces_underscores_and_punctuation(spelling):
    upload = metrics([[spelling, "Indicator", "Month", "Figure", "Units"], ["E54000005", "Beds", "2018", "5", "count"]])
    assert len(upload.accepted) == 1


def test_optional_columns_by_alias():
    header = [*TIDY_HEADER, "Direction", "Denominator", "Target", "Source"]
    upload = metrics(
        [header, ["E54000005", "Beds", "2018", "5", "count", "Lower is better", "1,234,567", "4", "My survey"]]
    )
    row = upload.accepted.iloc[0]
    assert (row["population"], row["source"]) == (1_234_567, "My survey")
    assert upload.accepted["population"].dtype == "Int64"
    assert upload.measures["polarity"].iloc[0] == "lower_is_better"
    assert upload.targets.to_dict("records") == [
        {"code": "E54000005", "measure": "beds", "period": "2018", "target": 4.0}
    ]


def test_excel_title_rows_keep_excel_row_numbers():
    upload = metrics(
        [
            ["GP workforce by footprint"],
            [],
            TIDY_HEADER,
            ["E54000005", "Beds", "2018", "5", "count"],
            ["E54000099", "Beds", "2018", "6", "count"],
        ],
        filename="mine.xlsx",
    )
    assert "Found the header on row 3 (rows above look like a title)." in upload.notes
    assert only_rejection(upload)["row"] == 5
    assert upload.accepted["source"].iloc[0] == "Your file mine.xlsx, row 4"


def test_csv_title_row_is_skipped_too():
    upload = metrics([["My export, 2018"], TIDY_HEADER, ["E54000005", "Beds", "2018", "5", "count"]])
    assert upload.accepted["source"].iloc[0] == "Your file mine.csv, row 3"
    assert any("header on row 2" in note for note in upload.notes)


def test_utf8_with_bom_is_read():
    data = b"\xef\xbb\xbf" + csv_bytes([TIDY_HEADER, ["E54000005", "Spend", "2018/19", "1.5", "£m"]])
    upload = parse_metrics_file(data, "bom.csv", KNOWN)
    assert upload.measures["unit"].iloc[0] == "£ million"
    assert not any("1252" in note for note in upload.notes)


def test_windows_1252_is_read_and_said():
    data = csv_bytes([TIDY_HEADER, ["E54000005", "Spend – capital", "2018/19", "£1,200", "£m"]], encoding="cp1252")
    upload = parse_metrics_file(data, "excel.csv", KNOWN)
    assert "Read as Windows-1252 (the file is not UTF-8)." in upload.notes
    assert upload.measures["name"].iloc[0] == "Spend – capital"
    assert upload.accepted["value"].iloc[0] == 1200.0


@pytest.mark.parametrize(
    ("written", "value"), [("1,234.5", 1234.5), ("12,345,678", 12_345_678.0), ("-3.25", -3.25), (" 7 ", 7.0)]
)
def test_thousands_separators_and_signs_in_values(written, value):
    upload = metrics([TIDY_HEADER, ["E54000005", "Beds", "2018", written, "count"]])
    assert upload.accepted["value"].iloc[0] == value


def test_percent_sign_gives_the_value_and_the_unit():
    upload = metrics([TIDY_HEADER, ["E54000005", "Vacancy rate", "2018", "12.5%", ""]])
    assert upload.accepted["value"].iloc[0] == 12.5
    assert upload.measures["unit"].iloc[0] == "%"


def test_excel_percentage_cells_are_read_as_shown():
    rows = [TIDY_HEADER, ["E54000005", "Vacancy rate", "2018", 0.125, None]]
    upload = parse_metrics_file(xlsx_bytes(rows, {"D2": "0.0%"}), "rates.xlsx", KNOWN)
    assert upload.accepted["value"].iloc[0] == 12.5
    assert upload.measures["unit"].iloc[0] == "%"


def test_excel_month_cells_are_months():
    rows = [TIDY_HEADER, ["E54000005", "Beds", dt.datetime(2018, 9, 1), 5, "count"]]
    upload = parse_metrics_file(xlsx_bytes(rows, {"C2": "mmm-yy"}), "months.xlsx", KNOWN)
    assert tuple(upload.accepted[["period", "period_end"]].iloc[0]) == ("September 2018", "2018-09-30")


def test_codes_are_normalised():
    upload = metrics([TIDY_HEADER, [" e54 000 005 ", "Beds", "2018", "5", "count"]])
    assert upload.accepted["code"].tolist() == ["E54000005"]


@pytest.mark.parametrize(
    ("written", "unit"),
    [
        ("per 100k", "per 100,000 population"),
        ("Per 100,000", "per 100,000 population"),
        ("per 100,000 population", "per 100,000 population"),
        ("£m", "£ million"),
        ("GBP million", "£ million"),
        ("£ per head", "£ per head"),
        ("percent", "%"),
        ("%", "%"),
        ("WTE", "FTE"),
        ("Count", "count"),
    ],
)
def test_common_unit_spellings(written, unit):
    upload = metrics([TIDY_HEADER, ["E54000005", "Beds", "2018", "5", written]])
    assert upload.measures["unit"].iloc[0] == unit


@pytest.mark.parametrize(
    ("written", "polarity"),
    [
        ("higher is better", "higher_is_better"),
        ("Higher", "higher_is_better"),
        ("lower_is_better", "lower_is_better"),
        ("LOWER", "lower_is_better"),
        ("neutral", "neutral"),
        ("", "neutral"),
    ],
)
def test_polarity_spellings(written, polarity):
    upload = metrics([[*TIDY_HEADER, "polarity"], ["E54000005", "Beds", "2018", "5", "count", written]])
    assert upload.measures["polarity"].iloc[0] == polarity


@pytest.mark.parametrize(
    ("label", "end"),
    [
        ("2018-09", "2018-09-30"),
        ("2018-09-30", "2018-09-30"),
        ("30/09/2018", "2018-09-30"),
        ("Sep 2018", "2018-09-30"),
        ("September 2018", "2018-09-30"),
        ("Feb 2016", "2016-02-29"),
        ("Sep-18", "2018-09-30"),
        ("2018/19", "2019-03-31"),
        ("1999/00", "2000-03-31"),
        ("2018-2019", "2019-03-31"),
        ("2018-19", "2019-03-31"),
        ("2018", "2018-12-31"),
        ("Q3 2018", "2018-09-30"),
        ("2018/21", None),
        ("2016 plan (to 2020/21)", None),
    ],
)
def test_period_end_from_label(label, end):
    assert period_end_of(label) == end


def test_unit_given_once_applies_to_every_row_of_the_measure():
    upload = metrics([TIDY_HEADER, ["E54000005", "Beds", "2018", "5", "count"], ["E54000006", "Beds", "2018", "6", ""]])
    assert len(upload.accepted) == 2 and upload.measures["unit"].tolist() == ["count"]


def test_measure_names_are_matched_by_their_id():
    upload = metrics(
        [TIDY_HEADER, ["E54000005", "GP FTE", "2018", "5", "FTE"], ["E54000006", "gp  fte", "2018", "6", "FTE"]]
    )
    assert upload.accepted["measure"].tolist() == ["gp_fte", "gp_fte"]
    assert upload.measures["name"].tolist() == ["GP FTE"]


def test_empty_rows_are_skipped_and_said():
    upload = metrics([TIDY_HEADER, ["E54000005", "Beds", "2018", "5", "count"], [], ["E54000006", "Beds", "2018", "6"]])
    assert upload.rows_read == 2 and len(upload.accepted) == 2
    assert upload.accepted["source"].iloc[1] == "Your file mine.csv, row 4"
    assert "Skipped 1 empty row(s)." in upload.notes


def test_a_second_code_column_is_named_in_a_note():
    upload = metrics(
        [["stp17cd", "stp18cd", *TIDY_HEADER[1:]], ["E54000005", "E54000049", "Beds", "2018", "5", "count"]]
    )
    assert upload.accepted["code"].tolist() == ["E54000005"]
    assert "Used column 'stp17cd' for code; ignored 'stp18cd'." in upload.notes


def test_unused_columns_are_named_in_a_note():
    upload = metrics([[*TIDY_HEADER, "Comment"], ["E54000005", "Beds", "2018", "5", "count", "ok"]])
    assert "Not used: column(s) 'Comment'." in upload.notes


def test_bundled_data_round_trips_through_the_template():
    bundle = load_bundle()
    template = safe_csv_bytes(template_table(bundle.metrics, bundle.measures))
    assert template.startswith(b"\xef\xbb\xbfcode,measure,period,value,unit,polarity,target,source\n")
    upload = parse_metrics_file(template, "template.csv", bundle.codes)
    assert upload.rejected.empty and upload.rows_read == len(bundle.metrics)
    assert upload.accepted["value"].tolist() == bundle.metrics["value"].tolist()
    assert upload.accepted["source"].tolist() == bundle.metrics["source"].tolist()
    assert sorted(upload.measures["name"]) == sorted(bundle.measures["name"])
    units = dict(zip(bundle.measures["name"], bundle.measures["unit"], strict=True))
    assert dict(zip(upload.measures["name"], upload.measures["unit"], strict=True)) == units
    dated = upload.accepted["period_end"].notna().to_numpy()
    assert (upload.accepted["period_end"][dated] == bundle.metrics["period_end"][dated]).all()
    assert "2016 plan (to 2020/21)" in upload.accepted.loc[~dated, "period"].unique().tolist()


# ---------------------------------------------------------------- wide files


def test_wide_layout_is_converted_with_a_unit_row():
    upload = metrics(
        [
            ["code", "period", "GP FTE", "Nurse FTE", "Vacancy rate"],
            ["unit", "", "FTE", "FTE", "%"],
            ["E54000005", "2018", "10", "20", "5%"],
            ["E54000006", "2018", "11", "21", "6%"],
        ]
    )
    assert upload.layout == "wide" and upload.rows_read == 2 and upload.rejected.empty
    assert (
        "Converted a wide layout: 3 measure column(s) became rows (2 footprint row(s) x 3 measure(s))." in upload.notes
    )
    assert "Read each measure's unit from the 'unit' row (row 2)." in upload.notes
    assert upload.accepted["measure"].tolist() == ["gp_fte", "nurse_fte", "vacancy_rate"] * 2
    assert upload.accepted["source"].iloc[0] == "Your file mine.csv, row 3"
    assert dict(zip(upload.measures["measure"], upload.measures["unit"], strict=True)) == {
        "gp_fte": "FTE",
        "nurse_fte": "FTE",
        "vacancy_rate": "%",
    }


def test_wide_layout_without_units_rejects_each_value_naming_its_column():
    upload = metrics([["STP code", "period", "Beds", "Rate"], ["E54000005", "2018", "5", "6%"]])
    assert_accounted_for(upload)
    rejection = only_rejection(upload)
    assert (rejection["row"], rejection["column"], rejection["reason"]) == (2, "Beds", "missing unit")
    assert upload.accepted["measure"].tolist() == ["rate"]  # the row's other value is still used, and said
    assert any("value(s) from rejected rows were still used" in note for note in upload.notes)
    assert any(note.startswith("Some measures have no unit: give one in a 'unit' column") for note in upload.notes)


def test_wide_layout_with_a_period_row_and_no_period_column():
    upload = metrics(
        [["code", "Beds", "Spend"], ["period", "2018", "2018/19"], ["units", "count", "£m"], ["E54000005", "5", "6"]]
    )
    assert upload.accepted["period_end"].tolist() == ["2018-12-31", "2019-03-31"]


def test_wide_layout_without_any_period_rejects_as_missing_period():
    upload = metrics([["code", "Beds"], ["unit", "count"], ["E54000005", "5"]])
    assert only_rejection(upload)["reason"] == "missing period"


def test_wide_layout_keeps_a_footprint_row_per_measure_column_in_rejections():
    upload = metrics(
        [["code", "period", "Beds", "Cots"], ["unit", "", "count", "count"], ["E54000099", "2018", "5", "6"]]
    )
    assert_accounted_for(upload)
    # One line per user row, not per measure column.
    assert upload.rejected[["row", "column"]].values.tolist() == [[3, "code"]]
    assert upload.rejected["Beds"].tolist() == ["5"]


def test_wide_layout_reads_polarity_from_a_direction_row():
    upload = metrics(
        [["code", "year", "Beds"], ["unit", "", "count"], ["Direction", "", "lower"], ["E54000005", "2018", "5"]]
    )
    assert upload.rows_read == 1 and upload.measures["polarity"].tolist() == ["lower_is_better"]


def test_wide_row_saying_period_is_data_when_there_is_a_period_column():
    upload = metrics(
        [["code", "period", "Beds"], ["unit", "", "count"], ["period", "2018", "7"], ["E54000005", "2018", "5"]]
    )
    rejection = only_rejection(upload)
    assert rejection["row"] == 3 and "malformed footprint code 'PERIOD'" in rejection["reason"]


def test_formatting_far_to_the_right_of_a_sheet_is_not_data():
    workbook = openpyxl.Workbook()
    workbook.active.append(TIDY_HEADER)
    workbook.active.append(["E54000005", "Beds", "2018", 5, "count"])
    workbook.active.cell(row=2, column=700).number_format = "0.0"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(parse_metrics_file(buffer.getvalue(), "wide.xlsx", KNOWN).accepted) == 1


# ---------------------------------------------------------------- rows rejected, each with its reason


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["E54000099", "Beds", "2018", "5", "count"], "code", "unknown footprint code 'E54000099'"),
        (["E5400005", "Beds", "2018", "5", "count"], "code", "malformed footprint code 'E5400005'"),
        (["", "Beds", "2018", "5", "count"], "code", "missing footprint code"),
        (["E54000005", "Beds", "2018", "five", "count"], "value", "non-numeric value 'five'"),
        (["E54000005", "Beds", "2018", "1,5", "count"], "value", "non-numeric value '1,5'"),
        (["E54000005", "Beds", "2018", "inf", "count"], "value", "non-numeric value 'inf'"),
        (["E54000005", "Beds", "2018", "", "count"], "value", "missing value"),
        (["E54000005", "Beds", "2018", "5", ""], "unit", "missing unit"),
        (["E54000005", "Beds", "2018", "5", "123"], "unit", "unknown unit '123'"),
        (["E54000005", "", "2018", "5", "count"], "measure", "missing measure"),
        (["E54000005", "%%", "2018", "5", "count"], "measure", "has no letters or digits"),
        (["E54000005", "Beds", "", "5", "count"], "period", "missing period"),
    ],
)
def test_each_rejection_reason_names_row_and_column(row, column, reason):
    upload = metrics([["Title"], TIDY_HEADER, ["E54000006", "Cots", "2018", "1", "count"], row])
    rejection = only_rejection(upload)
    assert (rejection["row"], rejection["column"]) == (4, column)
    assert reason in rejection["reason"]
    assert rejection[TIDY_HEADER].tolist() == row
    assert len(upload.accepted) == 1


def test_later_duplicates_are_rejected_naming_the_first_row():
    row = ["E54000005", "Beds", "2018", "5", "count"]
    upload = metrics([TIDY_HEADER, row, ["E54000006", "Beds", "2018", "1", "count"], row, [*row[:3], "7", "count"]])
    assert_accounted_for(upload)
    assert upload.rejected["row"].tolist() == [4, 5]
    assert set(upload.rejected["reason"]) == {"duplicate footprint, measure and period: row 2 already gives it"}


def test_the_same_period_written_two_ways_is_a_duplicate():
    upload = metrics(
        [TIDY_HEADER, ["E54000005", "Beds", "Sep 2018", "5", "count"], ["E54000005", "Beds", "2018-09", "5", "count"]]
    )
    assert "row 2 already gives it" in only_rejection(upload)["reason"]


def test_a_broken_row_does_not_make_its_corrected_copy_a_duplicate():
    upload = metrics(
        [TIDY_HEADER, ["E54000005", "Beds", "2018", "x", "count"], ["E54000005", "Beds", "2018", "5", "count"]]
    )
    assert only_rejection(upload)["row"] == 2 and len(upload.accepted) == 1


def test_a_second_unit_for_a_measure_is_rejected():
    upload = metrics(
        [TIDY_HEADER, ["E54000005", "Beds", "2018", "5", "count"], ["E54000006", "Beds", "2018", "6", "%"]]
    )
    assert only_rejection(upload)["reason"] == "unit '%' differs from 'count' given on row 2 for this measure"


@pytest.mark.parametrize(("written", "column"), [("0", "population"), ("12.5", "population"), ("lots", "population")])
def test_bad_population_is_rejected(written, column):
    upload = metrics([[*TIDY_HEADER, "population"], ["E54000005", "Beds", "2018", "5", "count", written]])
    assert only_rejection(upload)["column"] == column


def test_unknown_polarity_is_rejected():
    upload = metrics([[*TIDY_HEADER, "direction"], ["E54000005", "Beds", "2018", "5", "count", "sideways"]])
    rejection = only_rejection(upload)
    assert rejection["column"] == "direction" and "unknown polarity 'sideways'" in rejection["reason"]


def test_every_problem_of_a_row_is_given_on_one_line():
    upload = metrics([TIDY_HEADER, ["E54000099", "Beds", "", "x", "count"]])
    rejection = only_rejection(upload)
    assert rejection["column"] == "code"
    assert rejection["reason"].split("; ")[1:] == ["missing period", "non-numeric value 'x'"]


def test_file_columns_named_like_the_report_columns_are_kept_apart():
    upload = metrics([[*TIDY_HEADER, "reason"], ["E54000099", "Beds", "2018", "5", "count", "mine"]])
    assert only_rejection(upload)["reason (in file)"] == "mine"


def test_rejected_csv_neutralises_formulas():
    upload = metrics([TIDY_HEADER, ['=HYPERLINK("http://x")', "Beds", "2018", "5", "count"]])
    text = safe_csv_bytes(upload.rejected).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text and ",=" not in text


# ---------------------------------------------------------------- whole-file problems


def test_empty_file_is_refused():
    assert "empty" in str(whole_file_error(b""))
    assert "empty" in str(whole_file_error(b"\n \n,,\n"))


def test_header_without_rows_is_refused():
    assert "no rows" in str(whole_file_error(csv_bytes([TIDY_HEADER])))


def test_no_recognisable_header_is_refused():
    error = whole_file_error(csv_bytes([["a", "b"], ["1", "2"]]))
    assert "no header row found in the first 30 rows" in str(error)


def test_missing_required_columns_are_each_named():
    error = whole_file_error(csv_bytes([["code", "value"], ["E54000005", "1"]]))
    assert [(p.row, p.column) for p in error.problems] == [(1, "measure"), (1, "period")]
    assert "required column is missing" in error.problems[0].reason


def test_wide_file_without_measure_columns_is_refused():
    assert "no measure columns" in str(whole_file_error(csv_bytes([["code", "period"], ["E54000005", "2018"]])))


def test_free_text_units_are_kept():
    upload = metrics([TIDY_HEADER, ["E54000005", "Deprivation", "2019", "21.4", "score"]])
    assert upload.measures["unit"].tolist() == ["score"]


def test_too_large_is_refused_before_parsing():
    error = whole_file_error(b"\x00\xff" * 600, max_bytes=1000)
    assert "1,200 bytes, more than the 1,000-byte limit" in str(error)


@pytest.mark.parametrize("data", [b"code,value\n\x81\x8d\x8f\n", b"c\x00o\x00d\x00e\x00\n\x00"])
def test_unreadable_bytes_are_refused(data):
    assert "unreadable bytes" in str(whole_file_error(data))


def test_corrupt_workbook_is_refused():
    assert "could not be read as an Excel .xlsx workbook" in str(whole_file_error(b"PK\x03\x04 not a zip", "a.xlsx"))


@pytest.mark.parametrize(("filename", "says"), [("data.pdf", "unsupported file type '.pdf'"), ("old.xls", ".xls")])
def test_unsupported_file_types_are_refused(filename, says):
    assert says in str(whole_file_error(b"code\nE54000005\n", filename))


def test_other_sheets_are_mentioned():
    workbook = openpyxl.Workbook()
    workbook.active.append(TIDY_HEADER)
    workbook.active.append(["E54000005", "Beds", "2018", 5, "count"])
    workbook.create_sheet("Notes")
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = parse_metrics_file(buffer.getvalue(), "two.xlsx", KNOWN)
    assert len(upload.accepted) == 1
    assert any("other 1 sheet(s) were not read: 'Notes'" in note for note in upload.notes)


# ---------------------------------------------------------------- ratings


def ratings(rows: list[list[object]], filename: str = "ratings.csv"):
    data = xlsx_bytes(rows) if filename.endswith(".xlsx") else csv_bytes(rows)
    return parse_ratings_file(data, filename, KNOWN)


def test_ratings_are_matched_case_insensitively():
    upload = ratings(
        [
            ["STP17CD", "Overall rating", "Source"],
            ["E54000005", "making  PROGRESS", "HSJ"],
            ["E54000006", "outstanding", ""],
        ]
    )
    assert upload.accepted.to_dict("records") == [
        {"code": "E54000005", "rating": "Making progress", "source": "HSJ"},
        {"code": "E54000006", "rating": "Outstanding", "source": "Your file ratings.csv, row 3"},
    ]
    assert upload.rows_read == 2 and upload.rejected.empty


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["E54000005", "Good"], "rating", "rating 'Good' is not one of: Outstanding, Advanced"),
        (["E54000005", ""], "rating", "missing rating"),
        (["E54000099", "Advanced"], "code", "unknown footprint code"),
        (["E54-5", "Advanced"], "code", "malformed footprint code"),
    ],
)
def test_each_ratings_rejection(row, column, reason):
    upload = ratings([["code", "rating"], row])
    rejection = only_rejection(upload)
    assert (rejection["row"], rejection["column"]) == (2, column)
    assert reason in rejection["reason"]


def test_a_footprint_rated_twice_keeps_the_first():
    upload = ratings([["code", "rating"], ["E54000005", "Advanced"], ["E54000005", "Outstanding"]])
    assert only_rejection(upload)["reason"] == "duplicate footprint: row 2 already gives it"
    assert upload.accepted["rating"].tolist() == ["Advanced"]


def test_ratings_workbook_with_a_title_row():
    upload = ratings([["July 2017 ratings"], ["code", "rating"], ["E54000005", "Advanced"]], "r.xlsx")
    assert upload.accepted["source"].tolist() == ["Your file r.xlsx, row 3"]


def test_ratings_file_without_a_rating_column_is_refused():
    with pytest.raises(DataValidationError) as caught:
        ratings([["code", "name"], ["E54000005", "x"]])
    assert (caught.value.row, caught.value.column) == (1, "rating")


def test_no_missing_unit_note_when_every_measure_has_a_unit():
    from stp_data.upload import parse_metrics_file

    data = b"code,measure,period,value,unit\nE54000034,Vacancy rate,Sep 2026,7.5,%\n"
    upload = parse_metrics_file(data, "ok.csv", ["E54000034"])
    assert not any("no unit" in note for note in upload.notes)
