"""Analysts' own files merged with the bundled data, so every chart and gauge can show them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stp_data.errors import DataValidationError
from stp_data.loading import Bundle
from stp_data.ratings import NOT_RATED, rating_group
from stp_data.upload import MetricsUpload, RatingsUpload, parse_metrics_file, parse_ratings_file
from stp_data.upload.periods import parse_period
from stp_data.upload.provider import ProviderUpload

YOUR_DATA = "your data"
READABLE = (".csv", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class LoadedFile:
    """One confirmed file: what it held and where it came from, for the 'your data' label."""

    file_name: str
    loaded_at: str
    upload: MetricsUpload | RatingsUpload
    origin: str = "upload"  # "upload" (this session only), "folder" (the server's data folder) or "published"

    @property
    def described(self) -> str:
        """How a reader should take it: 'vacancies.csv (published 26 Nov 2026 …)', '… (your upload, …)'."""
        how = {"upload": "your upload, this session only", "folder": "the server's data folder"}.get(self.origin)
        said = f"{self.file_name} ({how}, {self.loaded_at})" if how else f"{self.file_name} ({self.loaded_at})"
        upload = self.upload
        if isinstance(upload, ProviderUpload) and upload.joins_bundled and upload.month_files:
            months = ", ".join(parse_period(m).label for m in sorted(upload.month_files))
            said += f", NHS England A&E provider file for {months} (months already bundled are not replaced)"
        return said


@dataclass(frozen=True)
class UserMonth:
    """A month a user's provider file added to a bundled series (a month the bundle does not have)."""

    period: str  # YYYY-MM, as the bundled metrics
    file_name: str  # the file (or zip member) that gave it
    loaded: LoadedFile

    @property
    def caption(self) -> str:
        """'March 2026: from your file X', or '… from the published file X (published …)' (plain text: escape it
        for Markdown)."""
        label = parse_period(self.period).label
        if self.loaded.origin == "published":
            return f"{label}: from the published file {self.file_name} ({self.loaded.loaded_at})"
        return f"{label}: from your file {self.file_name}"


def user_months(bundle: Bundle, loaded: list[LoadedFile]) -> list[UserMonth]:
    """Which months of the bundled series come from the user's files, oldest first (one per month: the first
    file loaded that gives it, as with_user_metrics joins them)."""
    taken = set(bundle.metrics.loc[bundle.metrics["measure"].isin(joined_measures(loaded)), "period"])
    months: dict[str, UserMonth] = {}
    for item in loaded:
        upload = item.upload
        if not (isinstance(upload, ProviderUpload) and upload.joins_bundled):
            continue
        for period in sorted(set(upload.accepted["period"])):
            if period not in taken and period not in months:
                months[period] = UserMonth(period, upload.month_files.get(period, item.file_name), item)
    return [months[p] for p in sorted(months)]


def joined_measures(loaded: list[LoadedFile]) -> set[str]:
    """Bundled measures whose series the user's provider files extend (their new months join the bundled ids)."""
    return {
        m
        for item in loaded
        if isinstance(item.upload, ProviderUpload) and item.upload.joins_bundled
        for m in item.upload.accepted["measure"]
    }


def _new_months_only(bundle: Bundle, upload: ProviderUpload, joined: set[tuple[str, str]]) -> pd.DataFrame:
    """A provider file's rows for (measure, month) pairs neither the bundle nor an earlier file has: a month
    already bundled is compared on the Load data page, never silently replaced."""
    rows = upload.accepted
    keys = list(zip(rows["measure"], rows["period"], strict=True))
    fresh = [k not in joined for k in keys]
    joined.update(k for k, f in zip(keys, fresh, strict=True) if f)
    return rows.loc[fresh]


def _bundled_keys(bundle: Bundle, loaded: list[LoadedFile]) -> set[tuple[str, str]]:
    """(measure, month) pairs the bundle has, for the measures a provider file joins (empty when none does)."""
    measures = joined_measures(loaded)
    if not measures:
        return set()
    rows = bundle.metrics.loc[bundle.metrics["measure"].isin(measures), ["measure", "period"]].drop_duplicates()
    return set(zip(rows["measure"], rows["period"], strict=True))


