"""One row per footprint: everything the pages show about it, each with its source."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from stp_data import journey
from stp_data.loading import Bundle
from stp_data.ratings import rating_group

NOT_PUBLISHED = "Not published"

# Domain names as listed by the Cumbria Neurological Alliance blog (not NHS England's wording).
DOMAINS = {
    "domain_emergency_care": "Emergency care",
    "domain_elective_care": "Elective care",
    "domain_3_hospital_performance": "Domain iii (hospital performance)",
    "domain_cancer": "Cancer",
    "domain_mental_health": "Mental health",
    "domain_general_practice": "General practice",
    "domain_prevention": "Prevention",
    "domain_finance": "Finance",
    "domain_system_leadership": "System leadership",
}


def footprint_profiles(bundle: Bundle) -> pd.DataFrame:
    """Join every per-footprint table on the ONS code."""
    fp = bundle.footprints
    profiles = pd.DataFrame(
        {
            "code": fp["stp17cd"],
            "name": fp["stp_name"],
            "region_2016": fp["nhse_region_2016"],
            "region_2018": fp["nhser18nm"],
            "lead": fp["stp_lead_2016"],
            "lead_org": fp["stp_lead_org_2016"],
            "lead_source": fp["lead_source"],
        }
    )
    profiles["region"] = profiles["region_2018"].fillna(
        profiles["region_2016"].map(lambda r: f"{r} (2016 region)", na_action="ignore")
    )
    ratings = bundle.ratings.rename(
        columns={"stp17cd": "code", "overall_rating_2017": "rating", "source": "rating_source", "notes": "rating_notes"}
    )
    profiles = profiles.merge(ratings[["code", "rating", "rating_source", "rating_notes"]], on="code", how="left")
    population = bundle.population.rename(columns={"stp17cd": "code", "population_mid2018": "population"})
    profiles = profiles.merge(population[["code", "population"]], on="code", how="left")
    capital_codes = set(bundle.capital["stp17cd"])
    profiles["in_capital_325m"] = profiles["code"].isin(capital_codes)
    profiles["rating_group"] = profiles["rating"].map(rating_group)
    paths = journey.journeys(designations(bundle), profiles).set_index("code")
    for column in ("first_label", "first_partial", "ics_label", "ics_date", "ics_basis", "merged_into"):
        profiles[column] = profiles["code"].map(paths[column])
    profiles["care_system"] = profiles["code"].map({code: _care_system_text(row) for code, row in paths.iterrows()})
    return profiles


def designations(bundle: Bundle) -> pd.DataFrame:
    """The ACS/ICS designations table (loaded and validated with the bundle)."""
    return bundle.designations


def _care_system_text(path: pd.Series) -> str:
    """One line for tables: when the footprint was first designated and when the whole of it became an ICS.

    Keeps the words 'part of footprint' for partial first designations (pages test for them)."""
    if not path["first_label"]:
        return ""
    if path["first_partial"]:
        text = f"Partly designated {path['first_label']} (part of footprint: {path['first_area']})"
        if path["ics_label"]:
            return f"{text}; whole footprint ICS {path['ics_label']}"
        return f"{text}; whole-footprint ICS date not found"
    extras = [e for e in (path["ics_via"], _basis_words(path["ics_basis"])) if e]
    stage = _STAGE_WORDS.get(path["ics_stage"], "ICS from")
    return f"{stage} {path['ics_label']}" + (f" ({'; '.join(extras)})" if extras else "")


_STAGE_WORDS = {"devolution": "Devolution area from", "shadow ACS": "Shadow ACS from", "ICS": "ICS from"}


def _basis_words(basis: str) -> str:
    return "inferred by elimination" if basis == journey.INFERRED else ""


# The A&E type-1 4-hour figure over a year: the sums of its counts (never an average of monthly percentages).
AE_WITHIN, AE_REPORTED = "ae_type1_within4hr", "ae_type1_attendances_4hr_reported"
FIRST_YEAR = ("2016-04", "2017-03", "2016/17", "Apr 2016 – Mar 2017")


@dataclass(frozen=True)
class FootprintDetail:
    profile: pd.Series
    domains: pd.DataFrame
    designations: pd.DataFrame
    capital: pd.DataFrame
    ae_years: pd.DataFrame = field(default_factory=pd.DataFrame)  # A&E 4-hour %, first year and latest 12 months

    @property
    def domains_published(self) -> pd.DataFrame:
        """Only the domains a public source gives a result for (most footprints: none)."""
        return self.domains.loc[self.domains["Result"] != NOT_PUBLISHED].reset_index(drop=True)

    @property
    def domains_sentence(self) -> str:
        """One sentence for the domain results, instead of nine rows that say 'Not published'."""
        shown = len(self.domains_published)
        if shown == 0:
            return f"No public source gives this footprint's results in any of the {len(self.domains)} domains."
        rest = len(self.domains) - shown
        total = len(self.domains)
        return f"A public source gives {shown} of the {total} domain results; the other {rest} are not published."


def ae_years(metrics: pd.DataFrame, code: str) -> pd.DataFrame:
    """A&E type-1 4-hour % for 2016/17 and the latest 12 months: the footprint's and England's, from summed counts.

    Columns: years (a short label), span (its months), footprint, england, months (the footprint's months with a
    4-hour figure). Empty when the counts are not in the metrics (a user's boundaries with other codes, say)."""
    counts = metrics.loc[metrics["measure"].isin([AE_WITHIN, AE_REPORTED]), ["code", "measure", "period", "value"]]
    if counts.empty:
        return pd.DataFrame(columns=["years", "span", "footprint", "england", "months"])
    months = sorted(counts["period"].unique())
    last = months[-1]
    start = months[-12] if len(months) >= 12 else months[0]
    latest = (start, last, "Latest 12 months", f"{_month_label(start)} – {_month_label(last)}")
    rows = []
    for first, final, label, span in (FIRST_YEAR, latest):
        window = counts.loc[counts["period"].between(first, final)]
        mine = window.loc[window["code"] == code]
        rows.append(
            {
                "years": label,
                "span": span,
                "footprint": _percent(mine),
                "england": _percent(window),
                "months": int(mine.loc[mine["measure"] == AE_REPORTED, "period"].nunique()),
            }
        )
    return pd.DataFrame(rows)


def _percent(rows: pd.DataFrame) -> float | None:
    within = rows.loc[rows["measure"] == AE_WITHIN, "value"].sum()
    reported = rows.loc[rows["measure"] == AE_REPORTED, "value"].sum()
    return None if not reported else 100.0 * float(within) / float(reported)


def _month_label(period: str) -> str:
    return pd.Period(period, freq="M").strftime("%b %Y")


def footprint_detail(bundle: Bundle, profiles: pd.DataFrame, code: str) -> FootprintDetail:
    """Everything about one footprint; raises KeyError for an unknown code."""
    match = profiles.loc[profiles["code"] == code]
    if match.empty:
        raise KeyError(code)
    rating_row = bundle.ratings.loc[bundle.ratings["stp17cd"] == code].iloc[0]
    domains = pd.DataFrame(
        {
            "Domain": list(DOMAINS.values()),
            "Result": [rating_row[col] if pd.notna(rating_row[col]) else NOT_PUBLISHED for col in DOMAINS],
        }
    )
    capital = bundle.capital.loc[
        bundle.capital["stp17cd"] == code, ["scheme_and_amount_as_reported", "amount_source", "list_source"]
    ]
    return FootprintDetail(
        match.iloc[0],
        domains,
        _designation_rows(designations(bundle), match.iloc[0]),
        capital.reset_index(drop=True),
        ae_years(bundle.metrics, code),
    )


def _designation_rows(table: pd.DataFrame, profile: pd.Series) -> pd.DataFrame:
    """The footprint's milestones in the columns the footprint page reads, plus basis, partial and precision."""
    steps = journey.footprint_milestones(table, profile["code"])
    return pd.DataFrame(
        {
            "wave": steps["milestone"],
            "announced": steps["date_label"],
            "area_as_named_in_source": [
                area or named or profile["name"] for area, named in zip(steps["area"], steps["as_named"], strict=True)
            ],
            "source": steps["source"],
            "basis": steps["basis"],
            "partial": steps["partial"],
            "precision": steps["precision"],
            "kind": steps["kind"],
            "notes": steps["notes"],
        }
    )
