"""Periods: one canonical period per spelling, granularities kept apart, UK day-first dates said."""

from __future__ import annotations

import pytest

from stp_data.upload import parse_metrics_file, parse_period
from tests.stp_data.upload.upload_fixtures import KNOWN, csv_bytes

HEADER = ["code", "measure", "period", "value", "unit"]


@pytest.mark.parametrize(
    ("written", "label", "granularity"),
    [
        ("Sep 2018", "September 2018", "month"),
        ("September 2018", "September 2018", "month"),
        ("2018-09", "September 2018", "month"),
        ("30/09/2018", "September 2018", "month"),
        ("2018-09-30", "September 2018", "month"),
        ("43373", "September 2018", "month"),  # an Excel serial date
        ("2018", "2018", "year"),
        ("2018/19", "2018/19", "financial year"),
        ("2018-19", "2018/19", "financial year"),
        ("Q3 2018/19", "Q3 2018/19", "quarter"),
        ("Q3 2018", "Q3 2018", "quarter"),
        ("05/06/2018", "5 June 2018", "day"),
        ("2016 plan (to 2020/21)", "2016 plan (to 2020/21)", "label"),
    ],
)
def test_each_spelling_reads_to_one_canonical_period(written, label, granularity):
    period = parse_period(written)
    assert (period.label, period.granularity) == (label, granularity)


def test_financial_quarters_end_in_the_right_month():
    assert parse_period("Q3 2018/19").end == "2018-12-31"
    assert parse_period("Q4 2018/19").end == "2019-03-31"


def test_mixed_spellings_of_one_month_are_one_period_and_a_duplicate():
    rows = [HEADER] + [["E54000005", "Beds", p, "5", "count"] for p in ("Sep 2018", "2018-09", "30/09/2018")]
    upload = parse_metrics_file(csv_bytes(rows), "p.csv", KNOWN)
    assert upload.rows_accepted == 1
    assert upload.rejected["reason"].tolist() == ["duplicate footprint, measure and period: row 2 already gives it"] * 2


def test_mixed_spellings_across_footprints_give_one_period_so_no_gauge_is_missing():
    rows = [HEADER] + [
        [code, "Beds", p, "5", "count"] for code, p in zip(KNOWN, ("Sep 2018", "2018-09", "30/09/2018"), strict=True)
    ]
    upload = parse_metrics_file(csv_bytes(rows), "p.csv", KNOWN)
    assert upload.accepted["period"].unique().tolist() == ["September 2018"]


def test_a_month_and_its_year_are_not_duplicates():
    rows = [HEADER] + [["E54000005", "Beds", p, "5", "count"] for p in ("2018", "Dec 2018", "Q4 2018")]
    upload = parse_metrics_file(csv_bytes(rows), "p.csv", KNOWN)
    assert upload.rows_accepted == 3 and upload.rejected.empty
    assert dict(zip(upload.periods["period"], upload.periods["granularity"], strict=True)) == {
        "2018": "year",
        "December 2018": "month",
        "Q4 2018": "quarter",
    }


def test_day_first_dates_are_read_the_uk_way_and_said():
    upload = parse_metrics_file(csv_bytes([HEADER, ["E54000005", "Beds", "05/06/2018", "5", "count"]]), "d.csv", KNOWN)
    assert upload.accepted["period_end"].tolist() == ["2018-06-05"]
    assert any("UK way, day first" in note for note in upload.notes)
