"""Received files → identified, read, validated returns in the store, and the report.

The flow, one module a step: :mod:`.received` (files, folders, zips → bytes) →
:mod:`.opening` (the package checked, every sheet parsed, calamine given only what is
proven safe) → :mod:`.returns` (raw cell values) → :mod:`.identify` (whose form is it) →
:mod:`.cells`, :mod:`.visible` and :mod:`.validate` (values and problems) → :mod:`.run`
(archive and store) → :mod:`.report` (what ``kaohe collect`` prints). :mod:`.amend`
changes a running campaign's rubric or units list (``kaohe update``).
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.collect.report import CollectReport, FileResult
    from kaohe_xl.collect.run import collect

__all__ = ["CollectReport", "FileResult", "collect"]
__getattr__ = lazy_exports(
    __name__, {"collect": "run", "CollectReport": "report", "FileResult": "report"}, moved_from="run"
)
