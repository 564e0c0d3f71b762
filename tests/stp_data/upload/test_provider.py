"""Provider-level files (NHS England's monthly A&E CSV, a trust's own extract) summed to the 44 footprints.

Expected figures are computed here from the raw rows with the csv module, independently of the parser, and
compared with the bundled metrics_emergency_care.csv, which was built from the same two published files.
"""

from __future__ import annotations

import collections
import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from exports.csv import safe_csv_bytes
from stp_data import emergency, trusts
from stp_data.errors import DataValidationError
from stp_data.loading import load_bundle
from stp_data.upload import read_raw_table
from stp_data.upload.provider import (
    AE,
    AE_MEASURES,
    RATIO,
    ae_role,
    compare_with_bundled,
    parse_provider_files,
    recognise,
)
from stp_data.user_data import LoadedFile, user_months, with_user_metrics
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "provider"
APRIL_2019 = FIXTURES / "Monthly-AE-April-2019-revised-220720-ab123.csv"
APRIL_2021 = FIXTURES / "April-2021-revised-120522-ABC456.csv"
MARCH_2026 = FIXTURES / "CONSTRUCTED-TEST-DATA-March-2026-from-April-2021.csv"
OLD_STYLE = FIXTURES / "CONSTRUCTED-2016-style-cp1252-April-2021.csv"
EXTRACT = FIXTURES / "CONSTRUCTED-trust-extract-March-2026.csv"
BUNDLED = ROOT / "stp_data" / "data" / "metrics_emergency_care.csv"


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def read(path: Path, bundle, **kwargs):
    return parse_provider_files([(path.name, path.read_bytes())], bundle.codes, **kwargs)


def relabelled(month_text: str) -> bytes:
    """The real April 2021 file with its Period relabelled (e.g. 'MSitAE-MAY-2025')."""
    return APRIL_2021.read_bytes().replace(b"MSitAE-APRIL-2021", month_text.encode())


def expected_from_raw(path: Path, month: str) -> dict[tuple[str, str], float]:
    """(code, measure) -> value, from the raw rows with the csv module and the bundled lookups read the same way."""
    lookup = {r["org_code"]: r["code"] for r in csv.DictReader((ROOT / "stp_data/data/trust_lookup.csv").open())}
    field_test = {
        r["org_code"]
        for r in csv.DictReader((ROOT / "stp_data/data/ae_field_test_trusts.csv").open())
        if r["first_month"] <= month <= r["last_month"]
    }
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    header = rows[0]

    def column(*names: str) -> int | None:
        return next((header.index(n) for n in names if n in header), None)

    att = column("A&E attendances Type 1", "Number of A&E attendances Type 1")
    booked = column("A&E attendances Booked Appointments Type 1")
    over = column("Attendances over 4hrs Type 1", "Number of attendances over 4hrs Type 1")
    booked_over = column("Attendances over 4hrs Booked Appointments Type 1")
    adm = column("Emergency admissions via A&E - Type 1")
    sums = collections.defaultdict(collections.Counter)
    for row in rows[1:]:
        if "TOTAL" in row[:4] or row[1] not in lookup:
            continue
        code = lookup[row[1]]
        a = int(row[att]) + (int(row[booked]) if booked is not None else 0)
        o = int(row[over]) + (int(row[booked_over]) if booked_over is not None else 0)
        sums[code]["att"] += a
        sums[code]["adm"] += int(row[adm])
        if row[1] not in field_test:
            sums[code]["rep"] += a
            sums[code]["over"] += o
    out = {}
    for code, s in sums.items():
        out[(code, "ae_type1_attendances")] = s["att"]
        out[(code, "ae_type1_emergency_admissions")] = s["adm"]
        if s["rep"]:
            out[(code, "ae_type1_attendances_4hr_reported")] = s["rep"]
            out[(code, "ae_type1_over4hr")] = s["over"]
            out[(code, "ae_type1_within4hr")] = s["rep"] - s["over"]
            out[(code, "ae_type1_4hr_pct")] = round(100 * (1 - s["over"] / s["rep"]), 3)
    return out


def figures(upload, month: str) -> dict[tuple[str, str], float]:
    rows = upload.accepted.loc[upload.accepted["period"] == month]
    return {(c, m): v for c, m, v in zip(rows["code"], rows["measure"], rows["value"], strict=True)}


# ---------------------------------------------------------------- recognising the file


