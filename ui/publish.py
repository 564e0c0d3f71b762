"""Published data in the app: every session reads the current versions; publishers publish from Load data.

The database is asked one cheap question per page run (`store.revision`); only when the answer changes are the
current versions listed again, and a version's file is read and parsed once per server process (cached by its
checksum, shared read-only by every session). So a publish made in another session, or by another server
process behind the load balancer, appears on everyone's next page run without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

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
def _files_at(url: str, revision: tuple[int, int], codes: tuple[str, ...]) -> tuple[LoadedFile, ...]:
    """The current versions at one revision, as LoadedFile objects that stay the same objects until it changes
    (page_data keeps its merged tables while the files are the same objects)."""
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
        except Exception as error:  # one unreadable published file must not take every page down
            log.warning("published %s version %d no longer reads: %s", version.name, version.number, error)
            continue
        files.append(LoadedFile(version.file_name, published_label(version), upload, origin="published"))
    return tuple(files)


def published_files(known_codes: Collection[str]) -> list[LoadedFile]:
    """The current published datasets, oldest first, for whoever may view them; [] if the database is down."""
    if not auth.current_actor().can_view:
        return []
    try:
        revision = store.revision(engine())
        return list(_files_at(store.database_url(), revision, tuple(sorted(known_codes))))
    except sa.exc.SQLAlchemyError:
        log.exception("published data unavailable: showing the bundled data and this session's files only")
        return []


def publish_as(actor: Actor, file_name: str, data: bytes, upload: Any, sheet: str | None = None) -> store.Version:
    """The publishing path: the store checks the actor's role (PermissionError for a viewer or anonymous)."""
    return store.publish(engine(), actor, file_name, data, store.report_of(upload, sheet))


def _already_current(file_name: str, sha256: str) -> store.Version | None:
    return next((v for v in store.current_versions(engine()) if v.name == file_name and v.sha256 == sha256), None)


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
    st.success(
        escape_markdown(f"Published {file_name} as version {version.number}: every viewer sees it on their next page.")
    )
    return version
