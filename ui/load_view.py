"""The Load data page's metrics flow: file -> sheet -> report with the prefilled mapping -> check and change -> use.

The validation report is drawn first (in a container filled last) with the mapping as the widgets below it
currently say, so it is right before any click and follows every change. Reading and applying are cached in the
session by (file, sheet, mapping JSON): a rerun with the same choices never parses the file again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

import settings as s
from exports.csv import safe_csv_bytes
from stp_data.errors import DataValidationError
from stp_data.links import escape_markdown
from stp_data.metrics import UNITS
from stp_data.upload import (
    ROLE_LABELS,
    ROLES,
    Mapping,
    MeasureSpec,
    MetricsUpload,
    RawTable,
    apply_mapping,
    infer_mapping,
    list_sheets,
    read_raw_table,
    reuse_mapping,
    vocab,
)
from stp_data.upload import periods as period_words
from stp_data.upload.provider import (
    AE,
    ZIP_SUFFIXES,
    ProviderColumns,
    ProviderUpload,
    compare_with_bundled,
    parse_provider_files,
    recognise,
)
from stp_data.user_data import LoadedFile
from ui import cache as shared
from ui import page_data, publish, session

CACHE = "_load_view_cache"  # {"file": file_id, "raw": {sheet: RawTable}, "base": {...}, "applied": {...}}
FILE_TOKEN = "_load_view_file"
BASE_TOKEN = "_load_view_base"
SHEET_KEY = "map_sheet"
MAPPING_FILE_KEY = "mapping_file"
FIELD_PREFIXES = ("map_role::", "map_name::", "map_unit::", "map_period::", "map_polarity::")
POLARITY_LABELS = {"higher_is_better": "higher is better", "lower_is_better": "lower is better", "neutral": "neither"}
METRIC_ROLES = tuple(r for r in ROLES if r != "rating")
APPLIED_KEPT = 16  # mappings tried on one file, kept so that going back to an earlier choice is instant


def too_big_message(name: str, size: int) -> str:
    return (
        f"{name} is {size / 1e6:,.1f} MB: the limit is {s.MAX_UPLOAD_MB} MB per file, so it was not read. "
        "Split it (for example one file per year or per measure) or remove columns you do not need, then upload "
        "the parts one by one."
    )


def show_refusal(error: DataValidationError) -> None:
    st.error(escape_markdown(f"This file can't be used: {error}"), icon=":material/error:")
    for problem in error.problems[1:20]:
        st.caption(escape_markdown(problem.describe()))


def _cache(file_id: str) -> dict:
    """This session's cache for the file on the page; a new file empties it (and resets the mapping widgets)."""
    cache = st.session_state.get(CACHE)
    if cache is None or cache["file"] != file_id:
        cache = {"file": file_id, "raw": {}, "sheets": None, "base": {}, "applied": {}}
        st.session_state[CACHE] = cache
        for key in [k for k in st.session_state if str(k).startswith(FIELD_PREFIXES) or k == SHEET_KEY]:
            del st.session_state[key]
        st.session_state.pop(BASE_TOKEN, None)
    return cache


def _raw(cache: dict, data: bytes, name: str, sheet: str | None) -> RawTable:
    if sheet not in cache["raw"]:
        cache["raw"][sheet] = read_raw_table(data, name, sheet=sheet)
    return cache["raw"][sheet]


