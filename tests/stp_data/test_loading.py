"""stp_data: the shipped tables load, and each validation rule names file, row and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from stp_data.errors import DataValidationError
from stp_data.loading import DATA_DIR, MAX_TABLE_BYTES, load_bundle


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    for file in target.iterdir():
        file.chmod(0o644)
    return target


def edit(data_dir: Path, file: str, change) -> None:
    path = data_dir / file
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    changed = change(frame)
    (frame if changed is None else changed).to_csv(path, index=False)


def failure(data_dir: Path) -> DataValidationError:
    with pytest.raises(DataValidationError) as caught:
        load_bundle(data_dir)
    return caught.value


def test_shipped_tables_load_with_every_footprint():
    bundle = load_bundle()
    assert len(bundle.footprints) == 44
    assert bundle.footprints["stp17cd"].is_unique
    assert bundle.ratings["overall_rating_2017"].notna().sum() == 16
    assert int(bundle.population["population_mid2018"].sum()) == 55_977_178
    assert len(bundle.capital) == 15
    assert bundle.capital["list_source"].str.startswith("http").all(), "'same as above' must resolve to the statement"


def test_unknown_code_is_named(data_dir):
    edit(
        data_dir, "ratings_2017.csv", lambda f: f.__setitem__("stp17cd", f["stp17cd"].replace("E54000020", "E54000099"))
    )
    error = failure(data_dir)
    assert (error.file, error.row, error.column) == ("ratings_2017.csv", 17, "stp17cd")
    assert "not one of the 44 footprint codes" in str(error)


def test_malformed_code_is_named(data_dir):
    edit(data_dir, "population_mid2018.csv", lambda f: f.loc.__setitem__((3, "stp17cd"), "E5400008"))
    problems = failure(data_dir).problems
    assert any(p.row == 5 and p.column == "stp17cd" and "ONS STP code" in p.reason for p in problems)


def test_duplicate_footprint_is_named(data_dir):
    edit(data_dir, "population_mid2018.csv", lambda f: f.loc.__setitem__((1, "stp17cd"), "E54000005"))
    problems = failure(data_dir).problems
    assert {(p.row, p.column) for p in problems if "more than once" in p.reason} == {(2, "stp17cd"), (3, "stp17cd")}


def test_non_numeric_population_is_named(data_dir):
    edit(data_dir, "population_mid2018.csv", lambda f: f.loc.__setitem__((9, "population_mid2018"), "12x"))
    error = failure(data_dir)
    assert (error.file, error.row, error.column) == ("population_mid2018.csv", 11, "population_mid2018")
    assert "not a whole number" in str(error)


def test_unknown_rating_word_is_named(data_dir):
    edit(data_dir, "ratings_2017.csv", lambda f: f.loc.__setitem__((4, "overall_rating_2017"), "Good"))
    error = failure(data_dir)
    assert (error.row, error.column) == (6, "overall_rating_2017")
    assert "must be one of: Outstanding" in str(error)


def test_rating_without_source_is_rejected(data_dir):
    edit(data_dir, "ratings_2017.csv", lambda f: f.loc.__setitem__((0, "source"), ""))
    error = failure(data_dir)
    assert (error.file, error.row, error.column) == ("ratings_2017.csv", 2, "overall_rating_2017")
    assert "gives no source" in str(error)


def test_missing_required_column_is_named(data_dir):
    edit(data_dir, "footprints.csv", lambda f: f.drop(columns=["stp_name"]))
    error = failure(data_dir)
    assert (error.file, error.row, error.column) == ("footprints.csv", None, "stp_name")
    assert "required column is missing" in str(error)


def test_missing_footprint_row_is_reported(data_dir):
    edit(data_dir, "population_mid2018.csv", lambda f: f.drop(index=[43]))
    error = failure(data_dir)
    assert error.file == "population_mid2018.csv"
    assert "E54000048" in str(error)


def test_empty_table_is_rejected(data_dir):
    (data_dir / "ics_waves.csv").write_text("wave,announced,area_as_named_in_source,stp17cd,partial_footprint,source\n")
    assert "no rows" in str(failure(data_dir))


def test_unparseable_csv_is_rejected(data_dir):
    (data_dir / "capital_325m_july2017.csv").write_bytes(b'a,b\n"unterminated,1\n')
    error = failure(data_dir)
    assert error.file == "capital_325m_july2017.csv"


def test_huge_file_is_refused_before_parsing(data_dir):
    (data_dir / "ratings_2017.csv").write_bytes(b"x" * (MAX_TABLE_BYTES + 1))
    assert "larger than" in str(failure(data_dir))


def test_missing_file_is_named(data_dir):
    (data_dir / "sources.csv").unlink()
    error = failure(data_dir)
    assert (error.file, str(error)) == ("sources.csv", "sources.csv: file not found")
