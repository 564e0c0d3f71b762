"""apply_mapping: a raw table and its mapping in, every user row accepted or rejected with its reason.

One engine for tidy and wide files: the mapping turns either into records (footprint x measure x period), the
checks run on whole columns (stp_data.upload.checks), and problems are gathered per record, then per user row, so
the counts are the user's rows. Validation of what is accepted ends in the project's pandera schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stp_data.errors import DataValidationError, Problem
from stp_data.metrics import UNITS
from stp_data.upload import checks, periods, vocab
from stp_data.upload.mapping import Mapping, header_names
from stp_data.upload.reading import RawTable, refuse
from stp_data.upload.report import accepted_frame, catalogue_rows, periods_used, rejected_lines, targets_frame

MISSING_UNIT = "missing unit"
FIELDS = ("code", "measure", "period", "value", "unit", "polarity", "population", "target", "source")
ROLE_OF = {"measure": "measure_names"}


class RowCounts:
    """Every row of a file accounted for: read = accepted + rejected (a mixin for the upload results)."""

    rejected: pd.DataFrame
    rows_read: int

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - len(self.rejected)


@dataclass(frozen=True)
class MetricsUpload(RowCounts):
    """A metrics file read into the bundled layout, with every user row accounted for."""

    accepted: pd.DataFrame  # METRIC_COLUMNS, one row per footprint x measure x period
    measures: pd.DataFrame  # catalogue rows for the measures with accepted rows
    rejected: pd.DataFrame  # one line per rejected user row: row, column, reason, then the row's cells
    rows_read: int  # the user's data rows (a wide row of 3 measures is one row)
    layout: str
    notes: list[str]
    targets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["code", "measure", "period", "target"]))
    mapping: Mapping | None = None
    periods: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["period", "period_end", "granularity"]))


def apply_mapping(
    raw: RawTable, mapping: Mapping, known_codes: Collection[str], *, loaded_at: dt.datetime | None = None
) -> MetricsUpload:
    """Read the table as the mapping says; DataValidationError only for a problem with the whole file."""
    name = raw.filename
    names = header_names(raw, mapping.header_row)
    position = {n: i for i, n in enumerate(names)}
    roles = {column: role for column, role in mapping.roles.items() if column in position}
    _require(raw, mapping, roles)
    body = raw.cells.iloc[mapping.header_row :]
    if mapping.setting_rows:
        body = body.loc[~body.index.isin([r - 1 for r in mapping.setting_rows])]
    filled = body.ne("").any(axis=1).to_numpy()
    notes = [*raw.notes, *mapping.notes]
    if (~filled).any() and filled.any():
        notes.append(f"Skipped {int((~filled).sum())} empty row(s).")
    if not filled.all():  # a copy of every column only when there is a row to leave out
        body = body.loc[filled]
    if body.empty:
        raise refuse(name, "has a header but no rows", row=mapping.header_row)
    records = _records(body, mapping, roles, position)
    if mapping.layout == "wide":
        measures = [c for c, r in roles.items() if r == "measure"]
        notes.append(
            f"Converted a wide layout: {len(measures)} measure column(s) became rows "
            f"({len(body)} footprint row(s) x {len(measures)} measure(s))."
        )
    checked = _check(records, mapping, set(known_codes), notes)
    problems = checked.pop("problems")
    good = ~checked["bad"]
    loaded = loaded_at or dt.datetime.now()
    accepted = accepted_frame(records, checked, good, name)
    rejected = rejected_lines(raw, problems, names, records)
    bad_rows = set(rejected["row"])
    partly = int(pd.Series(records["row"][good]).isin(bad_rows).sum())
    if partly:
        notes.append(f"{partly} value(s) from rejected rows were still used: only the rejected values were left out.")
    spelling, ends = checked["coded"]["period_end"]
    undated = pd.unique(checked["period"][good & pd.isna(ends)[spelling]]) if len(spelling) else []
    if len(undated):
        notes.append(f"{len(undated)} period label(s) could not be read as dates; they are kept as written.")
    used = checked["measure_table"]
    measure_codes, measure_uniques = checked["coded"]["measure"]
    used = used[used["measure"].isin(measure_uniques[pd.unique(measure_codes[good])])]
    return MetricsUpload(
        accepted=accepted,
        measures=catalogue_rows(used, name, loaded),
        rejected=rejected,
        rows_read=len(body),
        layout=mapping.layout,
        notes=notes,
        targets=targets_frame(records, checked, good),
        mapping=mapping,
        periods=periods_used(checked["coded"]["period"][1][pd.unique(checked["coded"]["period"][0][good])]),
    )


def _require(raw: RawTable, mapping: Mapping, roles: dict[str, str]) -> None:
    present = set(roles.values())
    required = ["code"]
    if mapping.layout == "tidy":
        required += ["measure", "value"]
        if not all(spec.period for spec in mapping.measures) or not mapping.measures:
            required.append("period")
    missing = [f for f in required if ROLE_OF.get(f, f) not in present]
    if missing:
        raise DataValidationError(
            [
                Problem(
                    raw.filename,
                    mapping.header_row,
                    f,
                    "required column is missing (looked for: " + ", ".join(vocab.COLUMN_ALIASES[f]) + ")",
                )
                for f in missing
            ]
        )
    if mapping.layout == "wide" and "measure" not in present:
        raise refuse(
            raw.filename,
            "found a code column but no measure and value columns (tidy layout) and no measure columns (wide layout)",
            row=mapping.header_row,
        )


def _records(body: pd.DataFrame, mapping: Mapping, roles: dict[str, str], position: dict[str, int]) -> pd.DataFrame:
    """One record per value: a tidy row, or a wide row x measure column. `row` is the spreadsheet row;
    `at_<field>` the column (name and 1-based position) each field came from, to name it in a rejection."""
    rows = body.index.to_numpy() + 1
    by_role = {}
    for column, role in roles.items():
        by_role.setdefault(role, column)
    # A column the file does not have: one blank text for every record, held as codes like the CSV's columns.
    blank = pd.Series(pd.Categorical.from_codes(np.zeros(len(body), dtype=np.int8), categories=[""]), index=body.index)

    def cells(role: str) -> pd.Series:
        column = by_role.get(role)
        return body[position[column]] if column is not None else blank

    shared = {f: cells(f) for f in ("code", "population", "source", "target")}
    if mapping.layout == "tidy":
        frame = pd.DataFrame(
            {
                "row": rows,
                **shared,
                "measure": cells("measure_names"),
                "period": cells("period"),
                "value": cells("value"),
                "unit": cells("unit"),
                "polarity": cells("polarity"),
            }
        )
        for f in FIELDS:
            column = by_role.get(ROLE_OF.get(f, f))
            frame.attrs[f"at_{f}"] = (column or f, position.get(column, -1) + 1)
        # No at_measure column: a tidy record's fields come from the columns at_<field> names.
        return frame.reset_index(drop=True)
    pieces = []
    for column, role in roles.items():
        if role != "measure":
            continue
        spec = mapping.spec(column)
        pieces.append(
            pd.DataFrame(
                {
                    "row": rows,
                    **shared,
                    "measure": spec.name if spec else vocab.display_name(column),
                    "period": cells("period") if by_role.get("period") else (spec.period if spec else ""),
                    "value": body[position[column]],
                    "unit": spec.unit if spec else "",
                    "polarity": spec.polarity if spec else "",
                    "at_measure": column,
                    "at_position": position[column] + 1,
                }
            )
        )
    frame = pd.concat(pieces, ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True)
    for f in FIELDS:
        column = by_role.get(ROLE_OF.get(f, f))
        frame.attrs[f"at_{f}"] = (column or f, position.get(column, -1) + 1)
    return frame


def _check(records: pd.DataFrame, mapping: Mapping, known: set[str], notes: list[str]) -> dict:
    """Every check on whole columns; returns the read fields and a frame of problems (record, column, reason)."""
    n = len(records)
    problems: list[tuple[str, checks.Found]] = []  # (field, the records with a problem and their reasons)
    code, code_found, code_codes, code_uniques = checks.coded_codes(records["code"], known)
    problems.append(("code", code_found))
    identity = _measure_identity(records["measure"], mapping, notes)
    problems.append(("measure", identity["found"]))
    spelling, parsed = periods.parse_distinct(records["period"])  # each distinct spelling parsed once
    period_codes, period_uniques = checks.recode(spelling, parsed["label"].to_numpy(dtype=object))
    ends = parsed["end"].to_numpy(dtype=object)  # each distinct spelling's last day, spread by `spelling`
    problems.append(("period", checks.found_where(checks.blank(records["period"]), "missing period")))
    if parsed["day_first"].any():
        notes.append("Dates written dd/mm/yyyy were read the UK way, day first (05/06/2018 is 5 June 2018).")
    values, percent, readable = checks.numbers(records["value"])
    problems.append(("value", checks.value_problems(records["value"], readable, "value")))
    units, unit_found, unit_missing = _units(records, identity, percent, mapping)
    problems.append(("unit", unit_found))
    if unit_missing:
        notes.append(
            "Some measures have no unit: give one in a 'unit' column (in a wide file, a row whose code cell says "
            "'unit'), or choose one in the mapping: one of " + "; ".join(UNITS) + ", or a short word of your own."
        )
    polarity, polarity_found = _polarities(records, identity, mapping)
    problems.append(("polarity", polarity_found))
    population, pop_found = _optional_number(records["population"], "population", whole=True)
    problems.append(("population", pop_found))
    target, target_found = _optional_number(records["target"], "target", whole=False)
    problems.append(("target", target_found))
    ok = np.ones(n, dtype=bool)
    for _, (where, _) in problems:
        ok[where] = False
    problems.append(("value", checks.sane_range_problems(values, units, ok & readable)))
    ok[problems[-1][1][0]] = False
    problems.append(("code", _duplicates(records, code_codes, identity["measure_codes"], period_codes, ok)))
    # Only the records with a problem become rows here: building a frame of 100k empty reasons is most of the cost.
    frame = pd.DataFrame(
        {
            "record": np.concatenate([where for _, (where, _) in problems]).astype(np.int64),
            "field": np.concatenate([np.full(len(where), f, dtype=object) for f, (where, _) in problems]),
            "reason": np.concatenate([np.asarray(r, dtype=object) for _, (_, r) in problems]),
            "order": np.concatenate([np.full(len(where), i) for i, (_, (where, _)) in enumerate(problems)]),
        }
    )
    bad = np.zeros(n, dtype=bool)
    bad[frame["record"].to_numpy()] = True
    # A measure's unit and polarity are the same on all its records: read them at each key's first record.
    present, first = checks.first_index(identity["key_codes"])
    keys = identity["key_uniques"][present] if n else np.array([], dtype=object)
    unit_of = dict(zip(keys, units[first], strict=True))
    polarity_of = dict(zip(keys, polarity[first], strict=True))
    table = identity["table"]
    table = table.assign(
        unit=[unit_of.get(k, np.nan) for k in table["key"]],
        polarity=[polarity_of.get(k, "neutral") for k in table["key"]],
    )
    return {
        "problems": frame,
        "bad": bad,
        "code": code,
        "measure": identity["measure"],
        "period": period_uniques[period_codes] if n else np.array([], dtype=object),
        "coded": {
            "code": (code_codes, code_uniques),
            "measure": (identity["measure_codes"], identity["measure_uniques"]),
            "period": (period_codes, period_uniques),
            "period_end": (spelling if n else np.zeros(0, dtype=np.intp), ends),
        },
        "value": values,
        "population": population,
        "target": target,
        "measure_table": table,
    }


def _measure_identity(cells: pd.Series, mapping: Mapping, notes: list[str]) -> dict:
    """Each record's measure id. Names equal but for case and spacing join (and the notes say so); any other
    difference ("≤" vs ">", "(4 hour)" vs "4-hour") is a different measure, even where ids would collide."""
    raw, uniques = checks.distinct(cells)  # each distinct cell read once
    codes, uniques = checks.recode(raw, np.asarray([str(u) for u in uniques], dtype=object))
    names = [" ".join(str(u).split()) for u in uniques]
    keys = [vocab.measure_key(u) for u in names]
    reasons = [
        "missing measure"
        if not nm
        else (f"measure name {nm[:60]!r} has no letters or digits" if not vocab.slug(nm) else "")
        for nm in names
    ]
    first_name: dict[str, str] = {}
    spellings: dict[str, list[str]] = {}
    for nm, key, why in zip(names, keys, reasons, strict=True):
        if not why:
            first_name.setdefault(key, nm)
            if nm not in spellings.setdefault(key, []):
                spellings[key].append(nm)
    ids: dict[str, str] = {}
    by_slug: dict[str, list[str]] = {}
    for key, nm in first_name.items():
        spec = mapping.spec(nm) or next((m for m in mapping.measures if vocab.measure_key(m.key) == key), None)
        base = vocab.slug(spec.name if spec and mapping.layout == "tidy" and spec.name else nm) or vocab.slug(nm)
        candidate, k = base, 1
        while candidate in ids.values():
            k += 1
            candidate = f"{base}_{k}"
        ids[key] = candidate
        by_slug.setdefault(base, []).append(nm)
    for written in spellings.values():
        if len(written) > 1:
            notes.append(
                "Read as one measure (the names differ only in case or spacing): "
                + ", ".join(f"'{w}'" for w in written)
                + "."
            )
    for same in by_slug.values():
        if len(same) > 1:
            notes.append("Kept apart as different measures: " + ", ".join(f"'{s}'" for s in same) + ".")
    nothing = np.array([], dtype=object)
    measure = np.asarray([ids.get(k, "") for k in keys], dtype=object)[codes] if len(cells) else nothing
    reasons = np.asarray(reasons, dtype=object)
    spec_names = {}
    for m in mapping.measures:  # the first spec of each key, as next() over the list found it
        spec_names.setdefault(vocab.measure_key(m.key), m)
    table = pd.DataFrame(
        {
            "key": list(first_name),
            "measure": [ids[k] for k in first_name],
            "name": [_spec_name(mapping, nm, spec_names) for nm in first_name.values()],
        }
    )
    key_codes, key_uniques = checks.recode(codes, np.asarray(keys, dtype=object))
    measure_codes, measure_uniques = checks.recode(codes, np.asarray([ids.get(k, "") for k in keys], dtype=object))
    return {
        "measure": measure,
        "measure_codes": measure_codes,
        "measure_uniques": measure_uniques,
        "codes": codes,
        "keys": keys,
        "key_codes": key_codes,
        "key_uniques": key_uniques,
        "found": checks.found(reasons, codes) if len(cells) else checks.NONE,
        # True where the record names a usable measure
        "named": (reasons == "")[codes] if len(cells) else np.zeros(0, dtype=bool),
        "table": table,
    }


def _spec_name(mapping: Mapping, written: str, specs: dict) -> str:
    spec = specs.get(vocab.measure_key(written))
    return (spec.name or written) if spec and mapping.layout == "tidy" else written


def _spec_for_key(mapping: Mapping) -> dict[str, object]:
    if mapping.layout == "wide":
        return {vocab.measure_key(m.name): m for m in mapping.measures}
    return {vocab.measure_key(m.key): m for m in mapping.measures}


def _units(
    records: pd.DataFrame, identity: dict, percent: np.ndarray, mapping: Mapping
) -> tuple[np.ndarray, checks.Found, bool]:
    """Each record's unit (a property of its measure), why it is unusable, and whether any measure has none."""
    if not len(records):
        return np.array([], dtype=object), checks.NONE, False
    given, choices, unknown = checks.readings(records["unit"], vocab.normal_unit)
    written = checks.stripped(records["unit"]) if unknown.any() else None
    unknown_found = (
        np.flatnonzero(unknown),
        [f"unknown unit {w[:60]!r} (use one of: {'; '.join(UNITS)}, or a short word)" for w in written[unknown]]
        if written is not None
        else [],
    )
    if ((given < 0) & percent).any():  # a % sign in the value gives the unit where no cell does
        choices = np.append(choices, "%") if "%" not in choices else choices
        given = np.where((given < 0) & percent, int(np.flatnonzero(choices == "%")[0]), given)
    rows = records["row"].to_numpy()
    settled, differs = checks.settle(
        rows,
        identity["key_codes"],
        identity["key_uniques"],
        np.where(identity["named"] & ~unknown, given, -1),
        choices,
        "unit",
    )
    specs = _spec_for_key(mapping)
    final = [getattr(specs.get(k), "unit", "") or settled.get(k, "") for k in identity["keys"]]
    final = np.asarray(final, dtype=object)
    units = final[identity["codes"]]
    missing = (final == "")[identity["codes"]] & identity["named"] & ~unknown
    missing[differs[0]] = False
    return units, checks.joined(unknown_found, differs, checks.found_where(missing, MISSING_UNIT)), bool(missing.any())