def metrics_upload_section(uploaded, known_codes: Collection[str]) -> None:
    """Everything below the uploader for a metrics file."""
    name = uploaded.name  # as the user knows it (the reader names only its last part in messages)
    if uploaded.size > s.MAX_UPLOAD_BYTES:
        st.error(escape_markdown(too_big_message(name, uploaded.size)), icon=":material/error:")
        return
    cache = _cache(uploaded.file_id)
    data = uploaded.getvalue()
    try:
        if cache["sheets"] is None:
            cache["sheets"] = list_sheets(data, name)
        sheets = cache["sheets"]
        sheet = choose_sheet(cache, data, name, sheets)
        raw = _raw(cache, data, name, sheet)
    except DataValidationError as error:
        show_refusal(error)
        return

    report_area = st.container()
    st.header("Check how your file was read")
    st.caption(
        "What each column is, and each measure's name, unit, period and polarity, as read from the file's headers "
        "and title. Change anything that is wrong: the report above follows at once."
    )
    saved, saved_id = saved_mapping()
    try:
        base = base_mapping(cache, raw, saved, saved_id)
    except DataValidationError as error:
        with report_area:
            show_refusal(error)
        return
    edited = mapping_editor(raw, base)
    st.download_button(
        "Save these choices for next month (mapping file)",
        edited.to_json().encode("utf-8"),
        file_name=f"{Path(name).stem}-mapping.json",
        mime="application/json",
        on_click="ignore",
        key="mapping_download",
        help="Upload it next month under 'Reuse choices you saved' and the same columns are read the same way.",
    )
    with report_area:
        key = (sheet, edited.to_json())
        result = cache["applied"].get(key)
        if result is None:
            try:
                result = apply_mapping(raw, edited, known_codes)
            except DataValidationError as error:
                result = error
            cache["applied"][key] = result
            while len(cache["applied"]) > APPLIED_KEPT:
                cache["applied"].pop(next(iter(cache["applied"])))
        if isinstance(result, DataValidationError):
            show_refusal(result)
            st.caption("Change the column roles below to fix this.")
            return
        metrics_report(result, name, data, sheet=sheet, sheet_shown=len(sheets) > 1)


def choose_sheet(cache: dict, data: bytes, name: str, sheets: list[str]) -> str | None:
    """A picker when the workbook has several sheets: first the one the reader chose, and say which was read."""
    if len(sheets) <= 1:
        return None
    try:
        default = _raw(cache, data, name, None).sheet
    except DataValidationError:
        default = None
    chosen = st.selectbox(
        "Which sheet holds the data?",
        sheets,
        index=sheets.index(default) if default in sheets else 0,
        key=SHEET_KEY,
        help="A workbook is read one sheet at a time.",
    )
    others = ", ".join(f"'{other}'" for other in sheets if other != chosen)
    why = " (the first sheet with a table)" if chosen == default and chosen != sheets[0] else ""
    st.caption(escape_markdown(f"Reading the sheet '{chosen}'{why}. Not read: {others}."))
    return chosen


def saved_mapping() -> tuple[Mapping | None, str | None]:
    """A mapping file the user saved last month, and its upload id (to key the cache), or (None, None)."""
    uploaded = st.file_uploader(
        "Reuse choices you saved from an earlier file (mapping file, optional)",
        type=["json"],
        key=MAPPING_FILE_KEY,
    )
    if uploaded is None:
        return None, None
    try:
        saved = Mapping.from_json(uploaded.getvalue(), uploaded.name)
    except DataValidationError as error:
        st.error(escape_markdown(str(error)), icon=":material/error:")
        return None, None
    st.caption(escape_markdown(f"Using the choices saved in {uploaded.name} for every column and measure it names."))
    return saved, uploaded.file_id


def base_mapping(cache: dict, raw: RawTable, saved: Mapping | None, saved_id: str | None) -> Mapping:
    """The prefilled mapping (inferred, or a saved one reused); the widgets start from it."""
    token = (raw.sheet, saved_id)
    if token not in cache["base"]:
        cache["base"][token] = reuse_mapping(raw, saved) if saved is not None else infer_mapping(raw)
    if st.session_state.get(BASE_TOKEN) != token:
        # Another sheet or another saved mapping: the widgets start again from its choices.
        for key in [k for k in st.session_state if str(k).startswith(FIELD_PREFIXES)]:
            del st.session_state[key]
        st.session_state[BASE_TOKEN] = token
    return cache["base"][token]


def mapping_editor(raw: RawTable, base: Mapping) -> Mapping:
    """Column roles, then per measure its name, unit, period and polarity; returns the mapping as shown."""
    st.caption(escape_markdown(f"Header on row {base.header_row}" + (f"; title: {base.title}" if base.title else "")))
    st.markdown("**What each column holds**")
    roles: dict[str, str] = {}
    columns = list(base.roles)
    grid = st.columns(3)
    for position, column in enumerate(columns):
        current = base.roles[column] if base.roles[column] in METRIC_ROLES else "ignore"
        with grid[position % 3]:
            roles[column] = st.selectbox(
                escape_markdown(column),
                METRIC_ROLES,
                index=METRIC_ROLES.index(current),
                format_func=ROLE_LABELS.get,
                key=f"map_role::{column}",
            )
    edited = Mapping(
        base.header_row,
        roles,
        sheet=base.sheet,
        setting_rows=list(base.setting_rows),
        title=base.title,
        notes=list(base.notes),
    )
    specs = measure_specs(raw, base, edited)
    if specs:
        st.markdown("**Each measure**")
    has_period_column = edited.column("period") is not None
    chosen = []
    for spec in specs:
        chosen.append(measure_editor(spec, has_period_column))
    edited.measures = chosen
    return edited


