"""What ``kaohe collect`` reports: one :class:`FileResult` per file received, and the
:class:`CollectReport` of a run with its counts, problem lines and notes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_xl.problems import Problem, errors_in
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store.records import FILE_STATUS_LABELS


@dataclass(frozen=True)
class FileResult:
    """What happened to one received file.

    ``status``: accepted (stored, no errors) | invalid (stored as a revision, has errors:
    待核实) | rejected (not a form of this campaign) | quarantined (not a readable
    workbook) | duplicate (already in the store) | unreadable (could not be read from disk).
    """

    name: str
    source: str
    sha256: str
    status: str
    form: FormKind | None = None
    subject_id: str = ""
    rater: str = ""
    revision: int = 0
    problems: tuple[Problem, ...] = ()

    @property
    def reason(self) -> str:
        """The first error, located (``自评表!G7 [条目 3]：...``); '' when there is none."""
        return first_error(self.problems)


@dataclass
class CollectReport:
    """Every file's result, in the order received, and the counts.

    ``skipped``: the campaign's own files met in the folders given (not collected);
    ``skipped_files``: what was not taken because it is no regular file (a named pipe)
    or a link leading out of the paths given, as ``path（reason）``.
    """

    results: list[FileResult] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    unreadable_folders: list[str] = field(default_factory=list)  # "path（reason）"
    skipped_files: list[str] = field(default_factory=list)  # "path（reason）"

    def _count(self, *statuses: str) -> int:
        return sum(1 for r in self.results if r.status in statuses)

    @property
    def accepted(self) -> int:
        """Files stored as a revision of a return (including those with errors)."""
        return self._count("accepted", "invalid")

    @property
    def invalid(self) -> int:
        """Stored returns that have errors (待核实)."""
        return self._count("invalid")

    @property
    def rejected(self) -> int:
        """Files not stored as returns: not ours, forged, unreadable, quarantined."""
        return self._count("rejected", "quarantined", "unreadable")

    @property
    def duplicates(self) -> int:
        return self._count("duplicate")

    @property
    def clean(self) -> bool:
        """True when every file was accepted without errors (duplicates are fine), every
        folder could be read and nothing was skipped as no regular file."""
        return self.rejected == 0 and self.invalid == 0 and not self.unreadable_folders and not self.skipped_files

    def problem_lines(self) -> list[str]:
        """One line per file that was not accepted cleanly, then its problems indented."""
        lines: list[str] = []
        labels = FILE_STATUS_LABELS
        for result in self.results:
            if result.status not in labels:
                continue
            who = (
                f"（{result.form.label} {result.subject_id} {result.rater}）".replace(" ）", "）")
                if result.form
                else ""
            )
            lines.append(f"{labels[result.status]}：{result.source}{who}")
            lines.extend(f"    {p.describe()}" for p in result.problems)
        return lines

    def notes(self) -> list[str]:
        """Things to know that are not problems of a file: several files of one unit in
        this run (which one counts), the campaign's own files skipped, nothing found."""
        lines = [f"无法打开文件夹 {folder}，其中的文件未收取" for folder in self.unreadable_folders]
        lines += [f"已跳过 {entry}" for entry in self.skipped_files]
        if not self.results and not self.skipped_files:
            lines.append("没有找到任何文件：请检查给出的文件夹（回收的表格通常在考核目录的 inbox 文件夹中）")
        by_key: dict[tuple[str, str, str], list[FileResult]] = {}
        for result in self.results:
            if result.status in ("accepted", "invalid") and result.form is not None:
                by_key.setdefault((result.form.label, result.subject_id, result.rater), []).append(result)
        for (label, subject, rater), results in by_key.items():
            if len(results) < 2:
                continue
            head = f"注意：{label} {f'{subject} {rater}'.strip()} 本次收到 {len(results)} 份"
            last = results[-1]
            valid = [r for r in results if r.status == "accepted"]
            if last.status == "accepted":
                lines.append(f"{head}，以最后保存的“{last.name}”（第 {last.revision} 版）为准")
            elif valid:  # the newest has errors: the newest valid one counts meanwhile
                lines.append(
                    f"{head}，最后保存的“{last.name}”有错误（待核实），"
                    f"暂以“{valid[-1].name}”（第 {valid[-1].revision} 版）为准"
                )
            else:
                lines.append(f"{head}，都有错误（待核实），最后保存的是“{last.name}”（第 {last.revision} 版）")
        if self.skipped:
            lines.append(f"已跳过考核目录自身的 {len(self.skipped)} 个文件（下发的表格、存档、输出等），它们不是回收表")
        return lines

    def summary(self) -> str:
        """One line for the terminal: how many of each."""
        text = f"共 {len(self.results)} 个文件：接收 {self.accepted} 份"
        if self.invalid:
            text += f"（其中 {self.invalid} 份有错误，待核实）"
        return text + f"，拒收 {self.rejected} 份，重复 {self.duplicates} 份"


def first_error(problems: Iterable[Problem]) -> str:
    """The first error without the file name, e.g. ``自评表!G7 [条目 3]：超过最高分 4…``."""
    for problem in errors_in(problems):
        where = f"{problem.sheet}!{problem.cell}" if problem.cell else problem.sheet
        item = f" [条目 {problem.item}]" if problem.item else ""
        head = f"{where}{item}".strip()
        return f"{head}：{problem.message}" if head else problem.message
    return ""
