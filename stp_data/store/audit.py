"""The audit trail: one JSON line per publish, restore and withdraw, and per refused or failed attempt.

On the logger `stp_data.store.audit` (INFO), so a log collector can parse each line with a JSON parser:

    {"at": "2026-12-04T00:52:10.123456+00:00", "event": "audit", "action": "publish", "who": "a@trust.nhs.uk",
     "role": "publisher", "dataset": "vacancies.csv", "version": 3, "version_id": 17, "sha256": "…",
     "outcome": "ok", "reason": null}

outcome is ok, refused (not a publisher, a bad file name or report, no such dataset or version: nothing written)
or failed (the database did not take the write: nothing written either, the transaction rolled back). Emitted by
the store's write functions themselves, so every caller (pages, scripts, tests) is covered.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from stp_data.store.roles import Actor

AUDIT_LOGGER = "stp_data.store.audit"
log = logging.getLogger(AUDIT_LOGGER)
OK, REFUSED, FAILED = "ok", "refused", "failed"
# What the store raises when it refuses a request before writing anything.
_REFUSALS = (PermissionError, ValueError, KeyError)


def who(actor: object) -> tuple[str, str]:
    """(who, role) for the line; whatever a caller passed instead of an Actor is named, never trusted."""
    if isinstance(actor, Actor):
        return actor.label, actor.role.name.lower()
    return f"not an actor: {actor!r}"[:200], "none"


def audit_line(action: str, actor: object, outcome: str, reason: str | None = None, **what: Any) -> str:
    """One line of JSON: when, what, by whom, on which dataset and version, and how it ended."""
    name, role = who(actor)
    record = {
        "at": datetime.now(UTC).isoformat(),
        "event": "audit",
        "action": action,
        "who": name,
        "role": role,
        "dataset": what.pop("dataset", None),
        "version": what.pop("version", None),
        "version_id": what.pop("version_id", None),
        **what,
        "outcome": outcome,
        "reason": reason,
    }
    return json.dumps(record, ensure_ascii=False, default=str)


@contextlib.contextmanager
def audited(action: str, actor: object, **what: Any) -> Iterator[dict[str, Any]]:
    """Logs one line when the block ends: the caller fills in the yielded dict (version number, checksum…) as it
    learns them; a refusal or failure is logged with its reason and raised on unchanged."""
    try:
        yield what
    except _REFUSALS as error:
        log.warning(audit_line(action, actor, REFUSED, _reason(error), **what))
        raise
    except BaseException as error:  # a database error, or the process being stopped mid-write
        log.error(audit_line(action, actor, FAILED, _reason(error), **what))
        raise
    log.info(audit_line(action, actor, OK, **what))


def _reason(error: BaseException) -> str:
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"[:500]
