"""The office's front end in the spreadsheet: the 考核 ribbon tab and the control workbook.

- :mod:`.buttons`: the buttons as plain data, one table for every front end;
- :mod:`.handlers`: what each button does, for any calling workbook;
- :mod:`.excel`: the calling workbook in Excel (the only xlwings import);
- :mod:`.control`: 控制台.xlsx in every campaign folder;
- :mod:`.build` and :mod:`.ovba`: the .xlam, built without Excel;
- :mod:`.wps_build`, :mod:`.wps_install`: the WPS add-in (a JS 加载项, files in
  ``wps_addin/``), built and registered in WPS's jsaddons folder;
- :mod:`.wps`: the calling workbook in WPS, answered through a result file;
- :mod:`.launchers`: the WPS add-in's launcher and double-click launchers (.cmd, .sh).

The Excel ribbon calls ``kaohe_xl.addin.on_action('<button id>')``; the WPS ribbon calls
main.js, which runs ``kaohe addin run <button id> <campaign> --result <file>``.
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