def measure_specs(raw: RawTable, base: Mapping, edited: Mapping) -> list[MeasureSpec]:
    """The measures the roles now imply: the prefilled spec where there is one, a fresh one otherwise."""
    if edited.layout == "wide":
        return [base.spec(column) or _fresh_spec(column, base) for column in edited.columns("measure")]
    if edited.column("measure_names") == base.column("measure_names") and base.layout == "tidy":
        return list(base.measures)
    column = edited.column("measure_names")
    if column is None:
        return []
    cells = raw.cells.iloc[edited.header_row :, list(edited.roles).index(column)].astype(str).str.strip()
    names = pd.unique(cells[cells != ""].to_numpy(dtype=object))
    seen, specs = set(), []
    for written in names[:200]:
        if vocab.measure_key(written) not in seen:
            seen.add(vocab.measure_key(written))
            specs.append(_fresh_spec(written, edited, tidy=True))
    return specs


def _fresh_spec(key: str, mapping: Mapping, *, tidy: bool = False) -> MeasureSpec:
    unit = vocab.unit_in_header(key) or vocab.soft_unit_in_header(key) or ""
    period = periods_in(key, mapping) if not mapping.column("period") else ""
    name = " ".join(key.split()) if tidy else vocab.display_name(key)
    return MeasureSpec(key, name, unit, period, vocab.polarity_in_header(key) or "neutral", "")


def periods_in(key: str, mapping: Mapping) -> str:
    found = period_words.period_in_text(key) or period_words.period_in_text(mapping.title)
    return found.label if found is not None else ""


def measure_editor(spec: MeasureSpec, has_period_column: bool) -> MeasureSpec:
    with st.container(border=True):
        st.markdown(escape_markdown(f"From '{spec.key}'"))
        if spec.found:
            st.caption(escape_markdown(f"Prefilled: {spec.found}."))
        name_col, unit_col, period_col, polarity_col = st.columns([3, 2, 1.3, 1.7])
        name = name_col.text_input("Name shown", spec.name, key=f"map_name::{spec.key}", max_chars=120)
        offered = [*UNITS, *vocab.FREE_UNIT_WORDS]
        units = offered + ([spec.unit] if spec.unit and spec.unit not in offered else [])
        unit = unit_col.selectbox(
            "Unit",
            units,
            index=units.index(spec.unit) if spec.unit else None,
            placeholder="Choose or type a unit",
            accept_new_options=True,
            key=f"map_unit::{spec.key}",
            help="One of the catalogue's units, or type your own (score, index, rate, days…).",
        )
        if has_period_column:
            period = ""
            period_col.caption("Period: from the period column")
        else:
            period = period_col.text_input(
                "Period", spec.period, key=f"map_period::{spec.key}", help="e.g. 2019, 2020/21, Q2 2020/21, Sep 2020"
            )
        polarity = polarity_col.selectbox(
            "Better when",
            list(POLARITY_LABELS),
            index=list(POLARITY_LABELS).index(spec.polarity) if spec.polarity in POLARITY_LABELS else 2,
            format_func=POLARITY_LABELS.get,
            key=f"map_polarity::{spec.key}",
        )
    return MeasureSpec(spec.key, name.strip() or spec.name, unit or "", period.strip(), polarity, spec.found)


def metrics_report(
    upload: MetricsUpload, name: str, data: bytes, *, sheet: str | None = None, sheet_shown: bool = False
) -> None:
    """Counts of the user's rows, notes, measures, rejected rows, and the one button that loads the file."""
    upload_report(upload, name, data, upload.rows_accepted, upload.rows_rejected, sheet=sheet, sheet_shown=sheet_shown)


