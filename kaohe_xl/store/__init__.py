"""The campaign store: one SQLite file per campaign, and what it says about the returns.

- :mod:`.db`: schema, migrations, connections and errors;
- :mod:`.records`: the plain records passed from the store to scoring and outputs;
- :mod:`.status`: latest valid values, per-unit collection state, ``kaohe status``.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.store.db import DB_NAME, connect
    from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState
    from kaohe_xl.store.report import StatusReport, status_report
    from kaohe_xl.store.status import collection_status, latest_records

__all__ = [
    "DB_NAME",
    "ReturnState",
    "ScoreRecord",
    "StatusReport",
    "UnitState",
    "collection_status",
    "connect",
    "latest_records",
    "status_report",
]
__getattr__ = lazy_exports(
    __name__,
    {
        "DB_NAME": "db",
        "connect": "db",
        **dict.fromkeys(("ReturnState", "ScoreRecord", "UnitState"), "records"),
        **dict.fromkeys(("StatusReport", "status_report"), "report"),
        **dict.fromkeys(("collection_status", "latest_records"), "status"),
    },
    moved_from="db",
)
