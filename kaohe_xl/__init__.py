"""kaohe-xl: run an annual target-management assessment (目标管理考核) in Excel workbooks.

The public API, imported lazily so that ``kaohe --help`` stays fast::

    from kaohe_xl import Campaign, collect_returns, generate_forms, results_frame, write_summary

    campaign = Campaign.init("2023老干部考核", "细则.xlsx", "单位.xlsx")
    generate_forms(campaign)
    collect_returns(campaign, ["回收"])
    print(results_frame(campaign))
    write_summary(campaign, pdf=True)
    print(compare(campaign, "2022年结果快照.json"))     # this year against last year

Every function takes the campaign first, then its inputs, then ``out=``, then options.
The rooms behind these names (``kaohe_xl.rubric``, ``.forms``, ``.collect``,
``.scoring``, ``.output``, ``.mail``, ...) are importable too; docs/api.md lists them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kaohe_xl.lazy import keep_moved_modules, lazy_exports

__version__ = "0.2.0"

# public name -> "module:attribute" below kaohe_xl (the attribute defaults to the name)
_EXPORTS = {
    "Campaign": "campaign",
    "KaoheError": "errors",
    "Problem": "problems",
    # the rubric and the units list
    "FormKind": "rubric.model",
    "ItemKind": "rubric.model",
    "Rubric": "rubric.model",
    "Unit": "rubric.model",
    "load_rubric": "rubric.load",
    "load_units": "rubric.units",
    # forms out, returns in
    "GenerateReport": "forms.generate",
    "generate_forms": "forms.generate",
    "CollectReport": "collect.report",
    "collect_returns": "collect.run:collect",
    "collection_status": "store.status",
    "latest_records": "store.status",
    "status_report": "store.report",
    # results
    "compute_results": "scoring.results:compute",
    "results_frame": "scoring.frames",
    "item_scores_frame": "scoring.frames",
    "reconciliation_frame": "scoring.frames",
    "status_frame": "scoring.frames",
    "compare": "analysis.frames",
    "loss_frame": "analysis.frames",
    "OutputReport": "output.report",
    "write_summary": "output.summary",
    "write_feedback": "output.feedback",
    "export_results": "output.export",
    "write_comparison": "output.compare",
    # mail
    "MailKind": "mail.config",
    "send_mail": "mail.send:send",
    "preview_mail": "mail.send:preview",
    "write_drafts": "mail.drafts",
    "fetch_returns": "mail.fetch:fetch",
    # the office's front end
    "write_control_workbook": "addin.control",
    "run_demo": "demo",
}
__all__ = [
    "Campaign",
    "CollectReport",
    "FormKind",
    "GenerateReport",
    "ItemKind",
    "KaoheError",
    "MailKind",
    "OutputReport",
    "Problem",
    "Rubric",
    "Unit",
    "__version__",
    "collect_returns",
    "collection_status",
    "compare",
    "compute_results",
    "export_results",
    "fetch_returns",
    "generate_forms",
    "item_scores_frame",
    "latest_records",
    "load_rubric",
    "load_units",
    "loss_frame",
    "preview_mail",
    "reconciliation_frame",
    "results_frame",
    "run_demo",
    "send_mail",
    "status_frame",
    "status_report",
    "write_comparison",
    "write_control_workbook",
    "write_drafts",
    "write_feedback",
    "write_summary",
]

if TYPE_CHECKING:
    from kaohe_xl.addin.control import write_control_workbook
    from kaohe_xl.analysis.frames import compare, loss_frame
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.collect.report import CollectReport
    from kaohe_xl.collect.run import collect as collect_returns
    from kaohe_xl.demo import run_demo
    from kaohe_xl.errors import KaoheError
    from kaohe_xl.forms.generate import GenerateReport, generate_forms
    from kaohe_xl.mail.config import MailKind
    from kaohe_xl.mail.drafts import write_drafts
    from kaohe_xl.mail.fetch import fetch as fetch_returns
    from kaohe_xl.mail.send import preview as preview_mail
    from kaohe_xl.mail.send import send as send_mail
    from kaohe_xl.output.compare import write_comparison
    from kaohe_xl.output.export import export_results
    from kaohe_xl.output.feedback import write_feedback
    from kaohe_xl.output.report import OutputReport
    from kaohe_xl.output.summary import write_summary
    from kaohe_xl.problems import Problem
    from kaohe_xl.rubric.load import load_rubric
    from kaohe_xl.rubric.model import FormKind, ItemKind, Rubric, Unit
    from kaohe_xl.rubric.units import load_units
    from kaohe_xl.scoring.frames import item_scores_frame, reconciliation_frame, results_frame, status_frame
    from kaohe_xl.scoring.results import compute as compute_results
    from kaohe_xl.store.report import status_report
    from kaohe_xl.store.status import collection_status, latest_records

__getattr__ = lazy_exports(__name__, _EXPORTS)

# The flat modules of 0.1, importable until 0.3 (with a DeprecationWarning).
keep_moved_modules(
    __name__,
    {
        "rubric_load": ["rubric.load"],
        "units": ["rubric.units", "rubric.model"],
        "ooxml": ["xlsx.ooxml"],
        "printing": ["xlsx.libreoffice"],
        "records": ["store.records"],
        "status": ["store.status", "store.report"],
        "layout": ["forms.layout"],
        "fill": ["forms.fill"],
        "received": ["collect.received"],
        "identify": ["collect.identify"],
        "returns": ["collect.returns"],
        "validate": ["collect.validate"],
        "collect_report": ["collect.report"],
        "results": ["scoring.results", "scoring.frames"],
        "reconcile": ["scoring.reconcile"],
        "summary": ["output.summary"],
        "feedback": ["output.feedback"],
        "export": ["output.export"],
        "mail_config": ["mail.config"],
        "mail_message": ["mail.message"],
        "mail_plan": ["mail.plan"],
        "mail_send": ["mail.send", "mail.drafts", "mail.run"],
        "mail_fetch": ["mail.fetch"],
        "control": ["addin.control"],
        "addin_build": ["addin.build"],
    },
)
