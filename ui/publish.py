"""Published data in the app: every session reads the current versions; publishers publish from Load data.

The database is asked one cheap question per page run (`store.revision`); only when the answer changes are the
current versions listed again, and a version's file is read and parsed once per server process (cached by its
checksum, shared read-only by every session). So a publish made in another session, or by another server
process behind the load balancer, appears on everyone's next page run without a restart.

When the database does not answer (a restart for patching, a lost connection), every page keeps the published files
this server process last read, and `outage_banner` says since when; the database is asked again at most every
`RETRY_S` seconds, so pages stay fast and the process recovers by itself when it returns (the engine pre-pings
pooled connections, so no restart is needed). A publish while it is down fails with a plain message and writes
nothing (the store writes in one transaction).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import streamlit as st

import settings as s
from stp_data import store
from stp_data.links import escape_markdown
from stp_data.store.roles import Actor
from stp_data.upload import Mapping, parse_metrics_file, parse_ratings_file
from stp_data.upload.provider import parse_provider_files
from stp_data.user_data import LoadedFile
from ui import auth, cache

log = logging.getLogger(__name__)
PUBLISH_KEY = "publish_file"
RETRY_S = 5.0  # while the database is down, ask again at most this often (a hung connect must not stall every page)
UK = ZoneInfo("Europe/London")  # the banner's time is the viewers' clock, whatever the server's time zone
DATABASE_DOWN = "The database did not answer; nothing was published. Try again in a minute."


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> sa.Engine:
    """One engine (and connection pool) per database per server process, migrated to the newest schema."""
    engine = store.make_engine(url)
    store.upgrade(engine)
    return engine


def engine() -> sa.Engine:
    return _engine(store.database_url())


def published_label(version: store.Version) -> str:
    """Stands where a session upload says when it was loaded: 'loaded 26 Nov 2026 14:05, published by …'."""
    when = version.published_at.astimezone().strftime(s.LOADED_AT_FORMAT)
    return f"{when}, published by {version.published_by} (version {version.number})"


@st.cache_resource(show_spinner=False, max_entries=64)
def _parsed(
    sha256: str,
    kind: str,
    file_name: str,
    sheet: str | None,
    mapping: str | None,
    codes: tuple[str, ...],
    _id: int,
    reader: str = "table",
) -> Any:
    """A published file read as the publisher confirmed it; keyed by checksum, so each file is parsed once."""
    data = store.content(engine(), _id)
    if kind == "ratings":
        return parse_ratings_file(data, file_name, codes, sheet=sheet)
    if reader == "provider":  # NHS England's monthly A&E file (or a zip of months): summed by the trust lookup
        return parse_provider_files([(file_name, data)], codes)
    saved = Mapping.from_json(mapping) if mapping else None
    return parse_metrics_file(data, file_name, codes, mapping=saved, sheet=sheet)


@st.cache_resource(show_spinner=False, max_entries=8)
def _files_at(url: str, revision: tuple[int, int], code_lines: str) -> tuple[LoadedFile, ...]:
    """The current versions at one revision, as LoadedFile objects that stay the same objects until it changes
    (page_data keeps its merged tables while the files are the same objects). `code_lines`: the known codes, one
    per line (one string: Streamlit hashed a 44-tuple for the cache key item by item, ~1 ms of every page run)."""
    codes = tuple(code_lines.split("\n"))
    files = []
    for version in store.current_versions(engine()):
        report = version.report
        try:
            upload = _parsed(
                version.sha256,
                version.kind,
                version.file_name,
                report.get("sheet"),
                report.get("mapping"),
                codes,
                version.id,
                report.get("reader", "table"),
            )
        except sa.exc.SQLAlchemyError:
            raise  # the database, not the file: never cache this revision without the file
        except Exception as error:  # one unreadable published file must not take every page down
            log.warning("published %s version %d no longer reads: %s", version.name, version.number, error)
            continue
        files.append(LoadedFile(version.file_name, published_label(version), upload, origin="published"))
    return tuple(files)


@dataclass
class _LastKnown:
    """Per server process: the published files last read (by the codes they were read against) and since when the
    database has not answered. The same for every viewer allowed to see published data, so one copy per process;
    `published_files` still checks the viewer's role before handing it out."""

    files: dict[tuple[str, ...], tuple[LoadedFile, ...]] = field(default_factory=dict)
    down_since: datetime | None = None
    next_try: float = 0.0  # time.monotonic() before which a down database is not asked again
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, codes: tuple[str, ...], files: tuple[LoadedFile, ...]) -> None:
        with self.lock:
            if self.down_since is not None:
                log.warning("published data available again (database down since %s)", self.down_since.isoformat())
            self.files[codes] = files
            self.down_since = None

    def failed(self) -> None:
        with self.lock:
            if self.down_since is None:
                self.down_since = datetime.now(UTC)
            self.next_try = time.monotonic() + RETRY_S

    def waiting(self) -> bool:
        """Down, and asked less than RETRY_S ago: answer from memory without trying."""
        with self.lock:
            return self.down_since is not None and time.monotonic() < self.next_try


@st.cache_resource(show_spinner=False)
def _last_known(url: str) -> _LastKnown:
    return _LastKnown()


def _state() -> _LastKnown:
    return _last_known(store.database_url())


