"""Hostile or odd input: refused while reading, with a reason a user can act on; nothing crashes a chart."""

from __future__ import annotations

import io
import time
import tracemalloc

import openpyxl
import pandas as pd
import pytest

from charts.distribution import measure_histogram
from stp_data.errors import DataValidationError
from stp_data.upload import list_sheets, parse_metrics_file
from tests.stp_data.upload.upload_fixtures import KNOWN, builders, csv_bytes

HEADER = ["code", "measure", "period", "value", "unit"]


def test_a_decompression_bomb_is_refused_at_once_with_memory_flat():
    bomb = builders.decompression_bomb()
    assert len(bomb) < 500_000
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(DataValidationError) as caught:
        parse_metrics_file(bomb, "bomb.xlsx", KNOWN)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "unpacks to 400 MB, more than the 150 MB limit" in str(caught.value)
    assert seconds < 2 and peak < 20_000_000
    with pytest.raises(DataValidationError):
        list_sheets(bomb, "bomb.xlsx")


def test_a_file_over_the_size_limit_gets_a_message_to_show():
    with pytest.raises(DataValidationError) as caught:
        parse_metrics_file(b"x" * 2_000, "big.csv", KNOWN, max_bytes=1_000)
    assert str(caught.value) == "big.csv: the file is 2,000 bytes, more than the 1,000-byte limit (0 MB)"


def test_too_many_columns_in_a_sheet_is_refused_while_streaming():
    book = openpyxl.Workbook()
    book.active.append(["code", *range(600)])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(DataValidationError, match="more than 500 columns"):
        parse_metrics_file(buffer.getvalue(), "wide.xlsx", KNOWN)


@pytest.mark.parametrize(
    ("value", "unit", "says"),
    [
        ("1e308", "count", "beyond the sane range"),
        ("inf", "count", "non-numeric value 'inf'"),
        ("nan", "count", "non-numeric value 'nan'"),
        ("250000", "%", "outside the sane range for a percentage"),
    ],
)
def test_values_beyond_a_sane_range_for_their_unit_are_rejected_with_the_reason(value, unit, says):
    rows = [HEADER, ["E54000005", "Beds", "2018", "5", unit], ["E54000006", "Beds", "2018", value, unit]]
    upload = parse_metrics_file(csv_bytes(rows), "v.csv", KNOWN)
    assert upload.rows_accepted == 1
    assert says in upload.rejected["reason"].iloc[0] and upload.rejected["column"].iloc[0] == "value"


def test_merged_cells_are_explained():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["E54000005", "Beds", "2018", 5, "count"])
    sheet.append(["E54000006", None, "2018", 6, "count"])
    sheet.merge_cells("B2:B3")
    buffer = io.BytesIO()
    book.save(buffer)
    upload = parse_metrics_file(buffer.getvalue(), "merged.xlsx", KNOWN)
    reason = upload.rejected["reason"].iloc[0]
    assert "cell B3 is part of merged cells B2:B3" in reason and "unmerge" in reason


def test_a_formula_without_a_saved_result_is_explained():
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(["E54000005", "Beds", "2018", "=SUM(1,2)", "count"])
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl saves formulas without results, as a script-made file would
    upload = parse_metrics_file(buffer.getvalue(), "formula.xlsx", KNOWN)
    reason = upload.rejected["reason"].iloc[0]
    assert "cell D2 holds a formula (=SUM(1,2)) with no saved result" in reason


def test_the_histogram_survives_huge_values():
    values = pd.DataFrame({"code": ["a", "b", "c", "d"], "value": [1.0, 2.0, 3.0, 1e308]})
    fig = measure_histogram(values, {}, unit="count", spread=None, england=None, note="n")
    assert sum(fig.data[0].y) == 3
    assert "1 value(s) too large to chart left out" in fig.layout.annotations[-1].text


def test_a_bad_catalogue_field_still_gets_the_full_report():
    # The user's catalogue rows are checked by a fast path first; a failure must fall back to the full pandera report.
    from stp_data.upload import report as upload_report

    assert hasattr(upload_report, "__file__")
    upload = parse_metrics_file(
        b"code,measure,period,value,unit,polarity\nE54000005,Beds,2018,5,count,sideways is better\n",
        "polarity.csv",
        KNOWN,
    )
    reasons = " ".join(upload.rejected["reason"]) + " ".join(upload.notes)
    assert "polarity" in reasons.lower()
