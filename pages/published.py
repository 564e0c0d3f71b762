"""Published data: every dataset publishers have published, each version with who and when, as published.

Anyone who may view published data sees the list and downloads each file exactly as it was published;
publishers also restore an earlier version (one click) and withdraw a dataset. The store checks the role again
on every write (stp_data.store), so the buttons are a convenience, not the protection.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

import pandas as pd
import sqlalchemy as sa
import streamlit as st

import settings as s
from stp_data import store
from stp_data.links import escape_markdown
from ui import auth, publish, state

state.ensure_app_frame()

FLASH = "_published_flash"
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
}


def when(version: store.Version) -> str:
    return version.published_at.astimezone().strftime(s.LOADED_AT_FORMAT)


def versions_table(group: list[store.Version]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Version": [v.number for v in group],
            "Shown": ["yes" if v.is_current and v.dataset_status == "current" else "" for v in group],
            "Kind": [v.kind for v in group],
            "Published by": [v.published_by for v in group],
            "Published": [when(v) for v in group],
            "Rows": [v.rows for v in group],
            "Bytes": [v.size for v in group],
            "SHA-256": [v.sha256 for v in group],
        }
    )


def act(action: Callable[[], object], done: str) -> None:
    """Run a store write as the current actor; the page reruns so everything shows the new state."""
    try:
        action()
    except (PermissionError, KeyError) as error:
        st.error(str(error), icon=":material/block:")
        return
    except sa.exc.SQLAlchemyError:  # one transaction in the store: rolled back, nothing half-written
        st.error("The database did not answer; nothing was changed. Try again in a minute.", icon=":material/error:")
        return
    st.session_state[FLASH] = done
    st.rerun()


def version_row(engine: sa.Engine, version: store.Version, can_publish: bool) -> None:
    label, download, restore = st.columns([3, 2, 1.2], vertical_alignment="center")
    shown = version.is_current and version.dataset_status == "current"
    label.markdown(
        escape_markdown(f"Version {version.number}: {version.file_name}, {version.rows:,} rows, ")
        + f"{escape_markdown(version.published_by)}, {when(version)}"
        + (" · **shown**" if shown else "")
    )
    download.download_button(
        "Download as published",
        help="Exactly the file that was published, byte for byte: open it as you would any file from outside.",
        data=lambda: store.content(engine, version.id),
        file_name=version.file_name,
        mime=MIME.get(version.file_name.rpartition(".")[2].lower(), "application/octet-stream"),
        on_click="ignore",
        key=f"download_version_{version.id}",
    )
    if can_publish and not shown and restore.button("Restore", key=f"restore_version_{version.id}"):
        act(
            lambda: store.restore(engine, auth.current_actor(), version.id),
            f"Restored version {version.number} of {version.name}: everyone sees it on their next page.",
        )


def dataset_section(engine: sa.Engine, name: str, group: list[store.Version], can_publish: bool) -> None:
    withdrawn = group[0].dataset_status == "withdrawn"
    st.subheader(escape_markdown(name), anchor=False)
    shown = next((v for v in group if v.is_current), group[0])
    st.caption(
        f"Withdrawn: nobody sees it (restore a version to show it again). {len(group)} version(s)."
        if withdrawn
        else escape_markdown(
            f"Everyone sees version {shown.number}, published by {shown.published_by} on {when(shown)}."
        )
    )
    st.dataframe(versions_table(group), hide_index=True, width="stretch", key=f"versions_{group[0].dataset_id}")
    for version in group:
        version_row(engine, version, can_publish)
    if (
        can_publish
        and not withdrawn
        and st.button(escape_markdown(f"Withdraw {name}"), key=f"withdraw_{group[0].dataset_id}")
    ):
        act(
            lambda: store.withdraw(engine, auth.current_actor(), name),
            f"Withdrew {name}: nobody sees it from their next page on. Its versions are kept.",
        )


def history_section(engine: sa.Engine) -> None:
    events = store.history(engine)
    if not events:
        return
    with st.expander("Who did what (latest 50)"):
        st.dataframe(
            pd.DataFrame(
                {
                    "When": [e.at.astimezone().strftime(s.LOADED_AT_FORMAT) for e in events],
                    "Who": [e.actor for e in events],
                    "What": [e.action for e in events],
                    "Dataset": [e.name for e in events],
                    "Version": [e.version_number for e in events],
                }
            ),
            hide_index=True,
            width="stretch",
        )


st.title("Published data")
st.markdown(
    "Files that publishers have published for everyone, by file name, with every version: who published it, "
    "when, its rows and its SHA-256 checksum. Download any version exactly as it was published."
)
actor = auth.current_actor()
if flash := st.session_state.pop(FLASH, None):
    st.success(escape_markdown(flash), icon=":material/check_circle:")
if auth.roles_config().open_publish:
    st.warning(auth.OPEN_PUBLISH_WARNING, icon=":material/warning:")
if not actor.can_view:
    st.info("Sign in to see published data.", icon=":material/lock:")
    st.stop()
try:
    engine = publish.engine()
    versions = store.list_versions(engine)
except sa.exc.SQLAlchemyError:
    st.error(
        "The published data can't be read just now: the database did not answer. The other pages keep showing "
        "what was last loaded; try again in a minute.",
        icon=":material/error:",
    )
    st.stop()
if not versions:
    st.info("Nothing has been published yet. Publishers publish a file from Load data, after its validation report.")
for dataset_name, grouped in groupby(versions, key=lambda v: v.name):
    dataset_section(engine, dataset_name, list(grouped), actor.can_publish)
history_section(engine)
