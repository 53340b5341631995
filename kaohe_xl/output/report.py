"""What an output writer did: one report type for the 汇总 workbook, the 反馈表 and the export."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class OutputReport:
    """What :func:`~kaohe_xl.output.summary.write_summary`,
    :func:`~kaohe_xl.output.feedback.write_feedback` and
    :func:`~kaohe_xl.output.export.export_results` wrote.

    ``path`` is the main result: the workbook, the export file, or the 反馈表 folder;
    ``files`` every file written, in order. ``note`` says when a target was open in
    Excel and the new file went beside it (``汇总表(1).xlsx``).
    """

    path: Path
    files: list[Path] = field(default_factory=list)
    pdf: Path | None = None
    note: str = ""
    units: int = 0  # units in the campaign
    scored: int = 0  # units with a composite
    pending: list[str] = field(default_factory=list)  # "01 东湖村：考核组评分表待提交"

    def add_note(self, note: str) -> None:
        """Add a note (several files may each have gone beside an open one)."""
        if note and note not in self.note:
            self.note = "；".join(n for n in (self.note, note) if n)
