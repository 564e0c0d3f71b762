"""Measure identity: names that differ only in case or spacing join (and it is said); nothing else merges."""

from __future__ import annotations

from stp_data.upload import parse_metrics_file
from tests.stp_data.upload.upload_fixtures import KNOWN, csv_bytes

HEADER = ["code", "measure", "period", "value", "unit"]


def upload_of(names_and_values: list[tuple[str, str]]):
    rows = [HEADER] + [["E54000005", name, "2018", value, "%"] for name, value in names_and_values]
    return parse_metrics_file(csv_bytes(rows), "m.csv", KNOWN)


def test_names_differing_by_one_symbol_stay_two_measures():
    upload = upload_of([("Waiting ≤ 18 weeks", "90"), ("Waiting > 18 weeks", "10")])
    assert upload.rows_accepted == 2 and upload.rejected.empty
    assert sorted(upload.measures["name"]) == ["Waiting > 18 weeks", "Waiting ≤ 18 weeks"]
    assert upload.accepted["measure"].nunique() == 2
    assert any(note.startswith("Kept apart as different measures") for note in upload.notes)


def test_a_and_e_spellings_are_not_duplicates():
    upload = upload_of([("A&E (4 hour)", "88"), ("A&E 4-hour", "87")])
    assert upload.rows_accepted == 2 and upload.measures["measure"].nunique() == 2


def test_case_and_spacing_join_and_the_report_says_so():
    upload = parse_metrics_file(
        csv_bytes([HEADER, ["E54000005", "GP FTE", "2018", "5", "FTE"], ["E54000006", "gp  fte", "2018", "6", "FTE"]]),
        "m.csv",
        KNOWN,
    )
    assert upload.accepted["measure"].nunique() == 1 and upload.measures["name"].tolist() == ["GP FTE"]
    assert "Read as one measure (the names differ only in case or spacing): 'GP FTE', 'gp fte'." in upload.notes
