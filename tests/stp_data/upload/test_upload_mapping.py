"""The mapping step: analysts' files load first time with the mapping the file itself implies."""

from __future__ import annotations

import pytest

from stp_data.errors import DataValidationError
from stp_data.upload import Mapping, apply_mapping, infer_mapping, parse_metrics_file, read_raw_table
from tests.stp_data.upload.upload_fixtures import KNOWN, builders, csv_bytes, xlsx_bytes

CODES = builders.CODES_44


def test_analyst_excel_extract_loads_44_of_44_with_the_inferred_mapping():
    raw = read_raw_table(builders.analyst_workbook(CODES), "imd.xlsx")
    mapping = infer_mapping(raw)
    assert mapping.header_row == 3
    assert mapping.roles == {
        "STP Code": "code",
        "STP Name": "name",
        "IMD 2019 average score (population-weighted)": "measure",
        "Population (mid-2018)": "population",
    }
    (spec,) = mapping.measures
    assert (spec.unit, spec.period, spec.polarity) == ("score", "2019", "neutral")
    upload = apply_mapping(raw, mapping, CODES)
    assert (upload.rows_read, upload.rows_accepted, upload.rows_rejected) == (44, 44, 0)
    assert upload.accepted["period"].unique().tolist() == ["2019"]
    assert upload.accepted["population"].iloc[0] == 500_000
    assert upload.measures["unit"].tolist() == ["score"]
    assert "Read the sheet 'IMD by STP'" in upload.notes[0] and "'Notes'" in upload.notes[0]


def test_windows_1252_csv_with_unit_and_period_in_its_header_loads_7_of_7():
    upload = parse_metrics_file(builders.finance_gap_csv(CODES), "gap.csv", CODES)
    assert (upload.rows_read, upload.rows_accepted, upload.rows_rejected) == (7, 7, 0)
    assert upload.measures[["name", "unit"]].values.tolist() == [["Gap 2020/21", "£ million"]]
    assert upload.accepted["period"].unique().tolist() == ["2020/21"]
    assert upload.accepted["period_end"].iloc[0] == "2021-03-31"
    assert upload.accepted["value"].tolist()[:2] == [1070.0, 2070.0]
    assert "Read as Windows-1252 (the file is not UTF-8)." in upload.notes


def test_a_changed_mapping_is_re_applied_and_survives_a_mapping_file():
    raw = read_raw_table(builders.analyst_workbook(CODES), "imd.xlsx")
    mapping = infer_mapping(raw)
    mapping.measures[0].polarity = "lower_is_better"
    mapping.measures[0].name = "IMD score"
    mapping.roles["Population (mid-2018)"] = "ignore"
    saved = Mapping.from_json(mapping.to_json())
    assert saved.roles == mapping.roles and saved.measures == mapping.measures
    upload = apply_mapping(raw, saved, CODES)
    assert upload.measures[["name", "polarity"]].values.tolist() == [["IMD score", "lower_is_better"]]
    assert upload.accepted["population"].isna().all()


def test_next_months_file_reuses_a_saved_mapping():
    first = read_raw_table(builders.analyst_workbook(CODES), "imd.xlsx")
    mapping = infer_mapping(first)
    mapping.measures[0].polarity = "lower_is_better"
    again = parse_metrics_file(builders.analyst_workbook(CODES), "imd-next.xlsx", CODES, mapping=mapping)
    assert again.measures["polarity"].tolist() == ["lower_is_better"]


def test_a_broken_mapping_file_is_refused_with_a_reason():
    with pytest.raises(DataValidationError, match="not a mapping file"):
        Mapping.from_json('{"roles": {}}', "m.json")


def test_wide_measure_without_any_unit_is_rejected_until_the_mapping_gives_one():
    raw = read_raw_table(csv_bytes([["code", "period", "Beds"], ["E54000005", "2018", "5"]]), "beds.csv")
    mapping = infer_mapping(raw)
    assert apply_mapping(raw, mapping, KNOWN).rejected["reason"].tolist() == ["missing unit"]
    mapping.measures[0].unit = "beds"  # free text: no catalogue unit fits
    upload = apply_mapping(raw, mapping, KNOWN)
    assert upload.rows_accepted == 1 and upload.measures["unit"].tolist() == ["beds"]


@pytest.mark.parametrize(
    ("header", "unit"),
    [
        ("Spend (£m)", "£ million"),
        ("Vacancy rate %", "%"),
        ("GPs per 100,000", "per 100,000 population"),
        ("Nurses FTE", "FTE"),
        ("Wellbeing index", "index"),
        ("Length of stay days", "days"),
        ("Emergency admission rate", "rate"),
    ],
)
def test_units_are_prefilled_from_header_words(header, unit):
    raw = read_raw_table(csv_bytes([["code", "period", header], ["E54000005", "2018", "5"]]), "u.csv")
    assert infer_mapping(raw).measures[0].unit == unit


def test_title_row_gives_the_period_when_the_headers_do_not():
    raw = read_raw_table(
        xlsx_bytes([["GP workforce, September 2018"], ["code", "GPs (FTE)"], ["E54000005", 5]]), "t.xlsx"
    )
    assert infer_mapping(raw).measures[0].period == "September 2018"


def test_data_only_on_the_second_sheet_is_found_and_said():
    data = builders.analyst_workbook(CODES, first_sheet_notes=True)
    upload = parse_metrics_file(data, "imd.xlsx", CODES)
    assert upload.rows_accepted == 44
    assert "Read the sheet 'IMD by STP': the first sheet, 'Notes', has no table." in upload.notes


def test_a_sheet_without_a_table_names_the_other_sheets():
    data = xlsx_bytes([["Notes only"]], sheets={"Figures": [["nothing", "here"]]})
    with pytest.raises(DataValidationError) as caught:
        parse_metrics_file(data, "n.xlsx", KNOWN, sheet="Data")
    assert "the data may be on another sheet: 'Figures'" in str(caught.value)


def test_a_chosen_sheet_is_read_and_named():
    data = xlsx_bytes(
        [["code", "measure", "period", "value", "unit"], ["E54000005", "Beds", "2018", 5, "count"]],
        sheets={"Other": [["code", "measure", "period", "value", "unit"], ["E54000006", "Cots", "2018", 6, "count"]]},
    )
    raw = read_raw_table(data, "s.xlsx", sheet="Other")
    assert raw.sheet == "Other" and raw.sheets == ("Data", "Other")
    assert apply_mapping(raw, infer_mapping(raw), KNOWN).accepted["code"].tolist() == ["E54000006"]