def with_user_metrics(bundle: Bundle, loaded: list[LoadedFile]) -> Bundle:
    """The bundle plus every confirmed metrics file; ids that clash with ours get a 'your_' prefix.

    NHS England's A&E provider files are the exception: their rows keep the bundled measure ids and join the
    bundled series for months it does not have (each row's source names the user's file).
    """
    metrics, measures = [bundle.metrics], [bundle.measures]
    taken = set(bundle.measures["measure"])
    joined = _bundled_keys(bundle, loaded)
    for item in loaded:
        if not isinstance(item.upload, MetricsUpload) or item.upload.accepted.empty:
            continue
        if isinstance(item.upload, ProviderUpload) and item.upload.joins_bundled:
            metrics.append(_new_months_only(bundle, item.upload, joined))
            continue
        renames = {}
        for measure in item.upload.measures["measure"]:
            renames[measure] = _unused_id(measure, taken)
            taken.add(renames[measure])
        metrics.append(item.upload.accepted.assign(measure=item.upload.accepted["measure"].map(renames)))
        measures.append(item.upload.measures.assign(measure=item.upload.measures["measure"].map(renames)))
    if len(metrics) == 1:
        return bundle
    return dataclasses.replace(
        bundle,
        metrics=pd.concat(metrics, ignore_index=True),
        measures=pd.concat(measures, ignore_index=True).drop_duplicates("measure", keep="last"),
    )


def _unused_id(measure: str, taken: set[str]) -> str:
    candidate, n = measure, 1
    while candidate in taken:
        n += 1
        candidate = f"your_{measure}" if n == 2 else f"your_{measure}_{n}"
    return candidate


def with_user_ratings(profiles: pd.DataFrame, loaded: list[LoadedFile]) -> pd.DataFrame:
    """Profiles rated by the latest confirmed ratings file; footprints it leaves out are 'not published'."""
    files = [item for item in loaded if isinstance(item.upload, RatingsUpload)]
    if not files:
        return profiles
    latest = files[-1]
    ratings = latest.upload.accepted.set_index("code")
    rated = profiles.copy()
    rated["rating"] = rated["code"].map(ratings["rating"])
    rated["rating_source"] = rated["code"].map(ratings["source"])
    rated["rating_notes"] = f"From {latest.described}"
    rated["rating_group"] = rated["rating"].map(rating_group).where(rated["rating"].notna(), NOT_RATED)
    return rated


def user_rating_counts(profiles: pd.DataFrame) -> pd.Series:
    """With the user's own ratings every rated footprint is named, so the counts are theirs."""
    from stp_data.schemas import RATINGS

    return profiles["rating"].value_counts().reindex(list(RATINGS), fill_value=0).rename("count")


def _metrics_or_provider(data: bytes, name: str, known_codes: list[str]) -> MetricsUpload:
    """A folder's table: a provider-level file (e.g. NHS England's monthly A&E CSV) if its columns say so."""
    from stp_data.upload import read_raw_table
    from stp_data.upload.provider import parse_provider_files, recognise

    if recognise(read_raw_table(data, name)) is not None:
        return parse_provider_files([(name, data)], known_codes)
    return parse_metrics_file(data, name, known_codes)


def read_folder(folder: Path, known_codes: list[str], loaded_at: str) -> tuple[list[LoadedFile], list[str]]:
    """Every readable file in an analyst's data folder; a file named *rating* is read as ratings.

    Returns the files that loaded and one plain-English line per file that did not.
    """
    loaded, problems = [], []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.suffix.lower() not in READABLE:
            continue
        reader = parse_ratings_file if "rating" in path.name.lower() else _metrics_or_provider
        try:
            upload = reader(path.read_bytes(), path.name, known_codes)
        except DataValidationError as error:
            problems.append(str(error))
            continue
        loaded.append(LoadedFile(path.name, loaded_at, upload, origin="folder"))
    if not folder.is_dir():
        problems.append(f"Data folder {folder.name!r} does not exist or is not a folder.")
    return loaded, problems