def published_files(known_codes: Collection[str]) -> list[LoadedFile]:
    """The current published datasets, oldest first, for whoever may view them.

    If the database does not answer: the files this process last read (empty if it never read any), and
    `outage()` says since when.
    """
    if not auth.current_actor().can_view:
        return []
    codes = tuple(sorted(known_codes))
    last = _state()
    if last.waiting():
        return list(last.files.get(codes, ()))
    try:
        revision = store.revision(engine())
        files = _files_at(store.database_url(), revision, "\n".join(codes))
    except sa.exc.SQLAlchemyError as error:
        if last.down_since is None:  # the whole trace once, when it goes; one line per retry after that
            log.exception("published data unavailable: showing the bundled data and the files last read")
        else:
            log.warning("published data still unavailable: %s", str(error).splitlines()[0][:200])
        last.failed()
        return list(last.files.get(codes, ()))
    last.answered(codes, files)
    return list(files)


def outage() -> datetime | None:
    """When (UTC) this server process found the database not answering; None while it answers."""
    return _state().down_since


def outage_text(since: datetime, now: datetime | None = None) -> str:
    """'Published data unavailable since 14:02; …' in UK time (the date too when it is not today)."""
    local = since.astimezone(UK)
    today = (now or datetime.now(UTC)).astimezone(UK).date()
    when = local.strftime("%H:%M") if local.date() == today else local.strftime(s.LOADED_AT_FORMAT)
    return (
        f"Published data unavailable since {when}; showing what was last loaded. The database did not answer: "
        "publishing, restoring and withdrawing wait until it does."
    )


def outage_banner() -> None:
    """One warning above the page while the database does not answer (called by the frame, after the page data
    was decided this run). Only for viewers who may see published data: for others nothing is missing."""
    since = outage()
    if since is not None and auth.current_actor().can_view:
        st.warning(outage_text(since), icon=":material/cloud_off:")


def publish_as(actor: Actor, file_name: str, data: bytes, upload: Any, sheet: str | None = None) -> store.Version:
    """The publishing path: the store checks the actor's role (PermissionError for a viewer or anonymous)."""
    return store.publish(engine(), actor, file_name, data, store.report_of(upload, sheet))


def _already_current(file_name: str, sha256: str) -> store.Version | None:
    """The current version with these exact bytes, if any; None when the database does not answer (the Publish
    button stays, and says so if pressed, rather than vanishing)."""
    try:
        current = store.current_versions(engine())
    except sa.exc.SQLAlchemyError:
        _state().failed()
        return None
    return next((v for v in current if v.name == file_name and v.sha256 == sha256), None)


def _rows_outside_footprints(upload: Any) -> int:
    """Rows for codes of this session's own boundaries: a viewer re-reads the file against the 44 footprints."""
    accepted = getattr(upload, "accepted", None)
    if accepted is None or "code" not in accepted:
        return 0
    return int((~accepted["code"].isin(cache.profiles()["code"])).sum())


def storage_sentence() -> str:
    """What happens to a loaded file on this server, for Load data's introduction (true whether publishing is on)."""
    config = auth.roles_config()
    if not config.publishing_enabled:
        return "Files stay in this browser session only: nothing is saved or shared."
    who = "anyone who can open this dashboard" if config.open_publish else "a signed-in publisher"
    return (
        "Files stay in this browser session unless "
        + who
        + " presses **Publish**: then the file and its report are saved on this server and every viewer sees it."
    )


def publish_control(file_name: str, data: bytes, upload: Any, sheet: str | None = None) -> store.Version | None:
    """Under the validation report: **Publish** for publishers, and why not for everyone else.

    `upload` is the confirmed reading of `data` (its mapping is kept); `sheet` the workbook sheet it was read from.
    Returns the new version when this run published one (the caller then decides the page's data again).
    """
    import hashlib

    config = auth.roles_config()
    if config.open_publish:
        st.warning(auth.OPEN_PUBLISH_WARNING, icon=":material/warning:")
    if not config.publishing_enabled:
        st.caption("Publishing for everyone is off on this server: no sign-in is configured (deploy/README-auth.md).")
        return None
    actor = auth.current_actor()
    if not actor.can_publish:
        st.info(
            escape_markdown(f"Signed in as {actor.label}: only publishers can publish files for everyone.")
            if actor.email
            else "Sign in as a publisher to publish this file for everyone.",
            icon=":material/lock:",
        )
        return None
    if len(upload.accepted) == 0:
        return None
    outside = _rows_outside_footprints(upload)
    if outside:
        st.caption(
            f"{outside:,} accepted rows are for areas outside the 44 footprints (your own boundaries): viewers "
            "without those boundaries will not see them."
        )
    same = _already_current(file_name, hashlib.sha256(data).hexdigest())
    if same is not None:
        st.caption(escape_markdown(f"This exact file is already published as version {same.number} of {file_name}."))
        return None
    st.caption(
        "Publish stores this file with its report for every viewer, who see it on their next page. Publishing the "
        "same file name again adds a version; earlier versions stay on Published data and can be restored."
    )
    if not st.button("Publish", key=PUBLISH_KEY, icon=":material/publish:"):
        return None
    try:
        version = publish_as(
            auth.current_actor(), file_name, data, upload, sheet
        )  # the role is checked again, by the store
    except PermissionError as error:
        st.error(str(error), icon=":material/block:")
        return None
    except store.StoreNotWritable as error:  # read-only or full state folder: its message names the folder
        st.error(escape_markdown(str(error)), icon=":material/block:")
        return None
    except sa.exc.SQLAlchemyError:
        # The store's one transaction rolled back (or never began): nothing of this version was written.
        log.exception("publish of %s failed: the database did not answer", file_name)
        _state().failed()
        st.error(DATABASE_DOWN, icon=":material/cloud_off:")
        return None
    st.success(
        escape_markdown(f"Published {file_name} as version {version.number}: every viewer sees it on their next page.")
    )
    return version
