"""The validation report kept with each published version: what the Load data page showed, as JSON."""

from __future__ import annotations

import json
from typing import Any

REJECTED_KEPT = 200  # rejected rows kept with a version (the file itself holds all of them)


def report_of(upload: Any, sheet: str | None = None) -> dict[str, Any]:
    """A MetricsUpload or RatingsUpload -> a JSON-ready report, with the sheet and column mapping used to read it."""
    mapping = getattr(upload, "mapping", None)
    rejected = upload.rejected.head(REJECTED_KEPT)
    return {
        "kind": "metrics" if hasattr(upload, "measures") else "ratings",
        "rows_read": int(upload.rows_read),
        "rows_accepted": len(upload.accepted),
        "rows_rejected": len(upload.rejected),
        "notes": [str(note) for note in upload.notes],
        "measures": sorted(upload.measures["measure"].astype(str)) if hasattr(upload, "measures") else [],
        "rejected": json.loads(rejected.astype(str).to_json(orient="records")),
        # Reading the stored bytes again with this sheet and mapping gives the figures the publisher confirmed.
        "sheet": sheet if sheet is not None else getattr(mapping, "sheet", None),
        "mapping": mapping.to_json() if mapping is not None else None,
        # How to read the stored bytes again: NHS England's provider files are summed to footprints by the trust
        # lookup (stp_data.upload.provider), every other file by the table reader with the mapping above.
        "reader": "provider" if getattr(upload, "joins_bundled", False) else "table",
    }


def validate_report(report: dict[str, Any]) -> dict[str, Any]:
    """What publish needs from a report; raises ValueError with the missing key."""
    if report.get("kind") not in ("metrics", "ratings"):
        raise ValueError("report['kind'] must be 'metrics' or 'ratings'")
    if not isinstance(report.get("rows_accepted"), int) or report["rows_accepted"] < 0:
        raise ValueError("report['rows_accepted'] must be a count of rows")
    json.dumps(report)  # must be storable as JSON
    return report
