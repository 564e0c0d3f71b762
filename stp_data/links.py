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
        label = rest.strip()
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


VIEW_PARAMS = ("stp", "measure", "period", "at", "recalc", "mode")


def share_url(base_url: str | None, page_path: str, params: dict[str, object]) -> str:
    """The address that reopens this exact view: page plus the view's own query parameters."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    parts = urlsplit(base_url or "http://localhost:8501/")
    root = parts.path.rsplit("/", 1)[0] if parts.path.rstrip("/").rsplit("/", 1)[-1] == page_path else parts.path
    path = root.rstrip("/") + "/" + page_path.strip("/")
    query = urlencode([(key, str(params[key])) for key in VIEW_PARAMS if params.get(key) not in (None, "")])
    return urlunsplit((parts.scheme, parts.netloc, path if page_path else root.rstrip("/") + "/", query, ""))