def upload_report(
    upload, name: str, data: bytes, accepted: int, rejected: int, *, sheet: str | None = None, sheet_shown: bool = False
) -> None:
    """The validation report of a metrics or ratings file: counts of the user's rows, then what to do next."""
    st.header("Validation report")
    read_col, ok_col, bad_col = st.columns(3)
    read_col.metric("Rows read", f"{upload.rows_read:,}")
    ok_col.metric("Accepted", f"{accepted:,}")
    bad_col.metric("Rejected", f"{rejected:,}")
    for note in upload.notes:
        if not (sheet_shown and note.startswith("Read the sheet")):  # said under the sheet picker
            st.caption(escape_markdown(note))
    if isinstance(upload, MetricsUpload) and not upload.measures.empty:
        st.markdown("**Measures found**")
        shown = upload.measures[["name", "unit", "polarity"]].copy()
        shown["polarity"] = shown["polarity"].map(POLARITY_LABELS).fillna(shown["polarity"])
        used = upload.accepted.groupby("measure")["period"].unique().map(", ".join)
        shown.insert(2, "period", upload.measures["measure"].map(used).fillna(""))
        st.dataframe(shown, hide_index=True)
    if rejected:
        st.markdown("**Rejected rows** (row numbers as your spreadsheet shows them)")
        st.dataframe(upload.rejected, hide_index=True, width="stretch", key="rejected_rows")
        st.download_button(
            "Download rejected rows with reasons (CSV)",
            safe_csv_bytes(upload.rejected),
            file_name=f"rejected-{name}.csv",
            mime="text/csv",
            on_click="ignore",
            key="rejected_download",
        )
    if accepted and st.button(f"Use the {accepted:,} accepted rows", type="primary", key="confirm_upload"):
        session.add_user_file(LoadedFile(name, datetime.now().strftime(s.LOADED_AT_FORMAT), upload))
        page_data.invalidate()
        st.success(
            escape_markdown(f"Loaded {name}. Its figures now appear on the overview, footprint pages and Your data.")
        )
    # For everyone, not just this session: publishers only, enforced again by the store (ui/publish.py).
    if accepted and publish.publish_control(name, data, upload, sheet=sheet):
        session.forget_user_file(name)  # else it would show twice: this session's copy and the published one
        page_data.invalidate()


# ---------------------------------------------------------------- provider-level files (one or many, or a zip)

PROVIDER_CACHE = "_load_view_provider"  # {"ids": file ids, "applied": {columns JSON: upload or error}}
PROVIDER_ROLE_PREFIX = "provider_role::"
PROVIDER_ROLES = {
    "org_code": "Organisation code",
    "period": "Month",
    "numerator": "Numerator",
    "denominator": "Denominator",
}
AE_LABELS = {
    "ae_type1_attendances": "type-1 attendances",
    "ae_type1_over4hr": "over 4 hours",
    "ae_type1_4hr_pct": "within 4 hours (%)",
    "ae_type1_emergency_admissions": "emergency admissions",
}


def table_files_section(files: list, known_codes: Collection[str]) -> None:
    """Files from the metrics uploader: one ordinary file goes through the mapping step; a provider-level file,
    several files or a zip are read as provider files."""
    for uploaded in files:
        if uploaded.size > s.MAX_UPLOAD_BYTES:
            st.error(escape_markdown(too_big_message(uploaded.name, uploaded.size)), icon=":material/error:")
            return
    single = files[0]
    if len(files) == 1 and not single.name.lower().endswith(ZIP_SUFFIXES):
        cache = _cache(single.file_id)
        try:
            raw = _raw(cache, single.getvalue(), single.name, None)
        except DataValidationError:
            raw = None  # the metrics section says why, with its sheet picker
        if raw is None or recognise(raw) is None:
            metrics_upload_section(single, known_codes)
            return
    provider_upload_section(files, known_codes)


def _provider_cache(ids: tuple[str, ...]) -> dict:
    kept = st.session_state.get(PROVIDER_CACHE)
    if kept is None or kept["ids"] != ids:
        kept = {"ids": ids, "applied": {}}
        st.session_state[PROVIDER_CACHE] = kept
        for key in [k for k in st.session_state if str(k).startswith(PROVIDER_ROLE_PREFIX)]:
            del st.session_state[key]
    return kept


