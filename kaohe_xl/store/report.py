"""The tables of ``kaohe status`` (and ``--json``): states per form and round, rejected files."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from kaohe_xl.rubric.model import FormKind, Rubric
from kaohe_xl.store import db as store
from kaohe_xl.store.records import ReturnState, UnitState
from kaohe_xl.store.status import Campaign, collection_status
from kaohe_xl.textnorm import display_width


@dataclass
class StatusReport:
    """The data of ``kaohe status``: state rows per form kind, and the rejected files."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # form (and round) → rows
    rejected: list[dict[str, str]] = field(default_factory=list)

    def missing(self) -> dict[str, list[dict[str, Any]]]:
        """Only the rows still owed a usable return: 待提交, and 待核实 (a return with
        errors, which the unit must correct and send again)."""
        owed = (ReturnState.MISSING.value, ReturnState.INVALID.value)
        return {
            form: [r for r in rows if r["state"] in owed]
            for form, rows in self.rows.items()
            if any(r["state"] in owed for r in rows)
        }

    def counts(self) -> dict[str, dict[str, int]]:
        """form label → {已收到: n, 待提交: n, 待核实: n}."""
        return {
            form: {state.label: sum(1 for r in rows if r["state"] == state.value) for state in ReturnState}
            for form, rows in self.rows.items()
        }

    def as_json(self) -> dict[str, Any]:
        """The machine-readable form of ``kaohe status --json``."""
        return {"forms": self.rows, "counts": self.counts(), "rejected": self.rejected}

    def lines(self, missing_only: bool = False) -> list[str]:
        """The tables as terminal lines: one block per form kind, then the rejected files."""
        out: list[str] = []
        tables = self.missing() if missing_only else self.rows
        widths = _Widths()
        all_counts = self.counts()
        for form, rows in tables.items():
            counts = "，".join(f"{label} {n}" for label, n in all_counts[form].items() if n)
            out.append(f"【{form}】{counts}")
            id_width = max(widths(r["unit_id"]) for r in rows)
            name_width = max(widths(r["unit_name"]) for r in rows)
            for r in rows:
                # pad by display width: a Chinese character takes two columns in a terminal
                line = f"  {widths.pad(r['unit_id'], id_width)} {widths.pad(r['unit_name'], name_width)} {r['state_label']}"
                if r["revisions"]:
                    line += f"  第{r['revisions']}版 {r['received_at']}"
                if r["note"]:
                    line += f"  {r['note']}"
                out.append(line)
        if missing_only and not tables:
            out.append("所有表格均已收到，且没有待核实的错误。")
        if self.rejected and not missing_only:
            out.append(f"【拒收的文件】{len(self.rejected)} 个")
            out.extend(f"  {r['original_name']}  {r['received_at']}  {r['reason']}" for r in self.rejected)
        return out


class _Widths(dict[str, int]):
    """:func:`display_width` of each text, worked out once (a unit shows in every table)."""

    def __call__(self, text: str) -> int:
        width = self.get(text)
        if width is None:
            width = self[text] = len(text) if text.isascii() else display_width(text)
        return width

    def pad(self, text: str, width: int) -> str:
        return text + " " * (width - self(text))


def state_heading(rubric: Rubric, state: UnitState) -> str:
    """The table a state is listed under: its form, and the round when a form has several
    sources (``考核组评分表（专项督查）``)."""
    if state.form is not FormKind.RATER and state.source and len(rubric.sources_of(state.form)) > 1:
        return f"{state.form.label}（{state.source}）"
    return state.form.label


def status_report(campaign: Campaign) -> StatusReport:
    """Collection state of every unit per form (and round), and every rejected/quarantined file."""
    names = {unit.id: unit.name for unit in campaign.units}
    report = StatusReport()
    headings: dict[tuple[FormKind, str], list[dict[str, Any]]] = {}  # (form, source) → its table's rows
    kinds = {form: form.value for form in FormKind}
    labels = {value: (value.value, value.label) for value in ReturnState}
    for state in collection_status(campaign):
        row = dict(vars(state))  # its fields in order (asdict() deep-copies: 10 times slower)
        row["form"] = kinds[state.form]
        row["state"], row["state_label"] = labels[state.state]
        row["unit_name"] = names.get(state.unit_id, "")
        table = headings.get((state.form, state.source))
        if table is None:
            table = report.rows.setdefault(state_heading(campaign.rubric, state), [])
            headings[(state.form, state.source)] = table
        table.append(row)
    with closing(campaign.connect()) as conn:
        rows = conn.execute(
            "SELECT original_name, source_path, received_at, status, reason, sha256 FROM files"
            f" WHERE {store.REFUSED_FILES} ORDER BY received_at, id"
        ).fetchall()
    report.rejected = [dict(row) for row in rows]
    return report
