"""What one browser session holds: the files and boundaries its user loaded (never shared, never on disk)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

from stp_data.user_data import LoadedFile

USER_FILES = "user_files"
USER_BOUNDARIES = "user_boundaries"


def data_folder() -> Path | None:
    """The analyst's data folder: `--data-dir PATH` after `--` on the command line, or $STP_DATA_DIR."""
    args = sys.argv[1:]
    if "--data-dir" in args and args.index("--data-dir") + 1 < len(args):
        return Path(args[args.index("--data-dir") + 1])
    folder = os.environ.get("STP_DATA_DIR")
    return Path(folder) if folder else None


def uploaded_files() -> list[LoadedFile]:
    return list(st.session_state.get(USER_FILES, []))


def add_user_file(item: LoadedFile) -> None:
    """Kept in this session only: never written to disk, never shared with other sessions."""
    st.session_state[USER_FILES] = [*st.session_state.get(USER_FILES, []), item]


def forget_user_file(file_name: str) -> None:
    """Drop this session's copy of a file once it is published: every session then sees the published one."""
    kept = [item for item in st.session_state.get(USER_FILES, []) if item.file_name != file_name]
    st.session_state[USER_FILES] = kept


def clear_user_files() -> None:
    st.session_state.pop(USER_FILES, None)


def user_boundaries() -> dict | None:
    """{"geojson", "file_name", "loaded_at"} of boundaries the user chose, or None for the bundled ones."""
    return st.session_state.get(USER_BOUNDARIES)


def set_user_boundaries(value: dict | None) -> None:
    if value is None:
        st.session_state.pop(USER_BOUNDARIES, None)
    else:
        st.session_state[USER_BOUNDARIES] = value