def _polarities(records: pd.DataFrame, identity: dict, mapping: Mapping) -> tuple[np.ndarray, checks.Found]:
    if not len(records):
        return np.array([], dtype=object), checks.NONE
    given, choices, unknown = checks.readings(records["polarity"], vocab.normal_polarity)
    where = np.flatnonzero(unknown)
    words = "; ".join(vocab.POLARITY_WORDS.values())
    written = checks.stripped(records["polarity"].iloc[where]) if len(where) else np.array([], dtype=object)
    unknown_found = (where, [f"unknown polarity {w[:60]!r} (use one of: {words})" for w in written])
    settled, differs = checks.settle(
        records["row"].to_numpy(),
        identity["key_codes"],
        identity["key_uniques"],
        np.where(identity["named"] & ~unknown, given, -1),
        choices,
        "polarity",
    )
    specs = _spec_for_key(mapping)
    final = {}
    for k in set(identity["keys"]):
        spec = specs.get(k)
        from_spec = getattr(spec, "polarity", "") if spec is not None else ""
        # A tidy spec's polarity is prefilled from the file; a wide one's from setting rows or the header.
        final[k] = (
            settled.get(k)
            if (mapping.layout == "tidy" and from_spec == "neutral" and k in settled)
            else (from_spec or settled.get(k) or "neutral")
        )
    polarity = np.asarray([final[k] for k in identity["keys"]], dtype=object)[identity["codes"]]
    return polarity, checks.joined(unknown_found, differs)


