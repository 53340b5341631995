"""What the office prints and files: the 汇总 workbook, the 反馈表, results as data.

- :mod:`.summary` and :mod:`.summary_sheets`: 汇总表, 自评与考核差异, 分项明细, 回收情况;
- :mod:`.feedback`: one 反馈表 per unit;
- :mod:`.export`: CSV and JSON.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.output.export import export_results
    from kaohe_xl.output.feedback import write_feedback
    from kaohe_xl.output.summary import write_summary

__all__ = ["export_results", "write_feedback", "write_summary"]
__getattr__ = lazy_exports(
    __name__, {"export_results": "export", "write_feedback": "feedback", "write_summary": "summary"}
)
