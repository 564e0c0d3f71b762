"""The words an analyst's file uses: column names, units, polarities, ratings, and what a header says.

Everything here is pure text in, text out; the engine applies it to each distinct cell once, not per row.
"""

from __future__ import annotations

import re
import unicodedata

from stp_data import schemas
from stp_data.metrics import UNITS

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "stp code", "stp17cd", "stp18cd", "stp20cd", "footprint code", "ons code", "area code"),
    "measure": ("measure", "indicator", "metric"),
    "period": ("period", "date", "month", "year"),
    "value": ("value", "val", "figure"),
    "unit": ("unit", "units"),
    "polarity": ("polarity", "direction"),
    "target": ("target",),
    "source": ("source",),
    "population": ("population", "denominator"),
    "name": (
        "name",
        "stp name",
        "footprint name",
        "stp17nm",
        "stp18nm",
        "stp20nm",
        "area name",
        "footprint",
        "stp",
        "partnership",
        "area",
    ),
    "rating": ("rating", "overall rating", "overall rating 2017", "rating 2017"),
}

UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "per 100,000 population": (
        "per 100,000",
        "per 100000",
        "per 100k",
        "per 100k population",
        "per 100,000 people",
        "rate per 100,000",
    ),
    "£ million": ("£m", "£ m", "£mn", "£ millions", "gbp million", "gbp m", "gbpm", "million pounds"),
    "£ per head": ("£/head", "£ per capita", "gbp per head", "per head (£)", "£ per person"),
    "FTE": ("fte", "wte", "whole time equivalent", "full time equivalent"),
    "%": ("percent", "per cent", "percentage", "pct"),
    "count": ("number", "no.", "n", "headcount"),
}
POLARITY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "higher_is_better": ("higher is better", "higher", "high is good", "up"),
    "lower_is_better": ("lower is better", "lower", "low is good", "down"),
    "neutral": ("neutral", "none", "n/a", "neither"),
}
POLARITY_WORDS = {"higher_is_better": "higher is better", "lower_is_better": "lower is better", "neutral": "neutral"}
# Free-text units a header may name: the catalogue has no unit for a score or an index, but analysts' files do.
FREE_UNIT_WORDS = ("score", "index", "ratio", "rate", "days")
MAX_UNIT_CHARS = 40

STP_CODE = re.compile(r"E54[0-9]{6}")
ONS_CODE = re.compile(r"[EWSN][0-9]{8}")


def squash(text: str) -> str:
    """The key a column name is matched by: letters and digits only, case-folded."""
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def spelling_key(text: str) -> str:
    """The key a unit or word is matched by: case-folded, without spaces or commas."""
    return re.sub(r"[\s,]", "", text.casefold())


def measure_key(name: str) -> str:
    """Names equal under this key are one measure: only case, spacing and Unicode forms may differ.

    Punctuation and symbols stay ("≤" vs ">", "(4 hour)" vs "4-hour"): they can change what is measured.
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")


FIELD_BY_ALIAS = {squash(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
UNIT_BY_SPELLING = {spelling_key(s): unit for unit, spellings in UNIT_SPELLINGS.items() for s in (unit, *spellings)}
POLARITY_BY_SPELLING = {
    squash(s): polarity for polarity, spellings in POLARITY_SPELLINGS.items() for s in (polarity, *spellings)
}
RATING_BY_SPELLING = {" ".join(r.casefold().split()): r for r in schemas.RATINGS}


def field_of(header: str) -> str | None:
    return FIELD_BY_ALIAS.get(squash(header))


def normal_unit(text: str) -> str | None:
    """A unit cell as the catalogue spells it, or the free text itself; None when it is not a usable unit."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    known = UNIT_BY_SPELLING.get(spelling_key(cleaned))
    if known is not None:
        return known
    if len(cleaned) > MAX_UNIT_CHARS or not re.search(r"[^\W\d_]|[%£$€]", cleaned):
        return None
    return cleaned


def normal_polarity(text: str) -> str | None:
    return POLARITY_BY_SPELLING.get(squash(text))


def unit_in_header(header: str) -> str | None:
    """The unit a column header names, e.g. 'Gap 2020/21 (£m)' -> '£ million'; None when it names none."""
    text = header.casefold()
    for inside in re.findall(r"\(([^()]*)\)", text):
        known = UNIT_BY_SPELLING.get(spelling_key(inside))
        if known is not None:
            return known
    if re.search(r"per\s*100[,\s]?(000|k)\b", text):
        return "per 100,000 population"
    if "£" in text and re.search(r"per (head|person|capita)", text):
        return "£ per head"
    if re.search(r"£\s*(m|mn|million|millions)\b", text):
        return "£ million"
    if "%" in text or re.search(r"\b(percent|per cent|percentage)\b", text):
        return "%"
    if re.search(r"\b(fte|wte)\b", text):
        return "FTE"
    return None


def soft_unit_in_header(header: str) -> str | None:
    """A free-text unit from words like 'score' or 'days', weaker than a % sign in the values."""
    text = header.casefold()
    for word in FREE_UNIT_WORDS:
        if re.search(rf"\b{word}\b", text):
            return word
    if re.search(r"\b(number of|count|headcount)\b", text):
        return "count"
    return None


def polarity_in_header(header: str) -> str | None:
    text = header.casefold()
    if re.search(r"higher\s+(is\s+)?better", text):
        return "higher_is_better"
    if re.search(r"lower\s+(is\s+)?better", text):
        return "lower_is_better"
    return None


def display_name(header: str) -> str:
    """A measure's name from its header without the unit in brackets: 'Gap 2020/21 (£m)' -> 'Gap 2020/21'."""
    kept = re.sub(r"\s*\(([^()]*)\)", lambda m: "" if unit_in_header(f"({m[1]})") else m[0], header)
    return " ".join(kept.split()) or " ".join(header.split())


def is_catalogue_unit(unit: str) -> bool:
    return unit in UNITS
