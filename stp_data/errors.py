"""The one error type for data that cannot be used, naming file, row and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or one column, when row is None).

    Rows are counted as a spreadsheet does: the header is row 1, so the first
    data row is row 2.
    """

    file: str
    row: int | None
    column: str | None
    reason: str

    def describe(self) -> str:
        where = [Path(self.file).name]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.reason}"


class DataValidationError(ValueError):
    """Raised when a table fails validation. `problems` lists every failure found."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("DataValidationError needs at least one problem")
        self.problems = problems
        first = problems[0]
        self.file, self.row, self.column = first.file, first.row, first.column
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(first.describe() + more)
