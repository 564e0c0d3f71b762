"""Deep links: the few query parameters that make a view shareable, validated on the way in."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from settings import STP_CODE_PATTERN

STP_CODE = re.compile(STP_CODE_PATTERN)
_SAFE_TO_ECHO = re.compile(r"^[A-Za-z0-9]{1,12}$")
_URL = re.compile(r"^https?://[^\s()<>\[\]]+$")
_NEXT_URL = re.compile(r";\s+(?=https?://)")


@dataclass(frozen=True)
class LinkedFootprint:
    code: str | None
    notice: str | None = None


def parse_footprint_param(raw: object, known_codes: Collection[str]) -> LinkedFootprint:
    """The footprint a link asks for, or a polite notice saying why it can't be shown.

    Only short alphanumeric input is echoed back, so a crafted link cannot put
    markup or a misleading message on the page.
    """
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return LinkedFootprint(None)
    text = str(raw).strip().upper()
    if text in known_codes:
        return LinkedFootprint(text)
    shown = f"“{text}”" if _SAFE_TO_ECHO.match(text) else "in this link"
    if STP_CODE.match(text):
        reason = f"The footprint code {shown} is not one of the 44 STP footprints of July 2017."
    else:
        reason = f"The footprint code {shown} is not a valid ONS STP code (E54 followed by six digits)."
    return LinkedFootprint(None, reason + " Showing the overview instead.")


def source_links(cell: object) -> list[tuple[str, str]]:
    """Split a source cell ('URL (Publisher, date); URL (…)') into (label, url) pairs."""
    if not isinstance(cell, str):
        return []
    links = []
    for part in (p.strip() for p in _NEXT_URL.split(cell) if p.strip()):
        url, _, rest = part.partition(" ")
        if not _URL.match(url):
            continue
        label = rest.strip().lstrip(";,").strip()  # 'URL ; Publisher (…)' names the publisher after a separator
        if label.startswith("(") and label.endswith(")"):
            label = label[1:-1]
        links.append((label or url, url))
    return links


def escape_markdown(text: str) -> str:
    """Show data text literally inside Streamlit markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", text)


def selected_location(event: object) -> str | None:
    """The footprint code of the first point a map click selected, if any."""
    points = (_selection(event).get("points")) or []
    location = points[0].get("location") if points else None
    return location if isinstance(location, str) else None


def selected_row(event: object) -> int | None:
    """The position of the first row a table selection picked, if any."""
    rows = _selection(event).get("rows") or []
    return int(rows[0]) if rows else None


def _selection(event: object) -> dict:
    selection = event.get("selection") if isinstance(event, dict) else getattr(event, "selection", None)
    return selection if isinstance(selection, dict) else {}


VIEW_PARAMS = ("stp", "measure", "period", "at", "recalc", "ae_by", "mode")

# ?recalc= on the footprint page: the months (YYYY-MM, comma-separated) at which an XmR chart's limits restart,
# replacing the default points; "none" for one set of limits; absent for the defaults. A link from before the
# defaults (?recalc=2018-07) still opens: it now means "only July 2018".
RECALC_PARAM = "recalc"
RECALC_NONE = "none"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SAFE_MONTH_TEXT = re.compile(r"^[A-Za-z0-9-]{1,12}$")
MAX_RECALC_ITEMS = 24  # a link with more is cut short: more breaks than this is no longer one process


@dataclass(frozen=True)
class RecalcChoice:
    """The recalculation points a link asks for: `months` None for the defaults, () for none; a notice for what
    was ignored."""

    months: tuple[str, ...] | None
    notice: str | None = None


def parse_recalc_param(raw: object, available: Collection[str] | None = None) -> RecalcChoice:
    """?recalc= read safely: valid months (YYYY-MM) within `available` (the months a chart could restart at), sorted
    and without repeats. Anything else is ignored with a notice, never an error; a link with nothing usable left
    gets the defaults. Only short month-like text is echoed back in the notice."""
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else None
    if raw is None or not str(raw).strip():
        return RecalcChoice(None)
    text = str(raw).strip()
    if text.lower() == RECALC_NONE:
        return RecalcChoice(())
    items = [item.strip() for item in text.split(",") if item.strip()]
    kept: list[str] = []
    ignored: list[str] = []
    for item in items[:MAX_RECALC_ITEMS]:
        if _MONTH.match(item) and (available is None or item in available):
            kept.append(item)
        else:
            ignored.append(item)
    ignored += items[MAX_RECALC_ITEMS:]
    months = tuple(sorted(set(kept)))
    notice = None
    if ignored:
        shown = [f"“{item}”" for item in ignored if _SAFE_MONTH_TEXT.match(item)][:5]
        what = ", ".join(shown) if len(shown) == len(ignored) else f"{len(ignored)} value(s) in this link"
        notice = f"Ignored {what}: not a month (YYYY-MM) this chart's limits could restart at." + (
            "" if months else " Showing the default recalculation points."
        )
    return RecalcChoice(months or None, notice)


def format_recalc_param(months: Collection[str] | None, defaults: Collection[str] = ()) -> str | None:
    """The ?recalc= value for a choice of months: None (no parameter) for the defaults, "none" for no months."""
    if months is None or (set(months) == set(defaults) and len(defaults) > 0):
        return None
    return ",".join(sorted(set(months))) if months else RECALC_NONE


def share_url(base_url: str | None, page_path: str, params: dict[str, object]) -> str:
    """The address that reopens this exact view: page plus the view's own query parameters."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    parts = urlsplit(base_url or "http://localhost:8501/")
    root = parts.path.rsplit("/", 1)[0] if parts.path.rstrip("/").rsplit("/", 1)[-1] == page_path else parts.path
    path = root.rstrip("/") + "/" + page_path.strip("/")
    query = urlencode([(key, str(params[key])) for key in VIEW_PARAMS if params.get(key) not in (None, "")])
    return urlunsplit((parts.scheme, parts.netloc, path if page_path else root.rstrip("/") + "/", query, ""))
