"""The office's front end in the spreadsheet: the 考核 ribbon tab and the control workbook.

- :mod:`.buttons`: the buttons as plain data, one table for every front end;
- :mod:`.handlers`: what each button does, for any calling workbook;
- :mod:`.excel`: the calling workbook in Excel (the only xlwings import);
- :mod:`.control`: 控制台.xlsx in every campaign folder;
- :mod:`.build` and :mod:`.ovba`: the .xlam, built without Excel;
- :mod:`.launchers`: double-click launchers for WPS.

The Excel ribbon calls ``kaohe_xl.addin.on_action('<button id>')``.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.addin.buttons import BUTTONS
    from kaohe_xl.addin.control import write_control_workbook
    from kaohe_xl.addin.excel import XlwingsBook, on_action
    from kaohe_xl.addin.handlers import press
    from kaohe_xl.addin.launchers import write_launchers

__all__ = ["BUTTONS", "XlwingsBook", "on_action", "press", "write_control_workbook", "write_launchers"]
__getattr__ = lazy_exports(
    __name__,
    {
        "BUTTONS": "buttons",
        "XlwingsBook": "excel",
        "on_action": "excel",
        "press": "handlers",
        "write_control_workbook": "control",
        "write_launchers": "launchers",
    },
    moved_from="handlers",
)
