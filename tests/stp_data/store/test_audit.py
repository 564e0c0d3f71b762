"""The audit trail: one JSON line per publish, restore and withdraw, and per refused attempt, that a log collector
parses (json.loads), on the `stp_data.store.audit` logger, whoever called the store."""

from __future__ import annotations

import json
import logging

import pytest

from stp_data import store
from stp_data.store import Actor, Role

PUBLISHER = Actor("analyst@trust.nhs.uk", Role.PUBLISHER)
VIEWER = Actor("board.member@trust.nhs.uk", Role.VIEWER)
REPORT = {"kind": "metrics", "rows_read": 1, "rows_accepted": 1}
FIELDS = ["at", "event", "action", "who", "role", "dataset", "version", "version_id", "outcome", "reason"]


@pytest.fixture
def engine():
    engine = store.make_engine("sqlite://")
    store.upgrade(engine)
    yield engine
    engine.dispose()


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    """Every audit record parsed as a collector would: each message must be one JSON object on one line."""
    found = [record.getMessage() for record in caplog.records if record.name == store.AUDIT_LOGGER]
    assert all("\n" not in line for line in found)
    return [json.loads(line) for line in found]


def test_every_write_is_one_parseable_line_with_who_what_version_and_outcome(engine, caplog):
    with caplog.at_level(logging.INFO, logger=store.AUDIT_LOGGER):
        first = store.publish(engine, PUBLISHER, "vacancies.csv", b"v1", REPORT)
        store.publish(engine, PUBLISHER, "vacancies.csv", b"v2", REPORT)
        store.restore(engine, PUBLISHER, first.id)
        store.withdraw(engine, PUBLISHER, "vacancies.csv")
    lines = audit_lines(caplog)
    assert [(x["action"], x["version"], x["outcome"]) for x in lines] == [
        ("publish", 1, "ok"),
        ("publish", 2, "ok"),
        ("restore", 1, "ok"),
        ("withdraw", None, "ok"),
    ]
    for line in lines:
        assert list(line)[:2] == ["at", "event"] and set(FIELDS) <= set(line)
        assert (line["event"], line["who"], line["role"], line["dataset"]) == (
            "audit",
            "analyst@trust.nhs.uk",
            "publisher",
            "vacancies.csv",
        )
        assert line["reason"] is None and line["at"].endswith("+00:00")
    assert lines[0]["sha256"] == first.sha256 and lines[0]["version_id"] == first.id
    assert lines[3]["version_id"] == first.id  # withdrew the dataset while version 1 was current


def test_every_refused_attempt_is_one_line_saying_why_and_nothing_is_written(engine, caplog):
    first = store.publish(engine, PUBLISHER, "vacancies.csv", b"v1", REPORT)
    before = store.revision(engine)
    attempts = [
        lambda: store.publish(engine, VIEWER, "vacancies.csv", b"v2", REPORT),
        lambda: store.restore(engine, VIEWER, first.id),
        lambda: store.withdraw(engine, VIEWER, "vacancies.csv"),
        lambda: store.publish(engine, "analyst@trust.nhs.uk", "vacancies.csv", b"v2", REPORT),  # a claim, no Actor
        lambda: store.publish(engine, PUBLISHER, "  ", b"v2", REPORT),
        lambda: store.publish(engine, PUBLISHER, "x.csv", b"v2", {"kind": "boundaries", "rows_accepted": 1}),
        lambda: store.restore(engine, PUBLISHER, 999),
        lambda: store.withdraw(engine, PUBLISHER, "never-published.csv"),
    ]
    caplog.clear()  # the attempts' lines only, whatever level an earlier test left the logger at
    with caplog.at_level(logging.INFO, logger=store.AUDIT_LOGGER):
        for attempt in attempts:
            with pytest.raises((PermissionError, ValueError, KeyError)):
                attempt()
    lines = audit_lines(caplog)
    assert [x["outcome"] for x in lines] == ["refused"] * len(attempts)
    actions = ["publish", "restore", "withdraw", "publish", "publish", "publish", "restore", "withdraw"]
    assert [x["action"] for x in lines] == actions
    reasons = ["PermissionError"] * 4 + ["ValueError"] * 2 + ["KeyError"] * 2
    assert [x["reason"].split(":")[0] for x in lines] == reasons
    assert lines[0]["who"] == "board.member@trust.nhs.uk" and lines[0]["role"] == "viewer"
    assert lines[3]["who"].startswith("not an actor") and lines[3]["role"] == "none"  # named, never trusted
    assert lines[1]["version_id"] == first.id and lines[6]["version_id"] == 999
    assert all(x["version"] is None for x in lines)
    assert store.revision(engine) == before