def _parsed(kept: dict, payload: list, known_codes: Collection[str], columns: ProviderColumns | None):
    key = None if columns is None else repr(columns)
    if key not in kept["applied"]:
        try:
            kept["applied"][key] = parse_provider_files(payload, known_codes, columns=columns)
        except DataValidationError as error:
            kept["applied"][key] = error
        while len(kept["applied"]) > APPLIED_KEPT:
            kept["applied"].pop(next(iter(kept["applied"])))
    return kept["applied"][key]


def provider_upload_section(files: list, known_codes: Collection[str]) -> None:
    """The report for provider files: footprints, months new or already bundled, unmapped providers, then use."""
    kept = _provider_cache(tuple(f.file_id for f in files))
    payload = [(f.name, f.getvalue()) for f in files]
    name = files[0].name if len(files) == 1 else f"{len(files)} files ({', '.join(f.name for f in files[:3])}…)"
    report_area = st.container()
    result = _parsed(kept, payload, known_codes, None)
    if isinstance(result, DataValidationError):
        with report_area:
            show_refusal(result)
        return
    if result.kind != AE and result.columns is not None:
        edited = provider_roles_editor(payload, result.columns)
        if edited != result.columns:
            result = _parsed(kept, payload, known_codes, edited)
    with report_area:
        if isinstance(result, DataValidationError):
            show_refusal(result)
            st.caption("Change the column roles below to fix this.")
            return
        provider_report(result, name, payload[0][1] if len(payload) == 1 else None)


def provider_roles_editor(payload: list, base: ProviderColumns) -> ProviderColumns:
    """A trust's own extract: which column is the organisation code, the month, the numerator and denominator."""
    st.header("Check how your file was read")
    st.caption("Each footprint's figure is 100 × the sum of the numerators ÷ the sum of the denominators.")
    raw = read_raw_table(payload[0][1], payload[0][0])
    header = [str(c).strip() for c in raw.cells.iloc[base.header_row - 1] if str(c).strip()]
    chosen = {}
    grid = st.columns(4)
    for position, (role, label) in enumerate(PROVIDER_ROLES.items()):
        current = getattr(base, role)
        options = header if role != "period" else ["(from the title or file name)", *header]
        index = options.index(current) if current in options else 0
        with grid[position]:
            picked = st.selectbox(label, options, index=index, key=f"{PROVIDER_ROLE_PREFIX}{role}")
        chosen[role] = None if picked == "(from the title or file name)" else picked
    return base.with_roles(**chosen)


