"""Validation problems as values: one frozen record per problem, collected in lists.

Rubric loading and return validation both report :class:`Problem` records. A problem
says where it is (file, sheet, cell, item), what was found (value) and, in Chinese for
the office staff, what is wrong and how to fix it (message). ``code`` is stable and
English so scripts and tests can rely on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One located problem found while reading a rubric or a returned workbook."""

    code: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    item: str = ""
    value: str = ""
    severity: Severity = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def location(self) -> str:
        """``file sheet!cell`` as far as it is known, e.g. ``细则.xlsx 条目!C14``."""
        place = ""
        if self.sheet:
            place = self.sheet + (f"!{self.cell}" if self.cell else "")
        elif self.cell:
            place = self.cell
        return " ".join(part for part in (self.file, place) if part)

    def describe(self) -> str:
        """One line for a terminal or a log."""
        where = self.location()
        tag = "错误" if self.is_error else "警告"
        item = f" [条目 {self.item}]" if self.item else ""
        return f"{tag} {self.code}: {where}{item}: {self.message}".replace(" : ", ": ")


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that block (severity ``error``)."""
    return [p for p in problems if p.is_error]


def warnings_in(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that only warn."""
    return [p for p in problems if not p.is_error]
