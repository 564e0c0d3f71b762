"""Published data in the app (AppTest): the page, the Publish control by role, and every session seeing a publish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from stp_data import store
from stp_data.store import Actor, Role
from stp_data.upload import parse_metrics_file
from tests.conftest import ROOT

PAGE = str(ROOT / "pages" / "published.py")
PUBLISHER = Actor("analyst@trust.nhs.uk", Role.PUBLISHER)
CODES = ["E54000034", "E54000041", "E54000013"]
V1 = (
    b"STP code,Measure,Period,Value,Unit\n"
    b"E54000034,Vacancy rate,Sep 2026,7.5%,%\n"
    b"E54000041,Vacancy rate,Sep 2026,9.1%,%\n"
)
V2 = V1 + b"E54000013,Vacancy rate,Sep 2026,11.0%,%\n"
AUTH = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-secret-test-value",
        "client_id": "stp-progress",
        "client_secret": "test",
        "server_metadata_url": "http://localhost:9400/.well-known/openid-configuration",
    },
    "stp_progress": {"publishers": ["@trust.nhs.uk"]},
}


@pytest.fixture(autouse=True)
def state_folder(tmp_path, monkeypatch) -> Iterator[None]:
    """Each test its own SQLite database, and no role settings from the machine running the tests."""
    monkeypatch.setenv("STP_STATE_DIR", str(tmp_path / "state"))
    for name in ("STP_DATABASE_URL", "STP_PUBLISHERS", "STP_VIEWERS", "STP_PUBLIC_VIEWING", "STP_PUBLISH"):
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def engine():
    engine = store.engine_from_env()
    store.upgrade(engine)
    yield engine
    engine.dispose()


def metrics_report(data: bytes, name: str = "vacancies.csv") -> dict:
    return store.report_of(parse_metrics_file(data, name, CODES))


def page(user: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if user is not None:
        at.user = user
    if secrets:
        at.secrets = secrets
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_with_no_provider_anyone_sees_every_version_and_downloads_but_cannot_restore_or_withdraw(engine):
    store.publish(engine, PUBLISHER, "vacancies.csv", V1, metrics_report(V1))
    store.publish(engine, PUBLISHER, "vacancies.csv", V2, metrics_report(V2))
    at = page()
    assert [h.value for h in at.subheader] == [r"vacancies\.csv"]  # escaped markdown: shown as typed
    table = at.dataframe[0].value
    assert list(table["Version"]) == [2, 1]
    assert list(table["Published by"]) == [PUBLISHER.email] * 2
    assert list(table["Rows"]) == [3, 2]
    assert table["SHA-256"].str.len().eq(64).all()
    assert len(at.get("download_button")) == 2
    assert button_labels(at) == []  # no Restore, no Withdraw


def test_a_publisher_restores_and_withdraws_and_the_store_records_who(engine):
    first = store.publish(engine, PUBLISHER, "vacancies.csv", V1, metrics_report(V1))
    store.publish(engine, PUBLISHER, "vacancies.csv", V2, metrics_report(V2))
    boss = {"is_logged_in": True, "email": "lead@trust.nhs.uk"}
    at = page(boss, AUTH)
    assert button_labels(at) == ["Restore", r"Withdraw vacancies\.csv"]

    at.button(key=f"restore_version_{first.id}").click().run()
    assert not at.exception
    assert [v.number for v in store.current_versions(engine)] == [1]
    assert any("Restored version 1" in s.value for s in at.success)
    assert store.history(engine)[0].actor == "lead@trust.nhs.uk"

    at.button(key=f"withdraw_{first.dataset_id}").click().run()
    assert store.current_versions(engine) == []
    assert "Withdrawn" in at.caption[0].value


def test_a_signed_in_viewer_sees_the_list_without_write_buttons_and_anonymous_needs_to_sign_in(engine):
    store.publish(engine, PUBLISHER, "vacancies.csv", V1, metrics_report(V1))
    viewer = page({"is_logged_in": True, "email": "board.member@other.nhs.uk"}, AUTH)
    assert [h.value for h in viewer.subheader] == [r"vacancies\.csv"]
    assert button_labels(viewer) == []
    anonymous = page({"is_logged_in": False}, AUTH)  # with a provider, viewing is for signed-in users by default
    assert len(anonymous.subheader) == 0
    assert any("Sign in" in i.value for i in anonymous.info)


def test_publish_open_shows_the_warning_and_the_write_buttons(engine, monkeypatch):
    monkeypatch.setenv("STP_PUBLISH", "open")
    store.publish(engine, PUBLISHER, "vacancies.csv", V1, metrics_report(V1))
    at = page()
    assert any("STP_PUBLISH=open" in w.value for w in at.warning)
    assert button_labels(at) == [r"Withdraw vacancies\.csv"]


def test_an_empty_store_says_nothing_is_published():
    at = page()
    assert any("Nothing has been published yet" in i.value for i in at.info)


# --- The Publish control and the published files, through a small app that calls them as Load data will ---------


def control_app(data: bytes, name: str) -> None:
    """What Load data does after its validation report: offer Publish for this file."""
    import streamlit as st

    from stp_data.upload import parse_metrics_file
    from ui import publish

    upload = parse_metrics_file(data, name, ["E54000034", "E54000041", "E54000013"])
    version = publish.publish_control(name, data, upload)
    st.session_state["published_version"] = version.number if version else None


def control(data: bytes, user: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_function(control_app, args=(data, "vacancies.csv"), default_timeout=60)
    if user is not None:
        at.user = user
    if secrets:
        at.secrets = secrets
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_publish_button_is_for_publishers_only(engine):
    off = control(V1)
    assert button_labels(off) == []
    assert any("Publishing for everyone is off" in c.value for c in off.caption)

    viewer = control(V1, {"is_logged_in": True, "email": "board.member@other.nhs.uk"}, AUTH)
    assert button_labels(viewer) == []
    assert any("only publishers can publish" in i.value for i in viewer.info)

    anonymous = control(V1, {"is_logged_in": False}, AUTH)
    assert button_labels(anonymous) == []
    assert any("Sign in as a publisher" in i.value for i in anonymous.info)
    assert store.current_versions(engine) == []

    publisher = control(V1, {"is_logged_in": True, "email": "analyst@trust.nhs.uk"}, AUTH)
    assert button_labels(publisher) == ["Publish"]
    publisher.button(key="publish_file").click().run()
    assert publisher.session_state["published_version"] == 1
    [version] = store.current_versions(engine)
    assert (version.published_by, version.rows, version.report["rows_accepted"]) == ("analyst@trust.nhs.uk", 2, 2)
    assert version.report["mapping"]  # kept, so the file reads again exactly as confirmed
    publisher.run()
    assert button_labels(publisher) == []  # the same bytes are already the current version
    assert any("already published as version 1" in c.value for c in publisher.caption)


def test_an_anonymous_or_viewer_actor_calling_the_publish_path_directly_is_refused(engine):
    from ui import publish

    upload = parse_metrics_file(V1, "vacancies.csv", CODES)
    for actor in (Actor(None, Role.VIEWER), Actor(None, Role.NONE), Actor("board@other.nhs.uk", Role.VIEWER)):
        with pytest.raises(PermissionError):
            publish.publish_as(actor, "vacancies.csv", V1, upload)
    assert store.current_versions(engine) == []


def files_app(codes: list[str]) -> None:
    import streamlit as st

    from ui import publish

    st.session_state.setdefault("runs", []).append(publish.published_files(codes))


def test_every_session_sees_a_publish_on_its_next_run_and_files_are_parsed_once(engine):
    at = AppTest.from_function(files_app, args=(CODES,), default_timeout=60)
    at.run()
    assert at.session_state["runs"][-1] == []

    other_process = store.engine_from_env()  # a publish through another server process's engine
    store.publish(other_process, PUBLISHER, "vacancies.csv", V1, metrics_report(V1))
    at.run()
    [loaded] = at.session_state["runs"][-1]
    assert loaded.file_name == "vacancies.csv"
    assert "published by analyst@trust.nhs.uk (version 1)" in loaded.loaded_at
    assert list(loaded.upload.accepted["code"]) == ["E54000034", "E54000041"]

    at.run()  # nothing changed: the very same objects, so page_data keeps its merged tables
    assert at.session_state["runs"][-1][0] is loaded

    store.publish(other_process, PUBLISHER, "vacancies.csv", V2, metrics_report(V2))
    at.run()
    assert len(at.session_state["runs"][-1][0].upload.accepted) == 3
    store.withdraw(other_process, PUBLISHER, "vacancies.csv")
    at.run()
    assert at.session_state["runs"][-1] == []
    other_process.dispose()


def test_published_files_are_hidden_from_anyone_who_may_not_view(engine):
    store.publish(engine, PUBLISHER, "vacancies.csv", V1, metrics_report(V1))
    at = AppTest.from_function(files_app, args=(CODES,), default_timeout=60)
    at.user = {"is_logged_in": False}
    at.secrets = AUTH
    at.run()
    assert at.session_state["runs"][-1] == []


def test_a_published_nhs_england_provider_file_is_read_back_by_the_provider_reader(engine):
    from stp_data.loading import load_bundle
    from stp_data.upload.provider import ProviderUpload, parse_provider_files
    from stp_data.user_data import user_months, with_user_metrics

    name = "CONSTRUCTED-TEST-DATA-March-2026-from-April-2021.csv"
    data = (ROOT / "tests" / "fixtures" / "provider" / name).read_bytes()
    bundle = load_bundle()
    upload = parse_provider_files([(name, data)], bundle.codes)
    report = store.report_of(upload)
    assert report["reader"] == "provider"
    store.publish(engine, PUBLISHER, name, data, report)

    at = AppTest.from_function(files_app, args=(bundle.codes,), default_timeout=60)
    at.run()
    [loaded] = at.session_state["runs"][-1]
    assert isinstance(loaded.upload, ProviderUpload) and loaded.upload.joins_bundled
    assert loaded.origin == "published"
    merged = with_user_metrics(bundle, [loaded])
    march = merged.metrics.loc[merged.metrics["period"] == "2026-03"]
    assert set(march["measure"]) >= {"ae_type1_4hr_pct", "ae_type1_attendances"} and march["code"].nunique() == 44
    [month] = user_months(bundle, [loaded])
    assert month.caption.startswith(f"March 2026: from the published file {name} (")
    assert "published by analyst@trust.nhs.uk (version 1)" in month.caption


# --- The database down: the files last read stay, one banner says since when, Publish fails plainly -------------


def banner_app(codes: list[str]) -> None:
    import streamlit as st

    from ui import publish

    st.session_state.setdefault("runs", []).append(publish.published_files(codes))
    publish.outage_banner()


def refused(*_args, **_kwargs):
    raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def test_with_the_database_down_pages_keep_the_files_last_read_under_one_banner_and_recover(engine, monkeypatch):
    from ui import publish

    monkeypatch.setattr(publish, "RETRY_S", 0.0)  # ask again on every run (in service: at most every 5 s)
    store.publish(engine, PUBLISHER, "vacancies.csv", V1, metrics_report(V1))
    at = AppTest.from_function(banner_app, args=(CODES,), default_timeout=60)
    at.run()
    [loaded] = at.session_state["runs"][-1]
    assert len(at.warning) == 0

    with monkeypatch.context() as down:
        down.setattr(store, "revision", refused)
        at.run()
        assert at.session_state["runs"][-1] == [loaded]  # the very object: page_data keeps its merged tables
        [banner] = at.warning
        assert banner.value.startswith("Published data unavailable since ")
        assert "showing what was last loaded" in banner.value
        at.run()
        assert len(at.warning) == 1 and at.session_state["runs"][-1] == [loaded]

        newcomer = AppTest.from_function(banner_app, args=(CODES,), default_timeout=60)
        newcomer.run()  # a session opened during the outage gets the process's last-known files too
        assert newcomer.session_state["runs"][-1] == [loaded] and len(newcomer.warning) == 1

    at.run()  # the database answers again: no banner, no restart
    assert len(at.warning) == 0 and at.session_state["runs"][-1] == [loaded]


def test_while_the_database_is_down_it_is_asked_at_most_every_retry_interval(engine, monkeypatch):
    from ui import publish

    calls = []

    def counted(*args):
        calls.append(1)
        refused()

    monkeypatch.setattr(publish, "RETRY_S", 3600.0)
    monkeypatch.setattr(store, "revision", counted)
    at = AppTest.from_function(banner_app, args=(CODES,), default_timeout=60)
    for _ in range(3):
        at.run()
    assert len(calls) == 1 and len(at.warning) == 1


def test_the_last_known_files_are_still_only_for_those_who_may_view(engine, monkeypatch):
    from ui import publish

    monkeypatch.setattr(publish, "RETRY_S", 0.0)
    store.publish(engine, PUBLISHER, "vacancies.csv", V1, metrics_report(V1))
    publisher = AppTest.from_function(banner_app, args=(CODES,), default_timeout=60)
    publisher.user, publisher.secrets = {"is_logged_in": True, "email": "analyst@trust.nhs.uk"}, AUTH
    publisher.run()
    assert len(publisher.session_state["runs"][-1]) == 1
    monkeypatch.setattr(store, "revision", refused)
    anonymous = AppTest.from_function(banner_app, args=(CODES,), default_timeout=60)
    anonymous.user, anonymous.secrets = {"is_logged_in": False}, AUTH
    anonymous.run()
    assert anonymous.session_state["runs"][-1] == [] and len(anonymous.warning) == 0


def test_the_banner_says_the_time_on_the_uk_clock():
    from ui import publish

    summer = datetime(2026, 7, 1, 13, 2, tzinfo=UTC)  # 14:02 British Summer Time
    assert "since 14:02;" in publish.outage_text(summer, now=summer)
    winter = datetime(2026, 12, 4, 14, 2, tzinfo=UTC)
    assert "since 14:02;" in publish.outage_text(winter, now=winter)
    assert "since 03 Dec 2026 14:02;" in publish.outage_text(winter - timedelta(days=1), now=winter)


def test_with_the_database_down_the_publish_button_stays_and_fails_plainly_writing_nothing(engine, monkeypatch):
    from ui import publish

    with monkeypatch.context() as down:
        down.setattr(store, "current_versions", refused)
        down.setattr(store, "publish", refused)
        publisher = control(V1, {"is_logged_in": True, "email": "analyst@trust.nhs.uk"}, AUTH)
        assert button_labels(publisher) == ["Publish"]
        publisher.button(key="publish_file").click().run()
        assert not publisher.exception
        assert [e.value for e in publisher.error] == [publish.DATABASE_DOWN]
        assert publisher.session_state["published_version"] is None
    assert store.list_versions(engine) == [] and store.history(engine) == []
