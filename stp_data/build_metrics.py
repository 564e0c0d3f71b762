"""Transcribe the workforce and finance reference files into the project's tidy metric tables.

Usage: python -m stp_data.build_metrics PATH/TO/shared/reference-data

Writes stp_data/data/metrics_*.csv in one layout (code, measure, period, period_end, value,
population, source). Recorded in stp_data/data/PROVENANCE.md; run once, output committed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).parent / "data"
COLUMNS = ["code", "measure", "period", "period_end", "value", "population", "source"]
GP_MEASURES = {
    "GP_HC_100k": "gp_headcount_per100k",
    "GP_FTE_100k": "gp_fte_per100k",
    "NURSE_FTE_100k": "nurse_fte_per100k",
    "DPC_FTE_100k": "dpc_fte_per100k",
    "ADMIN_FTE_100k": "admin_fte_per100k",
}
ACUTE_MEASURES = {
    "acute_trust_fte_all_staff": "acute_fte_all_per100k",
    "acute_trust_fte_hchs_doctors": "acute_fte_doctors_per100k",
    "acute_trust_fte_nurses_health_visitors": "acute_fte_nurses_per100k",
    "acute_trust_fte_midwives": "acute_fte_midwives_per100k",
}
GP_SOURCE = (
    "NHS Digital General Practice Workforce (September), aggregated to CCGs with imputation of missing practice "
    "returns by miqdadasaria/primary_care @c12822c1, summed to 2017 footprints"
)


YEAR = re.compile(r"(\d{4})")


def september_end(label: str) -> str:
    return YEAR.search(label).group(1) + "-09-30"


def financial_year_end(label: str) -> str:
    """'2020/21' -> '2021-03-31'; a label without a year range keeps its first year's end of March."""
    found = re.search(r"(\d{4})/(\d{2})", label)
    if found:
        return f"{int(found.group(1)) + 1}-03-31"
    return YEAR.search(label).group(1) + "-03-31"


def build_gp(reference: Path) -> pd.DataFrame:
    raw = pd.read_csv(reference / "workforce/gp_workforce_stp17.csv", dtype={"stp17cd": str})
    unknown = set(raw["measure"]) - set(GP_MEASURES)
    if unknown:
        raise ValueError(f"unexpected GP measures: {unknown}")
    return pd.DataFrame(
        {
            "code": raw["stp17cd"],
            "measure": raw["measure"].map(GP_MEASURES),
            "period": raw["period"],
            "period_end": raw["period"].map(september_end),
            "value": raw["value"],
            "population": raw["population_used"],
            "source": GP_SOURCE,
        }
    )


def build_acute(reference: Path) -> pd.DataFrame:
    raw = pd.read_csv(reference / "workforce/acute_trust_fte_by_stp_2017_2018.csv", dtype={"stp_code": str})
    raw = raw[raw["measure"].isin(ACUTE_MEASURES)]
    population = pd.read_csv(reference / "footprints/population_mid2018_stp17.csv", dtype={"stp17cd": str})
    raw = raw.merge(population[["stp17cd", "population_mid2018"]], left_on="stp_code", right_on="stp17cd")
    dates = pd.to_datetime(raw["period"])
    return pd.DataFrame(
        {
            "code": raw["stp_code"],
            "measure": raw["measure"].map(ACUTE_MEASURES),
            "period": dates.dt.strftime("%B %Y"),
            "period_end": raw["period"],
            # Derived here: FTE per 100,000 people, denominator ONS mid-2018 population for both dates.
            "value": (raw["value"] / raw["population_mid2018"] * 100_000).round(2),
            "population": raw["population_mid2018"],
            "source": raw["source"].str.replace(" - see PROVENANCE.md", "", regex=False)
            + "; FTE "
            + raw["value"].map("{:,.1f}".format)
            + " / ONS mid-2018 population x 100,000",
        }
    )


def build_finance(reference: Path) -> pd.DataFrame:
    raw = pd.read_csv(reference / "finance/stp_finance_2016_2019.csv", dtype={"stp_code": str})
    # Rows citing "same as …"/"same source" repeat the source of the footprint's first row.
    first_source = raw.groupby("stp_code")["source"].transform("first")
    shorthand = raw["source"].str.lower().str.startswith("same")
    quoted = raw["source"].str.extract(r'("[^"]+")', expand=False)
    url_with_quote = first_source.str.split(" \\(").str[0] + " (same source: " + quoted + ")"
    source = raw["source"].where(~shorthand, url_with_quote.fillna(first_source))
    return pd.DataFrame(
        {
            "code": raw["stp_code"],
            "measure": raw["measure"],
            "period": raw["period"],
            "period_end": raw["period"].map(financial_year_end),
            "value": raw["value"],
            "population": pd.NA,
            "source": source.str.strip(),
        }
    )


def main(reference: str) -> None:
    root = Path(reference)
    for name, frame in {
        "metrics_gp_workforce.csv": build_gp(root),
        "metrics_acute_workforce.csv": build_acute(root),
        "metrics_finance.csv": build_finance(root),
    }.items():
        frame[COLUMNS].to_csv(OUT / name, index=False)
        print(f"{name}: {len(frame)} rows, {frame['measure'].nunique()} measures, {frame['code'].nunique()} footprints")


if __name__ == "__main__":
    main(sys.argv[1])
