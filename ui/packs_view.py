"""Board packs on the page: PowerPoint and PDF for a footprint, an NHS England region, all of England, or a
comparison of 2 to 6 footprints (scope "compare", key "E54000033,E54000034,…").

Built on request with a progress bar (the England pack draws maps and charts: a few seconds), from the same
figures the screen shows, for the data this session is looking at, and kept per data version: for the bundled
data once per server (every viewer shares it), otherwise in this session until its files change.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from exports import packs
from exports.pack_files import build_files
from ui import page_data

MIME = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}
LABEL = {"pptx": "PowerPoint", "pdf": "PDF"}
_SESSION_PACKS = "_board_packs"


def pack_inputs(data: page_data.PageData) -> packs.PackInputs:
    """What the screen shows, handed to the pack builders as is (same figures, same labels)."""
    overview_map, overview_bell = data.overview_figures()
    return packs.PackInputs(
        bundle=data.bundle,
        profiles=data.profiles,
        bars=data.bars,
        curve=data.curve,
        bell_note=data.bell_note,
        geojson=data.geojson,
        data_label=packs.data_label(data.files),
        boundaries_label=data.boundaries_label,
        user_ratings=data.user_ratings,
        areas=data.areas,
        map_figure=overview_map,
        bell_figure=overview_bell,
        figures_for=data.footprint_figures,
    )


@st.cache_resource(show_spinner=False)
def _shared_packs() -> dict[tuple[str, str], tuple[str, dict[str, bytes]]]:
    """Packs of the bundled data, filled as they are first asked for: the same for every viewer and server-wide.

    A store rather than a cached builder, so that the first build can show its progress bar.
    """
    return {}


def _store(data: page_data.PageData) -> dict:
    """Where this view's packs are kept: server-wide for the bundled data, else this session, per data version."""
    if data.bundled_only:
        return _shared_packs()
    version = (tuple(id(item) for item in data.files), data.boundaries_label)
    kept = st.session_state.get(_SESSION_PACKS)
    if kept is None or kept[0] != version:
        kept = (version, {})
        st.session_state[_SESSION_PACKS] = kept
    return kept[1]


def _build(
    data: page_data.PageData, scope: str, key: str, progress: Callable[[float, str], None] | None
) -> tuple[str, dict[str, bytes]]:
    inputs = pack_inputs(data)
    if scope == "footprint":
        pack = packs.footprint_pack(inputs, key)
    elif scope == "compare":  # key: the footprints' codes joined by commas, in the compare page's order
        pack = packs.compare_pack(inputs, [code for code in key.split(",") if code])
    elif scope == "region":
        pack = packs.region_pack(inputs, key)
    else:
        pack = packs.england_pack(inputs)
    return pack.file_stem, build_files(pack, formats=("pptx", "pdf"), progress=progress)


def pack_controls(data: page_data.PageData, scope: str, key: str, *, title: str) -> None:
    """A "Prepare" button, a progress bar while it builds, then PowerPoint and PDF downloads."""
    store = _store(data)
    built = store.get((scope, key))
    if built is None and st.button(
        f"Prepare {title} (PowerPoint and PDF)", key=f"pack_{scope}_{key}", icon=":material/slideshow:"
    ):
        bar = st.progress(0.0, text="Preparing the board pack…")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        built = store[(scope, key)] = _build(data, scope, key, progress)
        bar.empty()
    if built is None:
        return
    stem, files = built
    for column, (fmt, content) in zip(st.columns(len(files)), files.items(), strict=True):
        column.download_button(
            f"{title} ({LABEL[fmt]})",
            data=content,
            file_name=f"{stem}.{fmt}",
            mime=MIME[fmt],
            on_click="ignore",
            icon=":material/download:",
            key=f"pack_{scope}_{key}_{fmt}",
        )


def region_pack_picker(data: page_data.PageData) -> None:
    """Pick an NHS England region, then prepare its pack."""
    region = st.selectbox(
        "Board pack for a region",
        data.regions(),
        index=None,
        key="pack_region",
        placeholder="Choose an NHS England region",
    )
    if region is not None:
        pack_controls(data, "region", region, title=f"{region} board pack")