@pytest.mark.parametrize("path", [APRIL_2019, APRIL_2021])
def test_both_published_spellings_are_recognised_with_no_mapping(path):
    columns = recognise(read_raw_table(path.read_bytes(), path.name))
    assert columns is not None and columns.kind == AE and columns.header_row == 1
    assert columns.org_code == "Org Code" and columns.period == "Period"
    assert columns.admissions == "Emergency admissions via A&E - Type 1"
    if path == APRIL_2021:
        assert columns.attendances == ("A&E attendances Type 1", "A&E attendances Booked Appointments Type 1")
        assert columns.over4 == ("Attendances over 4hrs Type 1", "Attendances over 4hrs Booked Appointments Type 1")
    else:
        assert columns.attendances == ("Number of A&E attendances Type 1",)
        assert columns.over4 == ("Number of attendances over 4hrs Type 1",)


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("A&E attendances Type 1 Departments - Major A&E", "attendances"),
        ("A&E attendances > 4 hours from arrival to admission, transfer or discharge Type 1 Departments", "over4"),
        ("Emergency Admissions via Type 1 A&E", "admissions"),
        ("Number of A&E attendances Type 2", None),
        ("Attendances over 4hrs Booked Appointments Type 1", "booked_over4"),
        ("Patients who have waited 4-12 hs from DTA to admission", None),
        ("Other emergency admissions", None),
    ],
)
def test_header_spellings(header, role):
    assert ae_role(header) == role


# ---------------------------------------------------------------- the figures


def test_greater_manchester_april_2019_from_the_raw_rows(bundle):
    upload = read(APRIL_2019, bundle)
    got = figures(upload, "2019-04")
    assert got[("E54000007", "ae_type1_attendances")] == 87_539
    assert got[("E54000007", "ae_type1_over4hr")] == 20_419
    assert got[("E54000007", "ae_type1_4hr_pct")] == pytest.approx(76.674)
    assert upload.summary == "provider-level file: 235 providers, mapped to footprints by the bundled trust lookup"


@pytest.mark.parametrize(("path", "month"), [(APRIL_2019, "2019-04"), (APRIL_2021, "2021-04")])
def test_every_footprint_equals_the_raw_rows_and_the_bundled_figures(bundle, path, month):
    got = figures(read(path, bundle), month)
    assert got == expected_from_raw(path, month)
    bundled = {
        (r["code"], r["measure"]): float(r["value"])
        for r in csv.DictReader(BUNDLED.open())
        if r["period"] == month and r["measure"] in AE_MEASURES
    }
    assert len({code for code, _ in bundled}) == 44
    assert set(got) == set(bundled)
    for key, value in bundled.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key


def test_total_row_is_skipped_and_checks_the_sum(bundle):
    upload = read(APRIL_2021, bundle)
    assert "TOTAL" not in set(upload.providers["org_code"])
    assert upload.rows_read == 210 and upload.rows_rejected == 0  # 212 lines: header, 210 providers, TOTAL
    assert any("TOTAL row skipped" in n and "1,259,266" in n and "equal the sum" in n for n in upload.notes)


def test_field_test_trusts_are_left_out_of_the_4_hour_figure_only(bundle):
    got = figures(read(APRIL_2021, bundle), "2021-04")
    # Frimley's only type-1 trust (RDU) was a field-test site: attendances and admissions, no 4-hour rows.
    assert got[("E54000034", "ae_type1_attendances")] == 19_716
    assert got[("E54000034", "ae_type1_emergency_admissions")] == 4_765
    assert not [m for c, m in got if c == "E54000034" and ("4hr" in m)]
    assert ("E54000034", "ae_type1_4hr_pct") not in got


def test_unmapped_providers_are_listed_with_their_share(bundle):
    upload = read(OLD_STYLE, bundle)
    unmapped = upload.unmapped.set_index("org_code")
    total = upload.providers["attendances"].sum()
    assert unmapped.loc["NEW01", "attendances"] == 500
    assert unmapped.loc["NEW01", "share_pct"] == pytest.approx(round(100 * 500 / total, 3))
    assert unmapped.loc["NEW01", "org_name"].startswith("=HYPERLINK(")
    idle = unmapped.loc[unmapped["attendances"] == 0]
    assert len(idle) > 50  # urgent care centres and the like: counted, no type-1 activity
    assert upload.unmapped["org_code"].iat[0] == "NEW01"  # the one with activity first
    # 2019: one unmapped provider (an urgent care centre), no type-1 activity, still listed.
    assert "DT301" in set(read(APRIL_2019, bundle).unmapped["org_code"])


