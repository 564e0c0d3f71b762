"""The rating distribution: counts, named vs unnamed, the middle, the bell curve."""

from __future__ import annotations

import pandas as pd
import pytest

from stp_data import ratings
from stp_data.loading import load_bundle
from stp_data.profiles import footprint_detail, footprint_profiles


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


@pytest.fixture(scope="module")
def profiles(bundle):
    return footprint_profiles(bundle)


def test_chart_uses_the_agreed_5_20_14_5(bundle):
    assert ratings.chart_counts(bundle.distribution).tolist() == [5, 20, 14, 5]


def test_bars_split_named_from_counted(bundle, profiles):
    bars = ratings.bars(profiles, ratings.chart_counts(bundle.distribution))
    assert bars["rating"].tolist() == list(ratings.RATINGS)
    assert bars["named"].tolist() == [5, 5, 1, 5]
    assert bars["unnamed"].tolist() == [0, 15, 13, 0]
    assert "Frimley" in bars.loc[0, "named_names"]


def test_more_named_than_counted_is_an_error(profiles):
    counts = pd.Series([4, 20, 15, 5], index=list(ratings.RATINGS))
    with pytest.raises(ValueError, match="5 footprints named as Outstanding but only 4"):
        ratings.bars(profiles, counts)


def test_middle_is_the_34_neither_top_nor_bottom(profiles):
    middle = ratings.middle_footprints(profiles)
    assert len(middle) == 34
    assert not middle["rating"].isin(["Outstanding", "Needs most improvement"]).any()
    assert (middle["rating_shown"] == "Advanced or Making progress (not published)").sum() == 28


def test_group_summary_covers_england(bundle, profiles):
    summary = ratings.group_summary(profiles, ratings.chart_counts(bundle.distribution))
    assert summary["footprints"].tolist() == [5, 34, 5]
    assert summary["footprints"].tolist() == summary["counted_nationally"].tolist()
    assert summary["population"].sum() == 55_977_178


def test_overview_numbers_are_the_tables_figures_as_plain_values(bundle, profiles):
    bars = ratings.bars(profiles, ratings.chart_counts(bundle.distribution))
    numbers = ratings.overview_numbers(
        profiles, bars, ratings.group_summary(profiles, ratings.chart_counts(bundle.distribution))
    )
    assert (numbers.top, numbers.bottom, numbers.middle_count, numbers.unpublished) == (5, 5, 34, 28)
    assert numbers.named == {"Outstanding": 5, "Advanced": 5, "Making progress": 1, "Needs most improvement": 5}
    assert numbers.population == 55_977_178
    assert [group for group, _, _ in numbers.groups] == ["Outstanding", "The middle", "Needs most improvement"]
    assert numbers.bar_counts == "5 Outstanding, 20 Advanced, 14 Making progress, 5 Needs most improvement"


def test_normal_curve_has_the_distributions_area(bundle, profiles):
    bars = ratings.bars(profiles, ratings.chart_counts(bundle.distribution))
    curve = ratings.normal_curve(bars)
    step = curve["x"].iloc[1] - curve["x"].iloc[0]
    assert (curve["y"] * step).sum() == pytest.approx(44, rel=0.03)
    assert curve["mean"].iloc[0] == pytest.approx((5 * 1 + 20 * 2 + 14 * 3 + 5 * 4) / 44)


def test_note_names_the_disagreeing_sources(bundle):
    note = ratings.distribution_note(bundle.distribution)
    assert "LGC/HSJ" in note and "HFMA 18 / 16" in note and "14 / 20" in note


def test_unpublished_rating_is_its_own_group():
    assert ratings.rating_group(None) == ratings.UNPUBLISHED
    assert ratings.rating_group(float("nan")) == ratings.UNPUBLISHED
    assert ratings.rating_group("Advanced") == "Advanced"


def test_profiles_keep_not_published_as_missing(profiles):
    lincolnshire = profiles.set_index("code").loc["E54000013"]
    assert pd.isna(lincolnshire["rating"]) and pd.isna(lincolnshire["region_2016"])
    assert lincolnshire["region"] == "Midlands"
    cumbria = profiles.set_index("code").loc["E54000047"]
    assert cumbria["region"] == "North (2016 region)"


def test_footprint_detail_lists_domains_designations_and_capital(bundle, profiles):
    detail = footprint_detail(bundle, profiles, "E54000005")
    assert len(detail.domains) == 9
    assert detail.domains.set_index("Domain").loc["System leadership", "Result"] == "Established"
    assert (detail.domains["Result"] == "Not published").sum() == 8
    # From the designations table (issue #13): the May 2018 wave was not "shadow", and statutory in July 2022.
    assert detail.designations["wave"].str.startswith("ICS wave 2").tolist()[0]
    assert detail.designations["announced"].tolist() == ["24 May 2018", "1 Jul 2022"]
    dorset = footprint_detail(bundle, profiles, "E54000041")
    assert "£100m" in dorset.capital.loc[0, "scheme_and_amount_as_reported"]
    with pytest.raises(KeyError):
        footprint_detail(bundle, profiles, "E54000999")


def test_one_band_only_gives_no_curve_and_no_error(profiles):
    rated = profiles.assign(rating="Advanced")
    counts = pd.Series([0, 44, 0, 0], index=list(ratings.RATINGS))
    curve = ratings.normal_curve(ratings.bars(rated, counts))
    assert curve.empty
