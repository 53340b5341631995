"""kaohe-xl: run an annual target-management assessment (目标管理考核) in Excel workbooks.

The public API, imported lazily so that ``kaohe --help`` stays fast::

    from kaohe_xl import Campaign, collect_returns, generate_forms, write_summary

    campaign = Campaign.init("2023老干部考核", "细则.xlsx", "单位.xlsx")
    generate_forms(campaign)
    collect_returns(campaign, ["回收"])
    write_summary(campaign, pdf=True)

(``collect_returns`` is :func:`kaohe_xl.collect.collect`; the package attribute
``collect`` is that module, so the function is exported under a name of its own.)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Campaign": "campaign",
    "load_rubric": "rubric.load",
    "Rubric": "rubric.model",
    "FormKind": "rubric.model",
    "ItemKind": "rubric.model",
    "load_units": "rubric.units",
    "Problem": "problems",
    "KaoheError": "errors",
    "generate_forms": "forms.generate",
    "collect_returns": "collect.run",
    "collection_status": "store.status",
    "latest_records": "store.status",
    "status_report": "store.status",
    "write_summary": "output.summary",
    "write_feedback": "output.feedback",
    "export_results": "output.export",
    "run_demo": "demo",
}
__all__ = [
    "Campaign",
    "FormKind",
    "ItemKind",
    "KaoheError",
    "Problem",
    "Rubric",
    "__version__",
    "collect_returns",
    "collection_status",
    "export_results",
    "generate_forms",
    "latest_records",
    "load_rubric",
    "load_units",
    "run_demo",
    "status_report",
    "write_feedback",
    "write_summary",
]

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.collect.run import collect as collect_returns
    from kaohe_xl.demo import run_demo
    from kaohe_xl.errors import KaoheError
    from kaohe_xl.forms.generate import generate_forms
    from kaohe_xl.output.export import export_results
    from kaohe_xl.output.feedback import write_feedback
    from kaohe_xl.output.summary import write_summary
    from kaohe_xl.problems import Problem
    from kaohe_xl.rubric.load import load_rubric
    from kaohe_xl.rubric.model import FormKind, ItemKind, Rubric
    from kaohe_xl.rubric.units import load_units
    from kaohe_xl.store.status import collection_status, latest_records, status_report


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, "collect" if name == "collect_returns" else name)
    raise AttributeError(f"module 'kaohe_xl' has no attribute {name!r}")
