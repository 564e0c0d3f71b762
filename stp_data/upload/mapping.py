"""The mapping step: which row is the header, what each column is, and each measure's name, unit, period and
polarity, prefilled from what the file itself says (header words, a title row, setting rows, % signs).

A Mapping is plain data: the page shows it, the user changes any field, and apply_mapping re-applies it. It is
saved as a small JSON file and reused next month (columns are matched by their header text, not position).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from stp_data.upload import checks, periods, vocab
from stp_data.upload.reading import HEADER_SEARCH_ROWS, RawTable, header_row, refuse

ROLES = (
    "code",
    "name",
    "population",
    "measure",
    "measure_names",
    "value",
    "period",
    "unit",
    "polarity",
    "target",
    "source",
    "rating",
    "ignore",
)
ROLE_LABELS = {
    "code": "footprint code",
    "name": "name (shown back, not used)",
    "population": "population",
    "measure": "a measure (one column per measure)",
    "measure_names": "measure names (one row per measure)",
    "value": "values",
    "period": "period",
    "unit": "unit",
    "polarity": "polarity",
    "target": "target",
    "source": "source",
    "rating": "rating",
    "ignore": "not used",
}
POLARITIES = ("higher_is_better", "lower_is_better", "neutral")
REPORT_COLUMNS = ("row", "column", "reason")
# Rows of a wide file whose code cell names one of these give that field for every measure column.
SETTING_ROWS = ("unit", "polarity", "period")
MAPPING_VERSION = 1


@dataclass
class MeasureSpec:
    """One measure: `key` is its column header (wide) or its name as first written (tidy)."""

    key: str
    name: str
    unit: str = ""  # a catalogue unit (stp_data.metrics.UNITS) or free text; "" = not known yet
    period: str = ""  # for a whole measure column; "" when a period column gives it
    polarity: str = "neutral"
    found: str = ""  # where the prefilled values came from, for the page


@dataclass
class Mapping:
    header_row: int  # as the spreadsheet numbers it (1-based)
    roles: dict[str, str]  # column header (unique display name) -> one of ROLES
    measures: list[MeasureSpec] = field(default_factory=list)
    sheet: str | None = None
    setting_rows: list[int] = field(default_factory=list)  # rows giving every measure column's unit etc.
    title: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def layout(self) -> str:
        return "tidy" if {"measure_names", "value"} & set(self.roles.values()) else "wide"

    def columns(self, role: str) -> list[str]:
        return [column for column, r in self.roles.items() if r == role]

    def column(self, role: str) -> str | None:
        found = self.columns(role)
        return found[0] if found else None

    def spec(self, key: str) -> MeasureSpec | None:
        return next((m for m in self.measures if m.key == key), None)

    def to_json(self) -> str:
        """The mapping file a user saves and loads next month."""
        data = dataclasses.asdict(self)
        data.pop("notes")
        return json.dumps({"stp_progress_mapping": MAPPING_VERSION, **data}, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes, filename: str = "mapping.json") -> Mapping:
        try:
            data = json.loads(text)
            if data.pop("stp_progress_mapping", None) != MAPPING_VERSION:
                raise ValueError("not a mapping file")
            roles = {str(k): str(v) for k, v in data["roles"].items()}
            bad = sorted(set(roles.values()) - set(ROLES))
            if bad:
                raise ValueError(f"unknown role(s) {', '.join(bad)}")
            measures = [MeasureSpec(**{k: str(v) for k, v in m.items()}) for m in data.get("measures", [])]
            for spec in measures:
                if spec.polarity not in POLARITIES:
                    raise ValueError(f"unknown polarity {spec.polarity!r}")
            return cls(
                header_row=int(data["header_row"]),
                roles=roles,
                measures=measures,
                sheet=data.get("sheet"),
                setting_rows=[int(r) for r in data.get("setting_rows", [])],
                title=str(data.get("title", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise refuse(filename, f"is not a mapping file saved by this dashboard ({exc})") from None


def display_names(header: list[str]) -> list[str]:
    """Unique names for the columns, as the user knows them; blank headers by column letter."""
    names: list[str] = []
    for position, text in enumerate(header):
        name = text or f"column {get_column_letter(position + 1)}"
        if name in REPORT_COLUMNS:
            name += " (in file)"
        while name in names:
            name += " (again)"
        names.append(name)
    return names


def header_names(raw: RawTable, header_row_number: int) -> list[str]:
    texts = [" ".join(str(c).split()) for c in raw.cells.iloc[header_row_number - 1]]
    return display_names(texts)


def infer_mapping(raw: RawTable, *, kind: str = "metrics") -> Mapping:
    """The mapping prefilled from the file; DataValidationError when no header row can be found."""
    position = header_row(raw.cells)
    if position is None:
        raise _no_header(raw)
    header = [" ".join(str(c).split()) for c in raw.cells.iloc[position]]
    names = display_names(header)
    title = " · ".join(
        " ".join(str(c).split()) for _, row in raw.cells.iloc[:position].iterrows() for c in row if str(c).strip()
    )
    notes = [f"Found the header on row {position + 1} (rows above look like a title)."] if position else []
    roles: dict[str, str] = {}
    taken: dict[str, str] = {}
    for text, name in zip(header, names, strict=True):
        role = _role_of_header(text, kind)
        if role is not None and role in taken:
            notes.append(f"Used column '{taken[role]}' for {role}; ignored '{name}'.")
            role = "ignore"
        if role is not None and role != "ignore":
            taken[role] = name
        roles[name] = role or ""
    body = raw.cells.iloc[position + 1 :]
    mapping = Mapping(position + 1, roles, sheet=raw.sheet, title=title, notes=notes)
    if kind != "metrics":
        _rest_ignored(mapping)
        return mapping
    if mapping.layout == "tidy":
        _rest_ignored(mapping)
        mapping.measures = _tidy_specs(body, names, mapping)
    else:
        settings = _setting_rows(body, names, mapping)
        _wide_roles(body, names, mapping, set(settings))
        mapping.measures = _wide_specs(body, names, mapping, settings)
    return mapping


def _no_header(raw: RawTable) -> Exception:
    if not raw.cells.map(lambda c: bool(str(c).strip())).to_numpy().any():
        return refuse(raw.filename, "the file is empty" if raw.sheet is None else f"the sheet '{raw.sheet}' is empty")
    others = [s for s in raw.sheets if s != raw.sheet]
    where = "" if raw.sheet is None else f" of the sheet '{raw.sheet}'"
    reason = (
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows{where}: expected a column named "
        + " or ".join(f"'{alias}'" for alias in vocab.COLUMN_ALIASES["code"])
    )
    if others:
        reason += "; the data may be on another sheet: " + ", ".join(f"'{s}'" for s in others)
    return refuse(raw.filename, reason)


def _role_of_header(text: str, kind: str) -> str | None:
    found = vocab.field_of(text)
    allowed = {"code", "rating", "source", "name"} if kind == "ratings" else set(ROLES) - {"rating"}
    if found == "measure":
        found = "measure_names"
    if found in allowed:
        return found
    squashed = vocab.squash(text)
    if kind == "metrics" and squashed.startswith(("population", "denominator")) and not vocab.unit_in_header(text):
        return "population"
    if squashed.endswith(("name", "nm")) and squashed.startswith(("stp", "footprint", "area", "ics", "ccg")):
        return "name"
    return None


def _rest_ignored(mapping: Mapping) -> None:
    unused = [name for name, role in mapping.roles.items() if not role and not name.startswith("column ")]
    for name, role in mapping.roles.items():
        if not role:
            mapping.roles[name] = "ignore"
    if unused:
        mapping.notes.append("Not used: column(s) " + ", ".join(f"'{n}'" for n in unused) + ".")


def _setting_rows(body: pd.DataFrame, names: list[str], mapping: Mapping) -> dict[int, str]:
    """{spreadsheet row: setting} for the first row naming each of unit, polarity, period in the code column."""
    code = mapping.column("code")
    if code is None:
        return {}
    wanted = [s for s in SETTING_ROWS if s not in mapping.roles.values()]
    found: dict[int, str] = {}
    cells = body[names.index(code)]
    for index, text in cells.iloc[:HEADER_SEARCH_ROWS].items():
        setting = vocab.field_of(str(text))
        if setting in wanted and setting not in found.values():
            found[int(index) + 1] = setting
    mapping.setting_rows = sorted(found)
    for row, setting in sorted(found.items()):
        mapping.notes.append(f"Read each measure's {setting} from the '{setting}' row (row {row}).")
    return found


def _numeric_share(cells: pd.Series) -> float:
    filled = cells[cells.ne("")].head(200).astype(str)
    if filled.empty:
        return 0.0
    cleaned = filled.str.replace(r"[£%,\s]", "", regex=True)
    return float(pd.to_numeric(cleaned, errors="coerce").notna().mean())


def _wide_roles(body: pd.DataFrame, names: list[str], mapping: Mapping, settings: set[int]) -> None:
    data = body.loc[[i for i in body.index if i + 1 not in settings]]
    for position, name in enumerate(names):
        if mapping.roles[name]:
            continue
        if name.startswith("column ") and not data[position].ne("").any():
            mapping.roles[name] = "ignore"
        elif _numeric_share(data[position]) >= 0.5:
            mapping.roles[name] = "measure"
        elif "name" not in mapping.roles.values():
            mapping.roles[name] = "name"
        else:
            mapping.roles[name] = "ignore"
    measures = mapping.columns("measure")
    if mapping.column("name") and mapping.column("name") not in vocab.FIELD_BY_ALIAS:
        mapping.notes.append(f"Read '{mapping.column('name')}' as footprint names (shown back, not used).")
    if measures:
        mapping.notes.append(f"Each of {len(measures)} column(s) is a measure: " + ", ".join(measures) + ".")


def _wide_specs(body: pd.DataFrame, names: list[str], mapping: Mapping, settings: dict[int, str]) -> list[MeasureSpec]:
    has_period_column = mapping.column("period") is not None
    title_period = periods.period_in_text(mapping.title)
    specs = []
    for name in mapping.columns("measure"):
        position = names.index(name)
        given = {setting: str(body.at[row - 1, position]).strip() for row, setting in settings.items()}
        values = body.loc[[i for i in body.index if i + 1 not in settings], position]
        spec = MeasureSpec(key=name, name=vocab.display_name(name))
        found = []
        unit, where = _unit_for(name, given.get("unit", ""), values)
        spec.unit = unit
        found += [f"unit from {where}"] if where else []
        if given.get("polarity") and vocab.normal_polarity(given["polarity"]):
            spec.polarity = vocab.normal_polarity(given["polarity"]) or "neutral"
            found.append("polarity from the polarity row")
        elif vocab.polarity_in_header(name):
            spec.polarity = vocab.polarity_in_header(name) or "neutral"
            found.append("polarity from the header")
        if given.get("period"):
            spec.period = given["period"]
            found.append("period from the period row")
        elif not has_period_column:
            in_header = periods.period_in_text(name)
            chosen = in_header or title_period
            if chosen is not None:
                spec.period = chosen.label
                found.append("period from the header" if in_header else "period from the title row")
        spec.found = "; ".join(found)
        specs.append(spec)
    return specs


def _unit_for(header: str, given: str, values: pd.Series) -> tuple[str, str]:
    """(unit, where it came from) for a measure: given, the header's words, % signs in the values, soft words."""
    if given:
        return vocab.normal_unit(given) or given, "the unit row"
    unit = vocab.unit_in_header(header)
    if unit:
        return unit, f"the header '{header}'"
    filled = values[values.ne("")].head(200).astype(str)
    if len(filled) and filled.str.strip().str.endswith("%").mean() >= 0.5:
        return "%", "the % signs in its values"
    soft = vocab.soft_unit_in_header(header)
    if soft:
        return soft, f"the word '{soft}' in the header"
    return "", ""


