"""What the office prints and files: the 汇总 workbook, the 反馈表, results as data.

- :mod:`.summary` and :mod:`.summary_sheets`: 汇总表, 自评与考核差异, 分项明细, 回收情况;
- :mod:`.feedback`: one 反馈表 per unit;
- :mod:`.export`: CSV and JSON (and the year's snapshot);
- :mod:`.loss`: 失分分析 (a sheet of the 汇总 workbook) and each 反馈表's weakest items;
- :mod:`.compare`, :mod:`.compare_sheets`, :mod:`.compare_details`: 与上年对比 (``kaohe compare``).
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.output.compare import write_comparison
    from kaohe_xl.output.export import export_results
    from kaohe_xl.output.feedback import write_feedback
    from kaohe_xl.output.summary import write_summary

__all__ = ["export_results", "write_comparison", "write_feedback", "write_summary"]
__getattr__ = lazy_exports(
    __name__,
    {
        "export_results": "export",
        "write_comparison": "compare",
        "write_feedback": "feedback",
        "write_summary": "summary",
    },
)
