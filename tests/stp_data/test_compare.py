"""Compare's pure core: the ?stp= list read safely, peer groups, spine rows."""

from __future__ import annotations

import pandas as pd
import pytest

from stp_data import compare
from stp_data.ae_progress import ics_waves
from stp_data.loading import load_bundle
from stp_data.profiles import footprint_profiles

FOUR = ("E54000033", "E54000034", "E54000007", "E54000013")
KNOWN = {f"E54{n:06d}" for n in range(5, 49)}


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


@pytest.fixture(scope="module")
def profiles(bundle):
    return footprint_profiles(bundle)


# ---------------------------------------------------------------- parse_compare_param


def test_order_is_kept_and_lower_case_read():
    choice = compare.parse_compare_param("E54000034,e54000033, E54000007 ,E54000013", KNOWN)
    assert choice.codes == ("E54000034", "E54000033", "E54000007", "E54000013")
    assert choice.notice is None and choice.ready


@pytest.mark.parametrize("raw", [None, "", "  ", []])
def test_no_parameter_is_no_choice_and_no_notice(raw):
    assert compare.parse_compare_param(raw, KNOWN) == compare.CompareChoice(())


def test_unknown_codes_are_dropped_and_named():
    choice = compare.parse_compare_param("E54000033,E54999999,E54000034", KNOWN)
    assert choice.codes == ("E54000033", "E54000034")
    assert "“E54999999”" in choice.notice


def test_one_footprint_is_kept_with_a_notice():
    choice = compare.parse_compare_param("E54000033", KNOWN)
    assert choice.codes == ("E54000033",) and not choice.ready
    assert "2 to 6" in choice.notice and "has 1" in choice.notice


def test_seven_footprints_keep_the_first_six():
    seven = [f"E540000{n}" for n in range(10, 17)]
    choice = compare.parse_compare_param(",".join(seven), KNOWN)
    assert choice.codes == tuple(seven[:6])
    assert "7 footprints" in choice.notice and "first 6" in choice.notice


def test_duplicates_are_shown_once():
    choice = compare.parse_compare_param("E54000033,E54000034,e54000033,E54000033", KNOWN)
    assert choice.codes == ("E54000033", "E54000034")
    assert "“E54000033” appeared more than once" in choice.notice


@pytest.mark.parametrize(
    "raw",
    ["<script>alert(1)</script>", "E54000033,<img src=x onerror=alert(1)>", "[evil](https://x.example)", ",,,", "é"],
)
def test_garbage_is_never_echoed(raw):
    choice = compare.parse_compare_param(raw, KNOWN)
    text = choice.notice or ""
    for bad in ("<", ">", "script", "https", "(", "é"):
        assert bad not in text.replace("(E54 and six digits)", "")
    assert all(code in KNOWN for code in choice.codes)


def test_a_huge_link_is_read_only_in_part():
    choice = compare.parse_compare_param(",".join(["X"] * 10_000 + ["E54000033"]), KNOWN)
    assert choice.codes == () and "first 50" in choice.notice


def test_a_list_of_values_reads_the_last():
    assert compare.parse_compare_param(["E54000005", "E54000033,E54000034"], KNOWN).codes == ("E54000033", "E54000034")


# ---------------------------------------------------------------- peer groups


def test_region_group_is_capped_with_the_chosen_first_and_nearest_in_population(profiles):
    group = compare.peer_group(profiles, "E54000013", compare.REGION)  # Lincolnshire, Midlands: 11 footprints
    assert group.codes[0] == "E54000013" and len(group.codes) == 6
    assert "Midlands" in group.how_formed
    assert "11 footprints in the region; the 5 closest in population" in group.how_formed
    population = profiles.set_index("code")["population"]
    midlands = profiles.loc[profiles["region_2018"] == "Midlands", "code"]
    gaps = (population[midlands] - population["E54000013"]).abs().drop("E54000013").sort_values()
    assert set(group.codes[1:]) == set(gaps.index[:5])


def test_merged_footprint_uses_its_2016_region_and_says_so(profiles):
    group = compare.peer_group(profiles, "E54000045", compare.REGION)
    assert group.codes[0] == "E54000045" and len(group.codes) == 6
    assert "2016 region, North" in group.how_formed and "merged" in group.how_formed
    north = set(profiles.loc[profiles["region_2016"] == "North", "code"])
    assert set(group.codes) <= north


def test_rating_group_top_five_is_whole(profiles):
    group = compare.peer_group(profiles, "E54000034", compare.RATING)  # Frimley, Outstanding
    assert group.codes[0] == "E54000034"
    assert set(group.codes) == set(profiles.loc[profiles["rating"] == "Outstanding", "code"])
    assert "Outstanding" in group.how_formed and "5 footprints" in group.how_formed


def test_unpublished_middle_is_capped(profiles):
    group = compare.peer_group(profiles, "E54000007", compare.RATING)
    assert len(group.codes) == 6 and group.codes[0] == "E54000007"
    assert "rating not published" in group.how_formed and "28 footprints" in group.how_formed


def test_nearest_in_population_is_five_others(profiles):
    group = compare.peer_group(profiles, "E54000034", compare.POPULATION)
    assert len(group.codes) == 6 and group.codes[0] == "E54000034"
    assert "closest in population" in group.how_formed


def test_wave_group_uses_ics_waves(profiles):
    waves = ics_waves(profiles)
    group = compare.peer_group(profiles, "E54000034", compare.WAVE, waves)
    assert {waves[c] for c in group.codes} == {waves["E54000034"]}
    assert group.codes[0] == "E54000034" and "ICS wave" in group.how_formed