def _tidy_specs(body: pd.DataFrame, names: list[str], mapping: Mapping) -> list[MeasureSpec]:
    """One spec per distinct measure name; its unit and polarity from its first row that gives one."""
    measure = mapping.column("measure_names")
    if measure is None:
        return []
    columns = {"key": body[names.index(measure)]}
    # A column the file does not have: one blank text held as codes, so its checks cost integer work only.
    blank = pd.Categorical.from_codes(np.zeros(len(body), dtype=np.int8), categories=[""], validate=False)
    for role in ("unit", "polarity", "value"):
        column = mapping.column(role)
        columns[role] = body[names.index(column)] if column else pd.Series(blank, index=body.index)
    frame = pd.DataFrame(columns)  # the cells' own dtypes: a CSV's Categoricals stay integer codes
    named = ~checks.blank(frame["key"])
    frame = frame if named.all() else frame[named]
    key_codes, written = checks.distinct(frame["key"])
    first: dict[str, object] = {}
    for k in written:  # each measure's first spelling: names equal but for case and spacing are one measure
        first.setdefault(vocab.measure_key(str(k)), k)
    units = _first_given(frame, "unit", key_codes, written)
    polarities = _first_given(frame, "polarity", key_codes, written)
    no_values = frame["value"][:0]
    specs = []
    for key in first.values():
        given_unit = units.get(key, "")
        values = frame.loc[frame["key"] == key, "value"] if not given_unit else no_values
        unit, where = _unit_for(key, given_unit, values)
        polarity = vocab.normal_polarity(polarities.get(key, "")) or "neutral"
        spec = MeasureSpec(key, " ".join(key.split()), unit, "", polarity)
        spec.found = f"unit from {where}" if where and where != "the unit row" else ""
        if not mapping.column("period"):
            chosen = periods.period_in_text(key) or periods.period_in_text(mapping.title)
            spec.period = chosen.label if chosen else ""
        specs.append(spec)
    return specs


