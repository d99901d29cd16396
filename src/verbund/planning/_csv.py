"""Reading the planning CSV files: a header line, then rows; every error names line and column."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from verbund.errors import PlanningError

INTERVAL_MINUTES = 15


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line number and its cells by column name."""

    source: str
    line: int
    cells: dict[str, str]
    positions: dict[str, int]

    def fail(self, column: str, problem: str) -> PlanningError:
        """An error that points at this row's cell in ``column``."""
        return PlanningError(
            f"{self.source}, line {self.line}, column {self.positions[column] + 1} ({column}): "
            f"{problem}"
        )

    def text(self, column: str) -> str:
        value = self.cells[column].strip()
        if not value:
            raise self.fail(column, "is empty; every row needs a value here")
        return value

    def number(self, column: str, what: str) -> float:
        """A finite number, zero or above."""
        text = self.text(column)
        try:
            value = float(text)
        except ValueError:
            hint = "; use a decimal point, not a comma" if "," in text else ""
            raise self.fail(column, f"{text!r} is not a number; give {what}{hint}") from None
        if not math.isfinite(value):
            raise self.fail(column, f"{text!r} is not a finite number; give {what}")
        if value < 0.0:
            raise self.fail(column, f"{text!r} is negative; give {what}")
        return value

    def whole_number(self, column: str, what: str) -> int:
        value = self.number(column, what)
        if value != math.floor(value):
            raise self.fail(column, f"{self.text(column)!r} is not a whole number; give {what}")
        return int(value)

    def interval_start(self, column: str) -> datetime:
        text = self.text(column)
        try:
            start = datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(
                column,
                f"{text!r} is not a date and time; write it as in 2021-01-12T07:15 (ISO 8601)",
            ) from None
        if start.minute % INTERVAL_MINUTES or start.second or start.microsecond:
            raise self.fail(
                column,
                f"{text!r} is not on a {INTERVAL_MINUTES}-minute boundary; intervals start at "
                ":00, :15, :30 or :45",
            )
        return start


def read_rows(lines: Iterable[str], source: str, columns: Sequence[str]) -> Iterator[Row]:
    """The rows of a CSV text with at least ``columns`` in its header (more are ignored).

    Blank lines and lines whose first cell starts with ``#`` are skipped. Column names are
    matched without regard to case or surrounding spaces.
    """
    reader = csv.reader(lines)
    positions: dict[str, int] | None = None
    width = 0
    try:
        for fields in reader:
            if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
                continue
            if positions is None:
                names = [field.strip().lstrip("\ufeff").strip().lower() for field in fields]
                missing = [column for column in columns if column not in names]
                if missing:
                    raise PlanningError(
                        f"{source}, line {reader.line_num}: the header lacks "
                        f"{_names(missing)}; it must name {','.join(columns)} "
                        f"(found {','.join(names)})"
                    )
                positions = {column: names.index(column) for column in columns}
                width = len(names)
                continue
            if len(fields) != width:
                raise PlanningError(
                    f"{source}, line {reader.line_num}: {len(fields)} fields, but the header has "
                    f"{width}; check for a missing value or an unquoted comma"
                )
            yield Row(
                source,
                reader.line_num,
                {column: fields[index] for column, index in positions.items()},
                positions,
            )
    except csv.Error as exc:
        raise PlanningError(f"{source}, line {reader.line_num}: not valid CSV ({exc})") from exc
    if positions is None:
        raise PlanningError(
            f"{source} is empty; it needs a header line {','.join(columns)} and then one row per "
            "line"
        )


def _names(columns: Sequence[str]) -> str:
    quoted = [f"'{column}'" for column in columns]
    if len(quoted) == 1:
        return f"column {quoted[0]}"
    return "columns " + ", ".join(quoted)
