"""Compare: a footprint beside its peers, the way the NHS compares areas (Fingertips' spine charts, Model
Hospital's peer groups). Pure: no Streamlit, no figures.

- `parse_compare_param`: ?stp=A,B,C read safely (2 to 6 footprints, order kept, a notice for anything dropped).
- `peer_group`: a footprint's region, July 2017 rating group, nearest in population or ICS wave, at most 6, the
  chosen footprint first, with a sentence saying how the group was formed.
- `spine_rows`: one row per catalogue measure at its latest period (gauge_specs' rule): England, the spread of all
  footprints, and each compared footprint's value and whether it is better or worse than England.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from settings import UNRANKED_THEMES
from stp_data import ae_progress as ae
from stp_data.metrics import THEMES, gauge_specs, shows_gauge

MIN_FOOTPRINTS = 2  # a comparison needs two
MAX_FOOTPRINTS = 6  # six markers keep six distinct shapes and colours, and fit a legend on one laptop screen
MAX_ITEMS_READ = 50  # a link with more items than this is cut short before it is read at all
_SAFE_TO_ECHO = re.compile(r"^[A-Za-z0-9]{1,12}$")  # only short code-like text is repeated back on the page
MAX_ECHOED = 5


@dataclass(frozen=True)
class CompareChoice:
    """The footprints a link asks to compare (valid, in the link's order, at most 6) and why anything was dropped."""

    codes: tuple[str, ...]
    notice: str | None = None

    @property
    def ready(self) -> bool:
        return len(self.codes) >= MIN_FOOTPRINTS


def _shown(items: Sequence[str]) -> str:
    """'“E54000099”, “X”' for short code-like items, or 'N value(s) in this link' when any is not."""
    unique = list(dict.fromkeys(items))
    safe = [f"“{item}”" for item in unique if _SAFE_TO_ECHO.match(item)][:MAX_ECHOED]
    rest = len(unique) - len(safe)
    if not safe:
        return f"{rest} value{'s' if rest != 1 else ''} in this link"
    return ", ".join(safe) + (f" and {rest} other value{'s' if rest != 1 else ''}" if rest else "")


def parse_compare_param(raw: object, known_codes: Collection[str]) -> CompareChoice:
    """?stp=A,B,C read safely: known footprint codes in the link's order, repeats and unknown codes dropped, at
    most six kept; a notice for whatever was dropped or missing, never an error."""
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else None
    if raw is None or not str(raw).strip():
        return CompareChoice(())
    items = [item.strip().upper() for item in str(raw).split(",") if item.strip()]
    read, skipped = items[:MAX_ITEMS_READ], len(items) - MAX_ITEMS_READ
    kept: list[str] = []
    unknown: list[str] = []
    repeated: list[str] = []
    for item in read:
        if item not in known_codes:
            unknown.append(item)
        elif item in kept:
            repeated.append(item)
        else:
            kept.append(item)
    notes = []
    if unknown:
        notes.append(f"Ignored {_shown(unknown)}: not one of the 44 STP footprint codes (E54 and six digits).")
    if repeated:
        notes.append(f"{_shown(repeated)} appeared more than once: shown once.")
    if skipped > 0:
        notes.append(f"Only the first {MAX_ITEMS_READ} values of this link were read.")
    if len(kept) > MAX_FOOTPRINTS:
        notes.append(
            f"{len(kept)} footprints asked for; a comparison shows at most {MAX_FOOTPRINTS}: the first "
            f"{MAX_FOOTPRINTS} are shown."
        )
        kept = kept[:MAX_FOOTPRINTS]
    if len(kept) < MIN_FOOTPRINTS:
        notes.append(
            f"A comparison needs {MIN_FOOTPRINTS} to {MAX_FOOTPRINTS} footprints"
            + (f"; this link has {len(kept)}." if kept else "; this link has none that is known.")
            + " Choose more below, or start from a peer group."
        )
    return CompareChoice(tuple(kept), " ".join(notes) or None)


def format_compare_param(codes: Sequence[str]) -> str:
    return ",".join(codes)


# ---------------------------------------------------------------- peer groups

REGION, RATING, POPULATION, WAVE = "region", "rating", "population", "wave"
PEER_KINDS = {
    REGION: "Same NHS England region (2018)",
    RATING: "Same July 2017 rating group",
    POPULATION: "Nearest in population",
    WAVE: "Same ICS wave",
}


@dataclass(frozen=True)
class PeerGroup:
    """Up to six footprints, the chosen one first, and how the group was formed (a sentence for a caption)."""

    codes: tuple[str, ...]
    how_formed: str


def _by_closeness(profiles: pd.DataFrame, code: str, members: Collection[str]) -> list[str]:
    """`members` nearest in population to `code` first (ties by code), `code` itself first of all."""
    population = profiles.set_index("code")["population"].astype(float)
    own = population[code]
    others = [c for c in members if c != code]
    others.sort(key=lambda c: (abs(population[c] - own), c))
    return [code, *others]


def _capped(profiles: pd.DataFrame, code: str, members: list[str], where: str, how: str) -> PeerGroup:
    ordered = _by_closeness(profiles, code, members)
    if len(ordered) > MAX_FOOTPRINTS:
        how += (
            f" {len(ordered)} footprints {where}; the {MAX_FOOTPRINTS - 1} closest in population to it shown beside it."
        )
        ordered = ordered[:MAX_FOOTPRINTS]
    elif len(ordered) == 1:
        how += f" No other footprint is {where}."
    else:
        how += f" {len(ordered)} footprints {where}, nearest in population first."
    return PeerGroup(tuple(ordered), how)


def peer_group(profiles: pd.DataFrame, code: str, kind: str, waves: Mapping[str, str] | None = None) -> PeerGroup:
    """The chosen footprint and its peers of one kind (PEER_KINDS), at most six, the chosen one first.

    `waves`: code -> ICS wave (ae_progress.ics_waves(profiles)); computed from the profiles when not given.
    """
    p = profiles.set_index("code")
    if code not in p.index:
        raise KeyError(code)
    name = p.at[code, "name"]
    if kind == REGION:
        region = p.at[code, "region_2018"]
        if isinstance(region, str) and region:
            members = p.index[p["region_2018"] == region].tolist()
            how = f"NHS England region (2018): {region}."
            return _capped(profiles, code, members, "in the region", how)
        region = p.at[code, "region_2016"]
        members = p.index[p["region_2016"] == region].tolist()
        how = (
            f"{name} has no 2018 region (merged into Cumbria and North East in 2018): its 2016 region, {region}, "
            "is used."
        )
        return _capped(profiles, code, members, "in that 2016 region", how)
    if kind == RATING:
        groups = ae.rating_groups(profiles)
        group = groups[code]
        members = [c for c in profiles["code"] if groups[c] == group]
        how = f"July 2017 rating group: {group} (NHS England STP progress dashboard as reported)."
        return _capped(profiles, code, members, "in this rating group", how)
    if kind == POPULATION:
        ordered = _by_closeness(profiles, code, profiles["code"].tolist())[:MAX_FOOTPRINTS]
        how = (
            f"The {MAX_FOOTPRINTS - 1} footprints closest in population to {name} "
            "(ONS mid-2018 estimates), nearest first."
        )
        return PeerGroup(tuple(ordered), how)
    if kind == WAVE:
        waves = dict(waves) if waves is not None else ae.ics_waves(profiles)
        wave = waves[code]
        members = [c for c in profiles["code"] if waves.get(c) == wave]
        how = f"ICS wave: {wave} (the year the whole footprint first became an integrated care system)."
        return _capped(profiles, code, members, "in this wave", how)
    raise ValueError(f"unknown peer group kind {kind!r}: one of {', '.join(PEER_KINDS)}")


def recognised_group(
    profiles: pd.DataFrame, codes: Sequence[str], waves: Mapping[str, str] | None = None
) -> PeerGroup | None:
    """The peer group these codes are, exactly and in order (a link from a footprint page or the peer-group
    button), so the page can say how it was formed; None for a hand-picked set."""
    codes = tuple(codes)
    if not codes or codes[0] not in set(profiles["code"]):
        return None
    for kind in PEER_KINDS:
        group = peer_group(profiles, codes[0], kind, waves)
        if group.codes == codes:
            return group
    return None


# ---------------------------------------------------------------- spine rows

BETTER, WORSE, SAME, HIGHER, LOWER = "better", "worse", "same", "higher", "lower"
NOT_PUBLISHED = "not published"
NOT_RANKED = "not ranked: figures are not on one basis"
CENTRE_ENGLAND = "England"
CENTRE_MEDIAN = "median of footprints (no England figure)"
SPINE_COLUMNS = [
    "measure",
    "theme",
    "name",
    "short_name",
    "unit",
    "polarity",
    "decimals",
    "period",
    "period_label",
    "ranked",
    "england",
    "centre",
    "centre_label",
    "n",
    "areas",
    "minimum",
    "q1",
    "median",
    "q3",
    "maximum",
    "source",
    "values",
    "verdicts",
]


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def period_label(period: object) -> str:
    """'2026-02' -> 'Feb 2026', '2019-W09' -> 'week 9, 2019'; any other period as written."""
    text = str(period)
    if _MONTH.match(text):
        return ae.month_label(text)
    if found := _WEEK.match(text):
        return f"week {int(found.group(2))}, {found.group(1)}"
    return text


def verdict(value: float | None, england: float | None, polarity: str) -> str:
    """Better / worse than England by the measure's polarity; higher / lower when it has none; 'not published'."""
    if value is None or pd.isna(value):
        return NOT_PUBLISHED
    if england is None or pd.isna(england):
        return ""
    if value == england:
        return SAME
    above = value > england
    if polarity == "higher_is_better":
        return BETTER if above else WORSE
    if polarity == "lower_is_better":
        return WORSE if above else BETTER
    return HIGHER if above else LOWER


def spine_rows(metrics: pd.DataFrame, catalogue: pd.DataFrame, codes: Sequence[str], areas: int = 44) -> pd.DataFrame:
    """One row per catalogue measure that shows a gauge, at its latest period (gauge_specs' rule), in theme order:
    England (None when the measure has none), the centre line (England, or the footprints' median when there is
    no England figure), the spread of all footprints, and `values` / `verdicts`: a tuple per row, one entry per
    code in `codes` (None / 'not published' where the footprint has no figure). Finance-like themes
    (settings.UNRANKED_THEMES) are returned with ranked = False: never placed on a scale."""
    rows = []
    present = set(catalogue.loc[shows_gauge(catalogue), "theme"])
    themes = [t for t in THEMES if t in present and t not in UNRANKED_THEMES]
    themes += [t for t in present if t not in themes and t not in UNRANKED_THEMES]
    themes += [t for t in THEMES if t in present and t in UNRANKED_THEMES]
    measured = set(metrics["measure"].unique())
    for theme in themes:
        wanted = catalogue.loc[(catalogue["theme"] == theme) & shows_gauge(catalogue), "measure"]
        if not set(wanted) & measured:
            continue
        per_code = [gauge_specs(metrics, catalogue, code, theme, areas=areas) for code in codes]
        first = per_code[0] if per_code else []
        for i, spec in enumerate(first):
            if spec.spread is None:  # no footprint has a figure: nothing to draw
                continue
            values = tuple(specs[i].value for specs in per_code)
            centre = spec.england if spec.england is not None else spec.spread.median
            rows.append(
                {
                    "measure": spec.measure,
                    "theme": theme,
                    "name": spec.name,
                    "short_name": spec.short_name,
                    "unit": spec.unit,
                    "polarity": spec.polarity,
                    "decimals": spec.decimals,
                    "period": spec.period,
                    "period_label": period_label(spec.period),
                    "ranked": theme not in UNRANKED_THEMES,
                    "england": spec.england,
                    "centre": centre,
                    "centre_label": CENTRE_ENGLAND if spec.england is not None else CENTRE_MEDIAN,
                    "n": spec.spread.n,
                    "areas": spec.areas,
                    "minimum": spec.spread.minimum,
                    "q1": spec.spread.q1,
                    "median": spec.spread.median,
                    "q3": spec.spread.q3,
                    "maximum": spec.spread.maximum,
                    "source": spec.source,
                    "values": values,
                    "verdicts": tuple(verdict(v, spec.england, spec.polarity) for v in values),
                }
            )
    return pd.DataFrame(rows, columns=SPINE_COLUMNS)


def spine_position(value: float, row: Mapping) -> float:
    """Where a value sits on its row: -1 … 1 with the centre line (England) at 0, scaled to the row's own spread
    (the farther of lowest and highest from England is 1), and flipped for lower-is-better measures so that right
    is always better (Fingertips' convention). A neutral measure keeps higher to the right."""
    centre = float(row["centre"])
    half = max(abs(float(row["minimum"]) - centre), abs(float(row["maximum"]) - centre), abs(value - centre))
    if half == 0:
        return 0.0
    position = (value - centre) / half
    return -position if row["polarity"] == "lower_is_better" else position


def spine_table(rows: pd.DataFrame, codes: Sequence[str], names: Mapping[str, str]) -> pd.DataFrame:
    """The spine chart as a table: one row per measure, England and the spread, each footprint's value with its
    verdict ('58.4 (worse)'), finance rows marked not ranked."""
    out = []
    for row in rows.itertuples(index=False):
        fmt = f",.{int(row.decimals)}f"
        record = {
            "Measure": row.short_name,
            "Unit": row.unit,
            "Period": row.period_label,
            "England": None if row.england is None or pd.isna(row.england) else round(float(row.england), 2),
            "Lowest": round(float(row.minimum), 2),
            "Middle half from": round(float(row.q1), 2) if row.ranked else None,
            "Middle half to": round(float(row.q3), 2) if row.ranked else None,
            "Highest": round(float(row.maximum), 2),
            "Footprints with a figure": f"{row.n} of {row.areas}",
        }
        for code, value, said in zip(codes, row.values, row.verdicts, strict=True):
            if value is None:
                text = NOT_PUBLISHED
            else:
                text = format(value, fmt)
                judged = NOT_RANKED if not row.ranked else (f"{said} than England" if said in _COMPARED else said)
                text += f" ({judged})" if judged else ""
            record[names.get(code, code)] = text
        record["Source"] = row.source
        out.append(record)
    return pd.DataFrame(out)


_COMPARED = (BETTER, WORSE, HIGHER, LOWER)


# ---------------------------------------------------------------- side by side


def header_table(profiles: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Who is compared: name, code, region (2018, or 2016 where merged), population, July 2017 rating, ICS from."""
    p = profiles.set_index("code")
    rows = []
    for code in codes:
        r = p.loc[code]
        region = r["region_2018"] if isinstance(r["region_2018"], str) else f"{r['region_2016']} (2016 region)"
        rating = r["rating"] if isinstance(r["rating"], str) else "Middle: rating not published"
        label = r.get("ics_label")
        ics = label if isinstance(label, str) and label else "Jul 2022 (statutory)"
        if isinstance(label, str) and label and r.get("ics_basis") == "inferred":
            ics += " (inferred)"
        rows.append(
            {
                "Footprint": r["name"],
                "Code": code,
                "Region": region,
                "Population (mid-2018)": int(r["population"]),
                "July 2017 rating": rating,
                "ICS from": ics,
            }
        )
    return pd.DataFrame(rows)


def footprint_trends(metrics: pd.DataFrame, measure: str, codes: Sequence[str]) -> pd.DataFrame:
    """Each footprint's monthly values on every month the measure has (code, period, period_end, value): a month
    with no figure for a footprint is a row with no value (a gap, never filled or joined)."""
    rows = metrics.loc[metrics["measure"] == measure, ["code", "period", "period_end", "value"]]
    months = rows[["period", "period_end"]].drop_duplicates("period").sort_values(["period_end", "period"])
    grid = pd.MultiIndex.from_product([list(codes), months["period"]], names=["code", "period"])
    out = rows.set_index(["code", "period"])["value"].reindex(grid).reset_index()
    out["period_end"] = out["period"].map(dict(zip(months["period"], months["period_end"], strict=True)))
    return out[["code", "period", "period_end", "value"]]