def _optional_number(cells: pd.Series, label: str, *, whole: bool) -> tuple[np.ndarray, checks.Found]:
    blank = checks.blank(cells)
    if blank.all():  # an optional column the file does not have
        return np.full(len(cells), np.nan), checks.NONE
    values, _, readable = checks.numbers(cells)
    unreadable = checks.value_problems(cells, readable, label)
    keep = ~blank[unreadable[0]]
    unreadable = unreadable[0][keep], unreadable[1][keep]
    wrong = checks.NONE
    if whole:
        bad = ~blank & readable & ((values <= 0) | (np.mod(np.nan_to_num(values), 1) != 0) | (values > 1e10))
        wrong = checks.found_where(bad, f"{label} must be a positive whole number")
    dropped = blank.copy()
    dropped[unreadable[0]] = True
    dropped[wrong[0]] = True
    return np.where(dropped, np.nan, values), checks.joined(unreadable, wrong)


def _duplicates(records: pd.DataFrame, code, measure, period, ok: np.ndarray) -> checks.Found:
    """Later repeats of footprint x measure x period among otherwise good records, naming the first row."""
    if not ok.any():
        return checks.NONE
    # The parts are already small integer codes (0..n-1), so they combine into one int64 key with no hashing.
    key = np.zeros(int(ok.sum()), dtype=np.int64)
    for part in (code[ok], measure[ok], period[ok]):
        key = key * (int(part.max()) + 1) + part
    if int(key.max()) < 8 * len(key) and np.bincount(key).max() < 2:  # every key once: no hashing needed
        return checks.NONE
    repeated = pd.Series(key).duplicated().to_numpy()
    if not repeated.any():
        return checks.NONE
    rows = records["row"].to_numpy()[ok]
    first = pd.Series(rows).groupby(key, sort=False).transform("first").to_numpy()
    where = np.flatnonzero(ok)[repeated]
    return where, np.asarray(
        [f"duplicate footprint, measure and period: row {r} already gives it" for r in first[repeated]], dtype=object
    )