def test_old_spellings_cp1252_title_row_and_hostile_cells(bundle):
    upload = read(OLD_STYLE, bundle)
    assert upload.kind == AE and upload.columns.header_row == 2  # the title row is skipped
    assert any("Windows-1252" in n for n in upload.notes)
    # Same counts as the published file (booked appointments already added in), the new provider unmapped.
    assert figures(upload, "2021-04") == figures(read(APRIL_2021, bundle), "2021-04")
    rejected = upload.rejected.set_index("org_code")
    assert rejected.loc["RZZ", "row"] == 214
    assert rejected.loc["RZZ", "column"].startswith("A&E attendances Type 1")
    assert "whole number" in rejected.loc["RZZ", "reason"]
    assert upload.rows_read == upload.rows_accepted + upload.rows_rejected
    exported = safe_csv_bytes(upload.unmapped).decode("utf-8-sig")
    assert "'=HYPERLINK" in exported and "\n=HYPERLINK" not in exported and ",=HYPERLINK" not in exported
    cells = [c for row in csv.reader(io.StringIO(safe_csv_bytes(upload.rejected).decode("utf-8-sig"))) for c in row]
    assert "=1+1" in cells[-1] and not any(c.startswith(("=", "+", "-", "@")) for c in cells)


# ---------------------------------------------------------------- several files, zips, limits


