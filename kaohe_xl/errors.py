"""The exception tree of kaohe-xl. No logic lives here.

::

    KaoheError
    ├── RubricError(ValueError)     the rubric workbook/YAML cannot be used; carries .problems
    ├── CampaignError               the campaign folder is missing, incomplete or would be overwritten
    ├── StoreError                  the campaign store (kaohe.sqlite) cannot be opened or written
    ├── FormError                   a returned file is not one of ours, or is damaged
    ├── OutputError(OSError)        an output file cannot be written (e.g. open in Excel)
    ├── ResultsFileError(ValueError) a year's results (snapshot, export, 汇总表) or a 单位对照表 cannot be read
    ├── MailError                   sending or fetching mail failed as a whole
    └── ToolMissingError            an external program (LibreOffice, xlwings) is not available

Validation problems in rubrics and returned workbooks are *values*
(:class:`kaohe_xl.problems.Problem`), collected in lists; an exception is raised only
when the whole operation cannot go on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kaohe_xl.problems import Problem


class KaoheError(Exception):
    """Base class of every error kaohe-xl raises on purpose."""


class RubricError(KaoheError, ValueError):
    """The rubric cannot be loaded; ``problems`` lists every located reason."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        lines = [head] + [f"  - {p.describe()}" for p in self.problems]
        return "\n".join(lines)


class CampaignError(KaoheError):
    """The campaign folder is missing, incomplete, or an action would overwrite it."""


class StoreError(KaoheError):
    """The campaign store cannot be opened or written (read-only folder, locked, damaged)."""


class FormError(KaoheError):
    """A returned file is not a kaohe form of this campaign, or cannot be read."""


class OutputError(KaoheError, OSError):
    """An output file cannot be written (locked by Excel/WPS, no permission)."""


class ResultsFileError(KaoheError, ValueError):
    """A year's results to compare with (snapshot, export, 汇总表) or a 单位对照表 cannot be read."""


class MailError(KaoheError):
    """Mail cannot be sent or fetched at all (settings, connection for the whole run)."""


class ToolMissingError(KaoheError):
    """An external program the action needs (LibreOffice, xlwings) is not installed."""
