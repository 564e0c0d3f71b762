"""Load and validate the bundled tables: the one way in for data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from stp_data import schemas
from stp_data.emergency import load_flags
from stp_data.errors import DataValidationError, Problem
from stp_data.journey import load_designations
from stp_data.metrics import load_catalogue, load_metrics, shows_gauge
from stp_data.tables import MAX_TABLE_BYTES, read_table  # noqa: F401  (MAX_TABLE_BYTES: re-exported)

DATA_DIR = Path(__file__).parent / "data"

FOOTPRINTS = "footprints.csv"
RATINGS = "ratings_2017.csv"
POPULATION = "population_mid2018.csv"
ICS_WAVES = "ics_waves.csv"
CAPITAL = "capital_325m_july2017.csv"
DISTRIBUTION = "rating_distribution_2017.csv"
SOURCES = "sources.csv"


@dataclass(frozen=True)
class Bundle:
    """Every validated table the dashboard shows."""

    footprints: pd.DataFrame
    ratings: pd.DataFrame
    population: pd.DataFrame
    ics_waves: pd.DataFrame
    capital: pd.DataFrame
    distribution: pd.DataFrame
    sources: pd.DataFrame
    measures: pd.DataFrame
    metrics: pd.DataFrame
    flags: pd.DataFrame  # periods of a measure with a missing or partial trust return (never filled)
    designations: pd.DataFrame  # every footprint's path to integrated care system, 2017-2022

    @property
    def codes(self) -> list[str]:
        return self.footprints["stp17cd"].tolist()

    @cached_property
    def measures_with_data(self) -> frozenset[str]:
        """Measures with at least one row of values. Computed once per bundle: `isin` against the tidy metrics
        column on every page run was half of a footprint page's server time."""
        return frozenset(self.metrics["measure"].unique())

    @cached_property
    def measure_rows(self) -> dict[str, pd.Series]:
        """Each catalogue row by its measure id, looked up once: a set_index and .loc per lookup was ~2 ms of a
        page run. Read-only."""
        return {measure: row for measure, row in self.measures.set_index("measure").iterrows()}

    @cached_property
    def charted_by_theme(self) -> dict[str, dict[str, str]]:
        """Measure id -> name by theme, in catalogue order, of the measures that get a gauge and have data."""
        shown = self.measures.loc[shows_gauge(self.measures) & self.measures["measure"].isin(self.measures_with_data)]
        return {
            str(theme): dict(zip(rows["measure"], rows["name"], strict=True))
            for theme, rows in shown.groupby("theme", sort=False)
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every bundled table by its id in sources.csv (each metrics file by its name without .csv)."""
        tables = {
            "footprints": self.footprints,
            "ratings_2017": self.ratings,
            "population_mid2018": self.population,
            "ics_waves": self.ics_waves,
            "capital_325m_july2017": self.capital,
            "rating_distribution_2017": self.distribution,
            "measures": self.measures,
            "emergency_care_flags": self.flags,
            "ics_designations": self.designations,
        }
        for file, measures in self.measures.groupby("file")["measure"]:
            tables[file.removesuffix(".csv")] = self.metrics[self.metrics["measure"].isin(measures)]
        return tables


def load_table(data_dir: Path, file: str, schema: pa.DataFrameSchema) -> pd.DataFrame:
    return schemas.validate(read_table(data_dir / file), schema, file)


def load_bundle(data_dir: Path = DATA_DIR) -> Bundle:
    """Load every bundled table, validating each against the footprint list."""
    footprints = load_table(data_dir, FOOTPRINTS, schemas.footprints_schema())
    codes = footprints["stp17cd"].tolist()
    by_codes: dict[str, Callable[[list[str]], pa.DataFrameSchema]] = {
        RATINGS: schemas.ratings_schema,
        POPULATION: schemas.population_schema,
        ICS_WAVES: schemas.ics_waves_schema,
        CAPITAL: schemas.capital_schema,
    }
    tables = {file: load_table(data_dir, file, make(codes)) for file, make in by_codes.items()}
    measures = load_catalogue(data_dir)
    _require_every_footprint(tables[RATINGS], RATINGS, codes)
    _require_every_footprint(tables[POPULATION], POPULATION, codes)
    return Bundle(
        footprints=footprints,
        ratings=tables[RATINGS],
        population=tables[POPULATION],
        ics_waves=tables[ICS_WAVES],
        capital=_resolve_same_as_above(tables[CAPITAL], "list_source"),
        distribution=load_table(data_dir, DISTRIBUTION, schemas.distribution_schema()),
        sources=load_table(data_dir, SOURCES, schemas.sources_schema()),
        measures=measures,
        metrics=load_metrics(data_dir, measures, codes),
        flags=load_flags(data_dir, codes, measures["measure"]),
        designations=load_designations(data_dir, codes),
    )


def _require_every_footprint(table: pd.DataFrame, file: str, codes: list[str]) -> None:
    """Tables keyed one row per footprint must have all of them: a gap is a bug, not 'not published'."""
    missing = sorted(set(codes) - set(table["stp17cd"]))
    if missing:
        raise DataValidationError([Problem(file, None, "stp17cd", f"no row for footprint {code}") for code in missing])


def _resolve_same_as_above(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The capital list cites the written statement once and says 'same as above' after."""
    resolved = table.copy()
    resolved[column] = resolved[column].mask(resolved[column].str.lower() == "same as above").ffill()
    return resolved
