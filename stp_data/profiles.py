"""One row per footprint: everything the pages show about it, each with its source."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from stp_data.loading import Bundle
from stp_data.ratings import rating_group

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
    profiles["care_system"] = profiles["code"].map(_first_designation(bundle.ics_waves))
    profiles["rating_group"] = profiles["rating"].map(rating_group)
    return profiles


def _first_designation(ics_waves: pd.DataFrame) -> dict[str, str]:
    first = ics_waves.dropna(subset=["stp17cd"]).sort_values("announced").drop_duplicates("stp17cd")
    return {
        row.stp17cd: f"{row.wave}, {row.announced}" + (" (part of footprint)" if row.partial_footprint == "yes" else "")
        for row in first.itertuples()
    }


@dataclass(frozen=True)
class FootprintDetail:
    profile: pd.Series
    domains: pd.DataFrame
    designations: pd.DataFrame
    capital: pd.DataFrame


def footprint_detail(bundle: Bundle, profiles: pd.DataFrame, code: str) -> FootprintDetail:
    """Everything about one footprint; raises KeyError for an unknown code."""
    match = profiles.loc[profiles["code"] == code]
    if match.empty:
        raise KeyError(code)
    rating_row = bundle.ratings.loc[bundle.ratings["stp17cd"] == code].iloc[0]
    domains = pd.DataFrame(
        {
            "Domain": list(DOMAINS.values()),
            "Result": [rating_row[col] if pd.notna(rating_row[col]) else "Not published" for col in DOMAINS],
        }
    )
    designations = bundle.ics_waves.loc[
        bundle.ics_waves["stp17cd"] == code, ["wave", "announced", "area_as_named_in_source", "source"]
    ]
    capital = bundle.capital.loc[
        bundle.capital["stp17cd"] == code, ["scheme_and_amount_as_reported", "amount_source", "list_source"]
    ]
    return FootprintDetail(match.iloc[0], domains, designations.reset_index(drop=True), capital.reset_index(drop=True))