def _first_given(frame: pd.DataFrame, role: str, key_codes: np.ndarray, keys: np.ndarray) -> dict[str, str]:
    """{measure name as written: the first non-blank cell of `role` on its rows}, names joined by measure_key.
    `key_codes` and `keys` are checks.distinct(frame["key"])."""
    # Blankness is read once per distinct cell; only each measure's first filled cell is read as text.
    filled = np.flatnonzero(~checks.blank(frame[role]))
    present, first_at = checks.first_index(key_codes[filled])
    order = np.argsort(first_at, kind="stable")  # measures in the order their first filled cells come
    at = filled[first_at[order]]
    given = checks.stripped(frame[role].iloc[at])
    by_key: dict[str, str] = {}
    for key, text in zip(keys[present[order]], given, strict=True):
        by_key.setdefault(vocab.measure_key(key), str(text))
    return {key: by_key[vocab.measure_key(key)] for key in keys if vocab.measure_key(key) in by_key}


def reuse_mapping(raw: RawTable, saved: Mapping, *, kind: str = "metrics") -> Mapping:
    """A saved mapping applied to this month's file: its choices for every column and measure still present,
    the file's own inference for anything new (a renamed column, a new measure)."""
    inferred = infer_mapping(raw, kind=kind)
    roles = {name: saved.roles.get(name, role) for name, role in inferred.roles.items()}
    merged = Mapping(inferred.header_row, roles, sheet=inferred.sheet, title=inferred.title, notes=inferred.notes)
    merged.setting_rows = inferred.setting_rows
    kept = {vocab.measure_key(m.key): m for m in saved.measures}
    merged.measures = [kept.get(vocab.measure_key(m.key), m) for m in inferred.measures]
    missing = [c for c in saved.roles if c not in roles and saved.roles[c] != "ignore"]
    if missing:
        merged.notes.append("Not in this file (mapping kept for the rest): " + ", ".join(f"'{c}'" for c in missing))
    return merged


def spec_key_of(name: str) -> str:
    """Tidy measures are matched to their spec by measure_key, so 'GP FTE' and 'gp  fte' share one."""
    return vocab.measure_key(name)
