"""The upload's fast paths give what the general ones give: periods parsed once per distinct spelling, plain numbers
read by Arrow, and a UTF-8 CSV read by pyarrow without decoding the whole file first."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stp_data.upload import checks, parse_metrics_file, read_raw_table
from tests.stp_data.upload.upload_fixtures import KNOWN, csv_bytes

HEADER = ["code", "measure", "period", "value", "unit"]


def test_month_names_spelled_several_ways_give_each_row_its_month_and_last_day():
    spellings = {
        "January 2019": "2019-01-31",
        "Jan 2019": "2019-01-31",
        "2019-01": "2019-01-31",
        "February 2019": "2019-02-28",
        "Feb 2019": "2019-02-28",
        "2019-02-28": "2019-02-28",
    }
    rows = [[code, f"Beds {i}", written, "5", "count"] for i, written in enumerate(spellings) for code in KNOWN]
    rows.append(["E54000005", "Plan", "2016 plan", "1", "count"])
    upload = parse_metrics_file(csv_bytes([HEADER, *rows]), "months.csv", KNOWN)
    assert upload.rejected.empty
    accepted = upload.accepted
    expected = [spellings[written] for _, _, written, _, _ in rows[:-1]]
    assert accepted["period_end"].iloc[:-1].tolist() == expected
    assert set(accepted["period"].iloc[:-1]) == {"January 2019", "February 2019"}
    assert accepted["period"].iloc[-1] == "2016 plan" and pd.isna(accepted["period_end"].iloc[-1])
    assert accepted["period_end"].dtype == accepted["period"].dtype  # text, as the bundled tables hold it
    assert "1 period label(s) could not be read as dates; they are kept as written." in upload.notes


def test_plain_numbers_read_by_arrow_are_the_numbers_pandas_reads():
    plain = ["1.5", "-0", "+2", "007", "1e3", "12345678901234567", "0.1", "nan", "inf", "1e400"]
    by_arrow = checks._numbers(pd.Series(plain, dtype=object))
    # One text Arrow cannot read sends them all through pandas.to_numeric, the general path.
    by_pandas = checks._numbers(pd.Series([*plain, "1,234"], dtype=object))
    for fast, general in zip(by_arrow, by_pandas, strict=True):
        np.testing.assert_array_equal(fast, general[:-1])
    assert by_arrow[2].tolist() == [True] * 7 + [False] * 3  # nan, inf and 1e400 are not usable values
    assert by_pandas[0][-1] == 1234.0


def test_a_value_column_sliced_from_its_header_reads_every_value():
    data = csv_bytes([HEADER, *[["E54000005", "Beds", "2019", str(v), "count"] for v in (1, 2.5, 3)]])
    values, percent, readable = checks.numbers(read_raw_table(data, "v.csv").cells[3].iloc[1:])
    assert values.tolist() == [1.0, 2.5, 3.0] and readable.all() and not percent.any()


def test_a_windows_1252_byte_after_a_long_utf8_head_is_read_as_windows_1252():
    rows = [["E54000005", "Beds", str(2000 + i % 20), str(i), "count"] for i in range(32_000)]
    rows.append(["E54000006", "Spend – capital", "2018/19", "£1,200", "£m"])
    data = csv_bytes([HEADER, *rows], encoding="cp1252")
    assert data.index("–".encode("cp1252")) > 4 * 200_000  # beyond the head decoded to count the columns
    upload = parse_metrics_file(data, "long.csv", KNOWN)
    assert "Read as Windows-1252 (the file is not UTF-8)." in upload.notes
    assert "Spend – capital" in set(upload.measures["name"])
