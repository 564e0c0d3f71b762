"""CSV out: formula-like cells and headers neutralised for spreadsheets, numbers kept as numbers."""

from __future__ import annotations

import pandas as pd

from exports.csv import neutralise_formulas, safe_csv_bytes


def test_formula_cells_are_neutralised_but_numbers_kept():
    frame = pd.DataFrame(
        {"text": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "plain"], "number": [-1.5, 2, 3, 4, 5]}
    )
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist() == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "plain"]
    assert safe["number"].tolist() == [-1.5, 2, 3, 4, 5]
    assert safe_csv_bytes(frame).startswith("\ufeff".encode())


def test_formula_like_headers_are_neutralised_too():
    frame = pd.DataFrame({'=HYPERLINK("http://x")': ["a"], "ok": ["b"]})
    assert list(neutralise_formulas(frame).columns) == ['\'=HYPERLINK("http://x")', "ok"]
