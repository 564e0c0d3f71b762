"""Where each footprint went after July 2017: statuses, groups, medians, the merger, ?at= and trends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from stp_data import journey
from stp_data.errors import DataValidationError
from stp_data.loading import DATA_DIR, load_bundle
from stp_data.profiles import designations, footprint_detail, footprint_profiles
from stp_data.ratings import UNPUBLISHED

OUTSTANDING = ["E54000009", "E54000024", "E54000034", "E54000041", "E54000045"]
NEEDS_MOST = ["E54000006", "E54000010", "E54000020", "E54000033", "E54000039"]
INFERRED_CODES = {"E54000012", "E54000017", "E54000038", "E54000042"}


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


@pytest.fixture(scope="module")
def profiles(bundle):
    return footprint_profiles(bundle)


@pytest.fixture(scope="module")
def table(bundle):
    return journey.load_designations(DATA_DIR, bundle.codes)


@pytest.fixture(scope="module")
def cumulative(table, profiles):
    return journey.cumulative_by_group(table, profiles)


def statuses(table, profiles, when: str) -> dict[str, str]:
    frame = journey.status_at(table, profiles, date.fromisoformat(when))
    return dict(zip(frame["code"], frame["status"], strict=True))


def test_table_covers_every_footprint_with_typed_dates(table, bundle):
    covered = {c for cell in table["codes_2017"] for c in cell.split(";")}
    assert covered == set(bundle.codes)
    assert set(table["stp18cd"]) == (set(bundle.codes) - set(journey.MERGED_CODES)) | {journey.MERGED_INTO}
    assert set(table["precision"]) == {"day", "month", "year"}
    # No day is invented: the 2020 wave is a year, the Dec 2020 inferred rows a month.
    year_only = table[table["precision"] == "year"]
    assert set(year_only["date"]) == {"2020"} and set(year_only["date_label"]) == {"2020"}
    assert (year_only["placed"] == pd.Timestamp("2020-01-01")).all()
    assert set(table.loc[table["inferred"], "date"]) == {"2020-12"}


def test_inferred_rows_are_flagged_and_keep_their_basis(table):
    inferred = table[table["inferred"]]
    assert set(inferred["stp18cd"]) == INFERRED_CODES
    assert inferred["basis"].str.upper().str.startswith("INFERRED").all()
    assert not table.loc[~table["inferred"], "basis"].str.upper().str.startswith("INFERRED").any()


def test_partial_first_designations_say_so(table, profiles):
    partial = table[table["partial"]]
    assert set(partial["stp18cd"]) == {"E54000014", "E54000048", "E54000044"}
    assert partial["area"].notna().all()
    text = profiles.set_index("code")["care_system"]
    assert "part of footprint: Greater Nottingham" in text["E54000014"]
    assert "whole-footprint ICS date not found" in text["E54000048"]


def test_dec_2020_keeps_the_announced_date_and_the_disagreement(table):
    dec = table[table["date"].str.startswith("2020-12")]
    assert len(dec) == 11
    assert dec["date_note"].str.contains("Dec 2020 or on 1 Apr 2021").all()


def test_merger_mapping(table, profiles, bundle):
    steps = journey.milestones(table, bundle.codes)
    mergers = steps[steps["kind"] == "merger"]
    assert sorted(mergers["code"]) == sorted(journey.MERGED_CODES)
    assert set(mergers["stp18cd"]) == {journey.MERGED_INTO}
    before = journey.status_at(table, profiles, date(2018, 7, 31)).set_index("code")
    after = journey.status_at(table, profiles, date(2018, 8, 31)).set_index("code")
    assert not before.loc[list(journey.MERGED_CODES), "merged_into"].astype(bool).any()
    assert (after.loc[list(journey.MERGED_CODES), "merged_into"] == journey.MERGED_INTO).all()
    # The 2017 rating stays with the 2017 footprint; nothing is rated E54000049.
    assert "E54000049" not in set(profiles["code"])
    assert after.loc["E54000045", "rating_group"] == "Outstanding"
    assert after.loc["E54000046", "rating_group"] == UNPUBLISHED
    # Durham, Darlington, Teesside continues as part of E54000049.
    ddt = journey.footprint_milestones(table, "E54000045")
    ics = ddt[ddt["kind"] == "designation"].iloc[0]
    assert ics["date_label"] == "Jun 2019" and "E54000049" in ics["via"]


def test_status_of_every_footprint_at_chosen_dates(table, profiles):
    june_2017 = statuses(table, profiles, "2017-06-30")
    assert {c for c, s in june_2017.items() if s == journey.ICS} == {
        "E54000007", "E54000009", "E54000024", "E54000034", "E54000035", "E54000041",
    }  # fmt: skip
    assert {c for c, s in june_2017.items() if s == journey.PARTLY} == {"E54000014", "E54000044", "E54000048"}
    assert sum(s == journey.STP for s in june_2017.values()) == 35
    may_2018 = statuses(table, profiles, "2018-05-31")
    assert may_2018["E54000047"] == journey.ICS and may_2018["E54000045"] == journey.STP
    june_2019 = statuses(table, profiles, "2019-06-30")
    assert june_2019["E54000045"] == june_2019["E54000046"] == june_2019["E54000044"] == journey.ICS
    april_2021 = statuses(table, profiles, "2021-04-30")
    assert sum(s == journey.ICS for s in april_2021.values()) == 42
    assert april_2021["E54000014"] == april_2021["E54000048"] == journey.PARTLY  # no whole-footprint date found
    assert set(statuses(table, profiles, "2022-07-01").values()) == {journey.STATUTORY}
    before_all = statuses(table, profiles, "2015-01-01")
    assert set(before_all.values()) == {journey.STP}


def test_status_basis_marks_inferred(table, profiles):
    frame = journey.status_at(table, profiles, date(2021, 1, 31)).set_index("code")
    assert set(frame.index[frame["basis"] == journey.INFERRED]) == INFERRED_CODES
    assert frame.loc["E54000022", "basis"] == journey.SOURCED
    assert frame.loc["E54000013", "basis"] == ""  # still an STP: no basis to give


def test_no_footprint_without_a_milestone_is_shown_designated(table, profiles):
    without_derbyshire = table[table["stp18cd"] != "E54000012"]
    frame = journey.status_at(without_derbyshire, profiles, date(2022, 6, 30)).set_index("code")
    assert frame.loc["E54000012", "status"] == journey.STP
    assert frame.loc["E54000012", "since_label"] == ""
    path = journey.journeys(without_derbyshire, profiles).set_index("code").loc["E54000012"]
    assert pd.isna(path["ics_date"]) and path["first_label"] == ""


def test_outstanding_four_of_five_by_july_2018_then_ddt_in_june_2019(cumulative):
    assert journey.count_by(cumulative, "Outstanding", "2018-05") == (4, 5)
    assert journey.count_by(cumulative, "Outstanding", "2018-08") == (4, 5)  # still 4 on 1 July 2018
    june_2019 = cumulative[(cumulative["group"] == "Outstanding") & (cumulative["at"] == "2019-06")].iloc[0]
    assert (june_2019["ics"], june_2019["share"]) == (5, 1.0)
    assert len(june_2019["joined"]) == 1 and june_2019["joined"][0].startswith("Durham, Darlington, Teesside")
    assert "North East" in june_2019["joined"][0] or "E54000049" in june_2019["joined"][0]


def test_needs_most_improvement_none_before_2020(cumulative):
    nmi = cumulative[cumulative["group"] == "Needs most improvement"].set_index("at")
    assert (nmi.loc[[a for a in nmi.index if a < "2020"], "ics"] == 0).all()
    assert nmi.loc["2020-01", "ics"] == 2  # the 2020 wave, placed at the start of the year
    assert nmi.loc["2021-03", "ics"] == 5


def test_group_sizes_follow_the_16_named_ratings(cumulative):
    sizes = cumulative.drop_duplicates("group").set_index("group")["n"].to_dict()
    assert sizes == {
        "Outstanding": 5,
        "Advanced": 5,
        UNPUBLISHED: 28,
        "Making progress": 1,
        "Needs most improvement": 5,
    }


def test_shares_are_computed_from_the_table(cumulative, table, profiles):
    for row in cumulative.itertuples():
        month_end = journey.parse_at(row.at).when
        status = journey.status_at(table, profiles, month_end)
        members = status[status["rating_group"] == row.group]
        expected = members["status"].isin([journey.ICS, journey.STATUTORY]).sum()
        assert row.ics == expected and row.share == pytest.approx(expected / len(members))


def test_inferred_joiners_are_named_as_inferred(cumulative):
    dec = cumulative[(cumulative["group"] == UNPUBLISHED) & (cumulative["at"] == "2020-12")].iloc[0]
    assert set(dec["joined_inferred"]) == {"Derbyshire", "Birmingham and Solihull", "Somerset",
                                           "Hampshire and the Isle of Wight"}  # fmt: skip
    assert "Derbyshire (inferred by elimination)" in dec["joined"]


def test_median_months_and_headline_are_computed(table, profiles):
    medians = {m.group: m for m in journey.median_months(journey.journeys(table, profiles))}
    assert (medians["Outstanding"].low, medians["Outstanding"].high) == (0, 0)
    assert medians["Advanced"].low == 23  # Surrey Heartlands 0, Cumbria 10, SE London 23, Norfolk 41, LLR 44
    assert medians["Needs most improvement"].low == 41
    middle = medians[UNPUBLISHED]
    assert (middle.footprints, middle.with_date, middle.inferred) == (28, 26, 4)
    assert set(middle.left_out) == {"Nottingham and Nottinghamshire Health and Care", "Lancashire and South Cumbria"}
    text = journey.headline(list(medians.values()))
    assert "Outstanding 0 months" in text and "Needs most improvement 41 months" in text
    assert "inferred by elimination" in text and "Lancashire and South Cumbria" in text


def test_year_only_dates_make_a_range_not_a_guess():
    paths = pd.DataFrame(
        {
            "rating_group": ["Outstanding"] * 3,
            "name": ["A", "B", "C"],
            "months_low": [10.0, 30.0, 30.0],
            "months_high": [10.0, 41.0, 41.0],
            "ics_basis": [journey.SOURCED] * 3,
        }
    )
    (median,) = journey.median_months(paths)
    assert median.text == "30 to 41 months"
    assert "30 to 41 months" in journey.headline([median])


def test_milestone_months_for_the_slider(table, bundle):
    months = journey.milestone_months(table, bundle.codes)
    assert months["at"].tolist() == [
        "2017-06", "2018-02", "2018-05", "2018-08", "2019-06", "2020-01", "2020-12", "2021-03", "2022-07",
    ]  # fmt: skip
    labels = dict(zip(months["at"], months["label"], strict=True))
    assert labels["2020-01"] == "2020" and labels["2020-12"] == "Dec 2020"
    assert "merged" in months.set_index("at").loc["2018-08", "what"]
    assert journey.snap_to_milestone("2019-11", months["at"].tolist()) == "2019-06"
    assert journey.snap_to_milestone("2017-06", months["at"].tolist()) == "2017-06"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2019-06", date(2019, 6, 30)), (" 2020-02 ", date(2020, 2, 29)), (["2018-01", "2017-06"], date(2017, 6, 30))],
)
def test_at_parses_to_the_end_of_the_month(raw, expected):
    choice = journey.parse_at(raw)
    assert choice.when == expected and choice.notice is None


@pytest.mark.parametrize("raw", [None, "", "   ", []])
def test_no_at_means_default_without_a_notice(raw):
    assert journey.parse_at(raw) == journey.AtChoice(None, None, None)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("2016-12", "outside"),
        ("2022-08", "outside"),
        ("2019-13", "YYYY-MM"),
        ("2019-6", "YYYY-MM"),
        ("June 2019", "YYYY-MM"),
        ("2019-06-01", "YYYY-MM"),
        ("２０１９-０６", "YYYY-MM"),
        ("<script>alert(1)</script>", "YYYY-MM"),
        ("[x](javascript:alert(1))", "YYYY-MM"),
        ("9" * 5000, "YYYY-MM"),
    ],
)
def test_bad_at_values_get_a_notice_that_echoes_no_markup(raw, words):
    choice = journey.parse_at(raw)
    assert choice.when is None and choice.at is None
    assert words in choice.notice
    assert "<" not in choice.notice and "javascript" not in choice.notice and len(choice.notice) < 200


def test_footprint_detail_lists_milestones_with_basis(bundle, profiles):
    detail = footprint_detail(bundle, profiles, "E54000012")
    designations_shown = detail.designations
    assert {"wave", "announced", "area_as_named_in_source", "source", "basis", "partial", "precision"} <= set(
        designations_shown.columns
    )
    first = designations_shown.iloc[0]
    assert first["basis"] == journey.INFERRED and first["announced"] == "Dec 2020"
    assert designations_shown["kind"].tolist()[-1] == "statutory"
    assert profiles.set_index("code").loc["E54000012", "care_system"].endswith("(inferred by elimination)")


def test_profiles_read_designations_from_the_bundle_when_it_has_them(bundle, profiles):
    assert designations(bundle) is designations(bundle)  # the bundled file is read once


def test_loader_rejects_a_bad_row_naming_file_row_and_column(tmp_path: Path, bundle):
    frame = pd.read_csv(DATA_DIR / journey.DESIGNATIONS, dtype=str, keep_default_na=False)
    frame.loc[3, "precision"] = "day"  # row 5 in a spreadsheet; its date is a month
    frame.loc[5, "milestone_basis"] = "sourced"
    frame.loc[frame["stp18cd"] == "E54000012", "milestone_basis"] = "sourced"
    frame.to_csv(tmp_path / journey.DESIGNATIONS, index=False)
    with pytest.raises(DataValidationError) as caught:
        journey.load_designations(tmp_path, bundle.codes)
    described = [p.describe() for p in caught.value.problems]
    assert any("row 5" in d and "'precision'" in d for d in described)
    assert any("'milestone_basis'" in d and "INFERRED" in d for d in described)


def test_loader_requires_every_footprint(tmp_path: Path, bundle):
    frame = pd.read_csv(DATA_DIR / journey.DESIGNATIONS, dtype=str, keep_default_na=False)
    frame[frame["stp18cd"] != "E54000013"].to_csv(tmp_path / journey.DESIGNATIONS, index=False)
    with pytest.raises(DataValidationError, match="no milestone for footprint E54000013"):
        journey.load_designations(tmp_path, bundle.codes)


def test_workforce_trend_has_england_and_middle_half(bundle):
    trend = journey.measure_trend(bundle.metrics, bundle.measures, "gp_fte_per100k", "E54000005")
    assert trend["period"].tolist() == ["September 2015", "September 2016", "September 2017", "September 2018"]
    assert trend["band"].all() and (trend["q1"] <= trend["q3"]).all()
    assert trend["england"].notna().all() and trend["value"].notna().all()
    assert (trend["n"] == 44).all()


def test_finance_trend_implies_no_ranking(bundle):
    finance = bundle.measures.loc[bundle.measures["theme"] == "finance", "measure"]
    for measure in finance:
        trend = journey.measure_trend(bundle.metrics, bundle.measures, measure)
        assert not trend["band"].any() and trend["q1"].isna().all() and trend["q3"].isna().all()
        assert trend["england"].isna().all()


def test_footprint_trends_are_the_measures_with_more_than_one_period(bundle):
    trends = journey.footprint_trends(bundle.metrics, bundle.measures, "E54000005", "workforce")
    assert {"gp_fte_per100k", "acute_fte_all_per100k"} <= set(trends["measure"])
    assert trends.groupby("measure").size().min() >= 2


def test_milestones_markdown_is_a_paragraph_per_step_with_sources_and_escaped_text():
    designations = load_bundle().designations
    frimley = journey.milestones_markdown(journey.footprint_milestones(designations, "E54000034"))
    paragraphs = frimley.split("\n\n")
    assert len(paragraphs) == len(journey.footprint_milestones(designations, "E54000034"))
    assert paragraphs[0].startswith("**19 Jun 2017**: ACS wave 1") and "Source: [HSJ" in paragraphs[0]
    assert "\\(integrated care board\\)" in paragraphs[-1]  # escaped: brackets in data are not markdown
    assert journey.milestones_markdown(journey.footprint_milestones(designations, "E54000034").iloc[:0]) == (
        journey.NO_MILESTONE
    )
