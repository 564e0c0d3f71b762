"""Periods as analysts write them, read to one canonical label, its last day and its granularity.

"Sep 2018", "September 2018", "2018-09" and "30/09/2018" (a month's last day) are one month, "September 2018";
"2018" is a year and "2018/19" a UK financial year (April to March), so a month, a quarter and a year of one
measure are different periods, never duplicates. dd/mm/yyyy is read the UK way (day first). A label that is not
a date ("2016 plan (to 2020/21)") is kept as written, with no end date.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import functools
import re
from dataclasses import dataclass

import pandas as pd

YEAR, FINANCIAL_YEAR, QUARTER, MONTH, DAY, LABEL = "year", "financial year", "quarter", "month", "day", "label"
# Excel stores dates as days since 1899-12-30; 1 Jan 1960 .. 31 Dec 2099 is the plausible span for a period.
EXCEL_SERIAL = (21916, 73050)
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Period:
    label: str  # canonical, e.g. "September 2018", "2018/19", "Q3 2018/19"
    end: str | None  # last day, YYYY-MM-DD; None for a label that is not a date
    granularity: str
    day_first: bool = False  # read from an ambiguous dd/mm/yyyy (both parts 12 or less)


_DAY_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d-%m-%Y", "%d %b %Y", "%d %B %Y", "%d.%m.%Y")
_MONTH_FORMATS = ("%Y-%m", "%b %Y", "%B %Y", "%b-%y", "%b-%Y", "%B-%y", "%B-%Y", "%b %y", "%m/%Y")
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4}|[0-9]{2})")
_FINANCIAL = re.compile(r"(?:fy\s*)?([0-9]{4})\s*[/-]\s*([0-9]{2}|[0-9]{4})", re.IGNORECASE)
_QUARTER = re.compile(
    r"(?:q([1-4])\s*[-,]?\s*(?P<a>[0-9]{4}(?:\s*/\s*[0-9]{2,4})?)|(?P<b>[0-9]{4}(?:\s*/\s*[0-9]{2,4})?)\s*[-,]?\s*q([1-4]))",
    re.IGNORECASE,
)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _month(day: dt.date) -> Period:
    return Period(f"{day:%B %Y}", _month_end(day.year, day.month).isoformat(), MONTH)


def _day(day: dt.date, day_first: bool = False) -> Period:
    # A month's last day is how many extracts date a month ("2018-09-30"): read it as that month.
    if day == _month_end(day.year, day.month):
        return dataclass_replace(_month(day), day_first=day_first)
    return Period(f"{day.day} {day:%B %Y}", day.isoformat(), DAY, day_first)


def dataclass_replace(period: Period, **changes: object) -> Period:
    return Period(**{**period.__dict__, **changes})


def _financial(start: int, end: str) -> Period | None:
    follows = int(end) == start + 1 if len(end) == 4 else int(end) == (start + 1) % 100
    if not follows or not 1900 <= start < 2200:
        return None
    return Period(f"{start}/{(start + 1) % 100:02d}", dt.date(start + 1, 3, 31).isoformat(), FINANCIAL_YEAR)


def _quarter(number: int, year_text: str) -> Period | None:
    year_text = re.sub(r"\s", "", year_text)
    if "/" in year_text:
        start, end = year_text.split("/")
        financial = _financial(int(start), end)
        if financial is None:
            return None
        # UK financial quarters: Q1 is April to June, Q4 January to March of the following year.
        month = (3 + 3 * number - 1) % 12 + 1
        year = int(start) + (1 if number == 4 else 0)
        return Period(f"Q{number} {financial.label}", _month_end(year, month).isoformat(), QUARTER)
    year = int(year_text)
    if not 1900 <= year < 2200:
        return None
    return Period(f"Q{number} {year}", _month_end(year, 3 * number).isoformat(), QUARTER)


@functools.lru_cache(maxsize=8192)
def parse_period(label: str) -> Period:
    """The canonical period a label names; granularity 'label' (kept as written) when it names no date."""
    text = " ".join(str(label).split())
    for fmt in _DAY_FORMATS:
        with contextlib.suppress(ValueError):
            return _day(dt.datetime.strptime(text, fmt).date())
    uk = _UK_DATE.fullmatch(text)
    if uk:
        day, month, year = int(uk[1]), int(uk[2]), int(uk[3])
        year += 2000 if year < 100 else 0
        with contextlib.suppress(ValueError):
            return _day(dt.date(year, month, day), day_first=day <= 12 and month <= 12 and day != month)
    for fmt in _MONTH_FORMATS:
        with contextlib.suppress(ValueError):
            return _month(dt.datetime.strptime(text, fmt).date())
    quarter = _QUARTER.fullmatch(text)
    if quarter:
        number = int(quarter[1] or quarter[4])
        found = _quarter(number, quarter["a"] or quarter["b"])
        if found is not None:
            return found
    financial = _FINANCIAL.fullmatch(text)
    if financial:
        found = _financial(int(financial[1]), financial[2])
        if found is not None:
            return found
    if re.fullmatch(r"(?:19|20|21)[0-9]{2}", text):
        return Period(text, dt.date(int(text), 12, 31).isoformat(), YEAR)
    serial = re.fullmatch(r"([0-9]{5})(?:\.0+)?", text)
    if serial and EXCEL_SERIAL[0] <= int(serial[1]) <= EXCEL_SERIAL[1]:
        return _day(EXCEL_EPOCH + dt.timedelta(days=int(serial[1])))
    return Period(text, None, LABEL)


def period_end_of(label: str) -> str | None:
    """The last day of the period a label names, as YYYY-MM-DD; None when the label is not a date."""
    return parse_period(label).end


def parse_periods(labels: pd.Series) -> pd.DataFrame:
    """label, end, granularity, day_first for every cell, parsing each distinct spelling once."""
    codes, table = parse_distinct(labels)
    return table.iloc[codes].reset_index(drop=True).set_axis(labels.index)


def parse_distinct(labels: pd.Series) -> tuple[object, pd.DataFrame]:
    """(integer code per cell, label/end/granularity/day_first for each distinct spelling): each parsed once."""
    codes, uniques = pd.factorize(labels, use_na_sentinel=False)
    parsed = [parse_period(str(u)) for u in uniques]
    table = pd.DataFrame(
        {
            "label": [p.label for p in parsed],
            "end": pd.array([p.end for p in parsed], dtype=object),
            "granularity": [p.granularity for p in parsed],
            "day_first": [p.day_first for p in parsed],
        }
    )
    return codes, table


_HEADER_PATTERNS = (
    r"q[1-4]\s*[0-9]{4}(?:\s*/\s*[0-9]{2,4})?",
    r"[0-9]{4}\s*/\s*[0-9]{2,4}",
    r"[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?",
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[\s-]+[0-9]{4}",
    r"(?<![0-9-])(?:19|20)[0-9]{2}(?![0-9])",
)


def period_in_text(text: str) -> Period | None:
    """The first date-like period in a header or title, e.g. 'IMD 2019 average score' -> 2019.

    'mid-2018' in 'Population (mid-2018)' is a year, but such columns are population, not measures.
    """
    for pattern in _HEADER_PATTERNS:
        for found in re.finditer(pattern, text, re.IGNORECASE):
            period = parse_period(re.sub(r"\b(sept)\b", "Sep", found[0], flags=re.IGNORECASE))
            if period.end is not None:
                return period
    return None