def provider_report(upload: ProviderUpload, name: str, data: bytes | None = None) -> None:
    """The provider files' report, then Use (this session) and, for one NHS England file or zip, Publish.

    `data`: the bytes of the one file uploaded (None for several: a publish stores one file, so zip them)."""
    st.header("Validation report")
    read_col, ok_col, bad_col = st.columns(3)
    read_col.metric("Provider rows read", f"{upload.rows_read:,}")
    ok_col.metric("Accepted", f"{upload.rows_accepted:,}")
    bad_col.metric("Rejected", f"{upload.rows_rejected:,}")
    st.info(upload.summary[:1].upper() + upload.summary[1:] + ".", icon=":material/account_tree:")
    for note in upload.notes:
        st.caption(escape_markdown(note))
    names = page_data.current().names
    new_months: list[str] = []
    if upload.joins_bundled:
        bundled = shared.bundle().metrics
        new_months, overlap, differences = compare_with_bundled(upload.accepted, bundled)
        last = bundled.loc[bundled["measure"] == "ae_type1_attendances", "period"].max()
        for month in new_months:
            st.success(
                escape_markdown(
                    f"{period_words.parse_period(month).label}: not in the bundled data (which ends "
                    f"{period_words.parse_period(last).label}): "
                    f"it extends every chart and SPC verdict once you use it (from your file "
                    f"{upload.month_files.get(month, name)})."
                ),
                icon=":material/add_chart:",
            )
        for month in overlap:
            label = period_words.parse_period(month).label
            differ = differences.loc[differences["period"] == month]
            if differ.empty:
                st.caption(f"{label}: already bundled; your file gives the same figures for every footprint.")
            else:
                codes = ", ".join(sorted(set(differ["code"])))
                st.warning(
                    escape_markdown(
                        f"{label}: already bundled, and {len(differ):,} figure(s) differ ({codes}). The bundled "
                        "figures are kept; the differences are listed below."
                    ),
                    icon=":material/difference:",
                )
        if not differences.empty:
            st.markdown("**Differences from the bundled figures** (bundled kept)")
            shown = differences.assign(footprint=differences["code"].map(names).fillna(""))
            st.dataframe(
                shown[["code", "footprint", "measure", "period", "bundled", "file"]],
                hide_index=True,
                key="provider_differences",
            )
    st.markdown("**Footprint figures** (ratio of sums over each footprint's trusts)")
    st.dataframe(footprint_table(upload, names), hide_index=True, width="stretch", key="provider_figures")
    unmapped_report(upload)
    if upload.rows_rejected:
        st.markdown("**Rejected rows** (row numbers as your spreadsheet shows them)")
        st.dataframe(upload.rejected, hide_index=True, width="stretch", key="rejected_rows")
        st.download_button(
            "Download rejected rows with reasons (CSV)",
            safe_csv_bytes(upload.rejected),
            file_name="rejected-provider-rows.csv",
            mime="text/csv",
            on_click="ignore",
            key="rejected_download",
        )
    usable = bool(new_months) if upload.joins_bundled else not upload.accepted.empty
    if not usable:
        st.caption("Nothing new to add: every month in the file is already in the bundled data.")
    elif st.button(f"Use the {len(upload.accepted):,} footprint figures", type="primary", key="confirm_upload"):
        session.add_user_file(LoadedFile(name, datetime.now().strftime(s.LOADED_AT_FORMAT), upload))
        page_data.invalidate()
        st.success(escape_markdown(f"Loaded {name}. Its months now appear on the Emergency care and footprint pages."))
    # For everyone: one NHS England A&E file (or a zip of months), read again by the same reader on every server.
    if usable and upload.joins_bundled and data is not None:
        if publish.publish_control(name, data, upload):
            session.forget_user_file(name)  # else it would show twice: this session's copy and the published one
            page_data.invalidate()
    elif usable and upload.joins_bundled:
        st.caption("To publish several monthly files for everyone, put them in one zip and load that.")
    elif usable:
        st.caption("A trust's own extract loads into this session; publishing it for everyone is not available yet.")


def footprint_table(upload: ProviderUpload, names: dict[str, str]) -> pd.DataFrame:
    """One row per footprint and month: the counts and the percentage the file gives (wide, for reading)."""
    rows = upload.accepted
    if rows.empty:
        return pd.DataFrame(columns=["code", "footprint", "month"])
    wide = rows.pivot_table(index=["code", "period"], columns="measure", values="value", aggfunc="first")
    if upload.joins_bundled:
        wide = wide.reindex(columns=list(AE_LABELS)).rename(columns=AE_LABELS)
    else:
        wide = wide.rename(columns=dict(zip(upload.measures["measure"], upload.measures["name"], strict=True)))
    wide = wide.reset_index().rename(columns={"period": "month"})
    wide.insert(1, "footprint", wide["code"].map(names).fillna(""))
    return wide


def unmapped_report(upload: ProviderUpload) -> None:
    """Every provider the lookup does not map: named with its share when it has activity, else counted."""
    out = upload.unmapped
    if out.empty:
        st.caption("Every provider in the file maps to a footprint.")
        return
    activity = out.columns[3]
    active, idle = out.loc[out[activity] > 0], out.loc[out[activity] == 0]
    what = "type-1 attendances" if upload.joins_bundled else "the denominator"
    if len(active):
        st.markdown(f"**Providers not in the trust lookup** (not counted in any footprint; share of {what})")
        st.dataframe(active.rename(columns={"share_pct": "share of all (%)"}), hide_index=True, key="provider_unmapped")
    if len(idle):
        with st.expander(
            f"{len(idle):,} other providers are not in the trust lookup and have no {what} "
            "(urgent care centres, walk-in centres, independent sector): they change no figure"
        ):
            st.dataframe(idle[["org_code", "org_name", "months"]], hide_index=True, key="provider_unmapped_idle")