def test_several_files_and_a_zip_of_months(bundle):
    months = {"MSitAE-MAY-2025": "2025-05", "MSitAE-JUNE-2025": "2025-06", "MSitAE-JULY-2025": "2025-07"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for text in months:
            archive.writestr(f"ae/{text}.csv", relabelled(text))
        archive.writestr("__MACOSX/ae/._x.csv", b"junk")
        archive.writestr("ae/readme.txt", b"not a table")
    upload = parse_provider_files(
        [("months.zip", buffer.getvalue()), (APRIL_2021.name, APRIL_2021.read_bytes())], bundle.codes
    )
    assert sorted(set(upload.accepted["period"])) == ["2021-04", *months.values()]
    assert upload.month_files["2025-06"] == "months.zip: MSitAE-JUNE-2025.csv"
    assert any("readme.txt" in n for n in upload.notes)
    may = figures(upload, "2025-05")
    april = figures(upload, "2021-04")
    # May 2025 is after the field-test window: Frimley has its 4-hour figure again.
    assert ("E54000034", "ae_type1_4hr_pct") in may and ("E54000034", "ae_type1_4hr_pct") not in april
    assert may[("E54000007", "ae_type1_attendances")] == april[("E54000007", "ae_type1_attendances")]


def test_the_same_month_twice_keeps_the_first_and_lists_the_second(bundle):
    data = APRIL_2021.read_bytes()
    upload = parse_provider_files([("first.csv", data), ("again.csv", data)], bundle.codes)
    assert upload.rows_rejected == 210 and set(upload.rejected["file"]) == {"again.csv"}
    assert "first.csv row 2 already gives" in upload.rejected["reason"].iloc[0]
    assert figures(upload, "2021-04") == figures(read(APRIL_2021, bundle), "2021-04")


def test_zip_bomb_and_oversized_files_are_refused_before_reading(bundle, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("huge.csv", b"0" * 30_000_000)  # 30 MB of zeros: about 30 kB zipped
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(DataValidationError, match=r"huge.csv.*more than"):
        parse_provider_files([("bomb.zip", buffer.getvalue())], bundle.codes)
    from stp_data.upload import reading

    monkeypatch.setattr(reading, "MAX_UNZIPPED_BYTES", 1_000_000)  # the one zip guard (reading.guarded_zip)
    with pytest.raises(DataValidationError, match=r"bomb.zip: the zip unpacks to"):
        parse_provider_files([("bomb.zip", buffer.getvalue())], bundle.codes)
    with pytest.raises(DataValidationError, match=r"more than the 1,000-byte limit"):
        parse_provider_files([(APRIL_2021.name, APRIL_2021.read_bytes())], bundle.codes, max_bytes=1_000)


def test_malformed_files_get_a_message_naming_the_file(bundle):
    not_provider = b"code,measure,period,value\nE54000034,x,2020,1\n"
    with pytest.raises(DataValidationError, match=r"tidy.csv: is not a provider-level file"):
        parse_provider_files([(APRIL_2021.name, APRIL_2021.read_bytes()), ("tidy.csv", not_provider)], bundle.codes)
    with pytest.raises(DataValidationError, match=r"damaged.zip: could not be read as a zip"):
        parse_provider_files([("damaged.zip", b"PK\x03\x04 not really")], bundle.codes)
    no_month = b"Org Code,Seen within 4 hours,Attendances\nRTP,1,2\n"
    with pytest.raises(DataValidationError, match=r"extract.csv, row 1: no period column"):
        parse_provider_files([("extract.csv", no_month)], bundle.codes)
    ragged = APRIL_2021.read_bytes() + b"MSitAE-APRIL-2021,RXX,a,b,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20\n"
    upload = parse_provider_files([("ragged.csv", ragged)], bundle.codes)
    assert upload.rows_read == 211 and upload.rejected["org_code"].tolist() == ["RXX"]
    assert upload.rejected["reason"].item() == "more attendances over 4 hours than attendances"


# ---------------------------------------------------------------- against and beyond the bundled series


def test_overlap_with_the_bundle_reports_no_difference_for_the_real_files(bundle):
    upload = parse_provider_files([(p.name, p.read_bytes()) for p in (APRIL_2019, APRIL_2021)], bundle.codes)
    new, overlap, differences = compare_with_bundled(upload.accepted, bundle.metrics)
    assert new == [] and overlap == ["2019-04", "2021-04"] and differences.empty


def test_a_doctored_copy_is_reported_not_replaced(bundle):
    # Manchester University (R0A, Greater Manchester) with 1,000 more type-1 attendances.
    rows = list(csv.reader(io.StringIO(APRIL_2021.read_text())))
    at = rows[0].index("A&E attendances Type 1")
    for row in rows:
        if row[1] == "R0A":
            row[at] = str(int(row[at]) + 1000)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    upload = parse_provider_files([("doctored.csv", out.getvalue().encode())], bundle.codes)
    _, overlap, differences = compare_with_bundled(upload.accepted, bundle.metrics)
    assert overlap == ["2021-04"] and set(differences["code"]) == {"E54000007"}
    row = differences.set_index("measure").loc["ae_type1_attendances"]
    assert row["file"] - row["bundled"] == 1000
    merged = with_user_metrics(bundle, [LoadedFile("doctored.csv", "now", upload)])
    assert len(merged.metrics) == len(bundle.metrics)  # a bundled month is never replaced


def test_a_constructed_march_2026_extends_every_series(bundle):
    upload = read(MARCH_2026, bundle)
    assert upload.columns.header_row == 2  # its first row says it is constructed test data
    new, overlap, _ = compare_with_bundled(upload.accepted, bundle.metrics)
    assert new == ["2026-03"] and overlap == []
    loaded = LoadedFile(MARCH_2026.name, "3 Dec 2026 10:00", upload)
    merged = with_user_metrics(bundle, [loaded])
    added = merged.metrics.iloc[len(bundle.metrics) :]
    assert set(added["measure"]) == set(AE_MEASURES) and set(added["period"]) == {"2026-03"}
    assert added["source"].str.startswith(f"Your file {MARCH_2026.name}").all()
    assert len(merged.measures) == len(bundle.measures)  # the bundled ids: no 'your_' copies
    series = emergency.footprint_series(merged.metrics, merged.flags, "ae_type1_4hr_pct", "E54000007")
    assert series["period"].iloc[-1] == "2026-03" and series["period"].iloc[-2] == "2026-02"
    england = emergency.england_series(merged.metrics, merged.measures, "ae_type1_4hr_pct")
    assert england["period"].iloc[-1] == "2026-03"
    months = user_months(bundle, [loaded])
    assert [m.caption for m in months] == [f"March 2026: from your file {MARCH_2026.name}"]


def test_ordinary_files_still_get_your_prefixed_ids(bundle):
    from stp_data.upload import parse_metrics_file

    ordinary = parse_metrics_file(
        b"code,measure,period,value,unit\nE54000034,ae_type1_4hr_pct,2026-03,70,%\n", "mine.csv", bundle.codes
    )
    merged = with_user_metrics(bundle, [LoadedFile("mine.csv", "now", ordinary)])
    assert "your_ae_type1_4hr_pct" in set(merged.metrics["measure"])
    assert user_months(bundle, [LoadedFile("mine.csv", "now", ordinary)]) == []


# ---------------------------------------------------------------- a trust's own extract


def test_a_trusts_own_extract_is_a_ratio_of_sums_per_footprint(bundle):
    upload = read(EXTRACT, bundle)
    assert upload.kind == RATIO and not upload.joins_bundled
    assert (upload.columns.numerator, upload.columns.denominator) == ("Seen within 4 hours", "Attendances")
    got = figures(upload, "2026-03")
    pct = upload.measures.loc[upload.measures["unit"] == "%", "measure"].item()
    assert got[("E54000034", pct)] == pytest.approx(round(100 * 15_000 / 19_716, 3))
    # Surrey Heartlands (RTK) and Surrey and Sussex (RTP) are in different footprints.
    assert got[("E54000033", pct)] == pytest.approx(round(100 * 7_000 / 8_823, 3))
    assert list(upload.unmapped["org_code"]) == ["X9999"]
    merged = with_user_metrics(bundle, [LoadedFile(EXTRACT.name, "now", upload)])
    assert pct in set(merged.measures["measure"]) and merged.measures.set_index("measure").loc[pct, "theme"]


def test_roles_can_be_changed(bundle):
    upload = read(EXTRACT, bundle)
    swapped = upload.columns.with_roles(numerator="Attendances", denominator="Seen within 4 hours")
    again = read(EXTRACT, bundle, columns=swapped)
    assert again.rows_rejected == 4 and "numerator larger" in again.rejected["reason"].iloc[0]


# ---------------------------------------------------------------- the bundled lookups


def test_lookups_load_and_validate(bundle, tmp_path):
    lookup = trusts.load_trust_lookup(bundle.codes)
    assert len(lookup) == 144 and lookup["org_code"].is_unique
    assert lookup.set_index("org_code").loc["RJF", "code"] == "E54000010"
    assert lookup.set_index("org_code").loc["RTG", "code"] == "E54000012"
    field_test = trusts.load_field_test_trusts()
    assert "RDU" in trusts.field_test_in(field_test, "2021-04") and not trusts.field_test_in(field_test, "2023-06")
    broken = pd.read_csv(ROOT / "stp_data/data/trust_lookup.csv", dtype=str)
    broken.loc[3, "code"] = "E54000099"
    broken.loc[5, "org_code"] = broken.loc[6, "org_code"]
    broken.to_csv(tmp_path / "trust_lookup.csv", index=False)
    with pytest.raises(DataValidationError) as error:
        trusts.load_trust_lookup(bundle.codes, tmp_path)
    where = {(p.file, p.row, p.column) for p in error.value.problems}
    assert ("trust_lookup.csv", 5, "code") in where
    assert ("trust_lookup.csv", 7, "org_code") in where or ("trust_lookup.csv", 8, "org_code") in where
    ft = pd.read_csv(ROOT / "stp_data/data/ae_field_test_trusts.csv", dtype=str)
    ft.loc[0, "first_month"] = "May 2019"
    ft.to_csv(tmp_path / "ae_field_test_trusts.csv", index=False)
    with pytest.raises(DataValidationError, match=r"ae_field_test_trusts.csv, row 2, column 'first_month'"):
        trusts.load_field_test_trusts(tmp_path)


def test_a_data_folder_reads_provider_files_and_labels_them(bundle, tmp_path):
    from stp_data.user_data import read_folder

    (tmp_path / MARCH_2026.name).write_bytes(MARCH_2026.read_bytes())
    loaded, problems = read_folder(tmp_path, bundle.codes, "3 Dec 2026 09:00")
    assert problems == [] and len(loaded) == 1
    assert loaded[0].upload.joins_bundled
    assert "NHS England A&E provider file for March 2026" in loaded[0].described


def test_a_utf8_bom_and_windows_line_endings_read_the_same(bundle):
    data = b"\xef\xbb\xbf" + APRIL_2021.read_bytes().replace(b"\n", b"\r\n")
    upload = parse_provider_files([("bom.csv", data)], bundle.codes)
    assert upload.columns.period == "Period"
    assert figures(upload, "2021-04") == figures(read(APRIL_2021, bundle), "2021-04")