def test_unknown_kind_and_code_are_errors(profiles):
    with pytest.raises(ValueError):
        compare.peer_group(profiles, "E54000034", "colour")
    with pytest.raises(KeyError):
        compare.peer_group(profiles, "E54999999", compare.REGION)


# ---------------------------------------------------------------- spine rows


@pytest.fixture(scope="module")
def rows(bundle):
    return compare.spine_rows(bundle.metrics, bundle.measures, FOUR)


def test_spine_rows_one_per_gauge_measure_finance_unranked(bundle, rows):
    gauges = bundle.measures.loc[bundle.measures["gauge"].fillna("yes") != "no"]
    assert set(rows["measure"]) == set(gauges["measure"])
    assert set(rows.loc[~rows["ranked"], "theme"]) == {"finance"}
    assert rows["ranked"].tolist() == sorted(rows["ranked"].tolist(), reverse=True)  # ranked first


def test_spine_rows_england_range_and_middle_half(bundle, rows):
    ae = rows.set_index("measure").loc["ae_type1_4hr_pct"]
    assert ae["period"] == "2026-02" and ae["period_label"] == "Feb 2026"
    latest = bundle.metrics.query("measure == 'ae_type1_4hr_pct' and period == '2026-02'")["value"]
    assert ae["minimum"] == pytest.approx(latest.min()) and ae["maximum"] == pytest.approx(latest.max())
    assert ae["q1"] == pytest.approx(latest.quantile(0.25)) and ae["q3"] == pytest.approx(latest.quantile(0.75))
    assert ae["england"] == pytest.approx(59.381, abs=0.01) and ae["centre"] == ae["england"]
    assert ae["n"] == 44


def test_spine_rows_polarity_decides_better_or_worse(rows):
    ae = rows.set_index("measure").loc["ae_type1_4hr_pct"]  # higher is better; England 59.38
    assert ae["verdicts"] == ("worse", "worse", "worse", "better")
    beds = rows.set_index("measure").loc["ga_bed_occupancy_pct_weekly"]  # no England figure: the median is the centre
    assert pd.isna(beds["england"]) and beds["centre"] == beds["median"]
    assert beds["centre_label"] == compare.CENTRE_MEDIAN and set(beds["verdicts"]) == {""}
    assert compare.verdict(1.0, 2.0, "lower_is_better") == "better"
    assert compare.verdict(3.0, 2.0, "lower_is_better") == "worse"
    assert compare.verdict(3.0, 2.0, "neutral") == "higher"


def test_spine_position_puts_england_at_the_centre_and_better_to_the_right(rows):
    ae = rows.set_index("measure").loc["ae_type1_4hr_pct"]
    assert compare.spine_position(ae["england"], ae) == 0
    assert compare.spine_position(ae["maximum"], ae) > 0 > compare.spine_position(ae["minimum"], ae)
    assert max(abs(compare.spine_position(ae[k], ae)) for k in ("minimum", "maximum")) == pytest.approx(1)
    flipped = {**ae.to_dict(), "polarity": "lower_is_better"}
    assert compare.spine_position(ae["maximum"], flipped) < 0


def test_not_published_rows_say_so(bundle):
    metrics = bundle.metrics[
        ~((bundle.metrics["code"] == "E54000034") & (bundle.metrics["measure"] == "gp_fte_per100k"))
    ]
    rows = compare.spine_rows(metrics, bundle.measures, FOUR)
    gp = rows.set_index("measure").loc["gp_fte_per100k"]
    assert gp["values"][1] is None and gp["verdicts"][1] == compare.NOT_PUBLISHED and gp["n"] == 43
    table = compare.spine_table(rows, FOUR, {"E54000034": "Frimley"})
    assert table.set_index("Measure").loc["GP FTE", "Frimley"] == compare.NOT_PUBLISHED


def test_spine_table_marks_finance_not_ranked(bundle):
    rows = compare.spine_rows(bundle.metrics, bundle.measures, ("E54000025", "E54000034"))
    table = compare.spine_table(rows, ("E54000025", "E54000034"), {})
    finance = table[table["Measure"].isin(rows.loc[~rows["ranked"], "short_name"])]
    assert finance["Middle half from"].isna().all()
    published = finance["E54000025"][finance["E54000025"] != compare.NOT_PUBLISHED]
    assert len(published) and published.str.contains(compare.NOT_RANKED).all()


def test_header_table_and_trends(profiles, bundle):
    header = compare.header_table(profiles, ("E54000045", "E54000034"))
    assert header["Region"].tolist() == ["North (2016 region)", "South East"]
    assert header["July 2017 rating"].tolist() == ["Outstanding", "Outstanding"]
    trends = compare.footprint_trends(bundle.metrics, "ae_type1_4hr_pct", ("E54000034", "E54000033"))
    frimley = trends[trends["code"] == "E54000034"].set_index("period")["value"]
    assert frimley.loc["2019-05":"2023-05"].isna().all() and len(frimley.loc["2019-05":"2023-05"]) == 49
    assert len(frimley) == len(trends) / 2


def test_a_peer_group_in_a_link_is_recognised(profiles):
    group = compare.peer_group(profiles, "E54000013", compare.REGION)
    assert compare.recognised_group(profiles, group.codes) == group
    assert compare.recognised_group(profiles, group.codes[::-1]) is None
    assert compare.recognised_group(profiles, FOUR) is None
    assert compare.recognised_group(profiles, ()) is None
