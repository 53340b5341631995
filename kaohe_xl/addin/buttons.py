"""The 考核 ribbon's buttons as plain data: one table for every front end.

The Excel add-in's ribbon XML (:mod:`kaohe_xl.addin.build`), the WPS add-in's ribbon.xml
and buttons.js (:mod:`kaohe_xl.addin.wps_build`), the control workbook's button list
(:mod:`kaohe_xl.addin.control`) and the double-click launchers all read this table;
:mod:`kaohe_xl.addin.handlers` says what each button does.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE = "考核"  # the ribbon tab's label, also the title of message boxes


@dataclass(frozen=True)
class Button:
    """One ribbon button. ``id`` is an ASCII XML name; ``command`` is the CLI equivalent."""

    id: str
    label: str
    group: str
    image: str  # imageMso: the name of a built-in Office icon
    help: str
    command: str


BUTTONS: tuple[Button, ...] = (
    Button(
        "kh_generate",
        "生成评分表",
        "准备",
        "TableInsert",
        "为每个单位生成自评表、为每个考核组生成考核组评分表（已回收的自评得分会填入），保存在考核目录的 forms 文件夹。",
        "kaohe generate 考核目录",
    ),
    Button(
        "kh_collect",
        "汇总回收表",
        "回收",
        "ImportExcel",
        "读取考核目录 inbox 文件夹中的全部回收表格（重复的文件不会重复登记），列出拒收和待核实的文件，然后刷新并打开汇总表。",
        "kaohe collect 考核目录 考核目录/inbox，再 kaohe summary 考核目录",
    ),
    Button(
        "kh_status",
        "回收情况",
        "回收",
        "Info",
        "统计每种表格已收到、待提交、待核实的单位，写入本控制台。",
        "kaohe status 考核目录",
    ),
    Button(
        "kh_print",
        "打印汇总表",
        "输出",
        "FilePrint",
        "用 Excel 或 WPS 打印 output 文件夹中汇总表.xlsx 的“汇总表”工作表（还没有汇总表时先生成）。",
        "kaohe summary 考核目录 --pdf，再打印 PDF",
    ),
    Button(
        "kh_open_folder",
        "打开考核文件夹",
        "输出",
        "FileOpen",
        "在资源管理器（访达、文件管理器）中打开考核目录：forms 是发出的表格，inbox 放回收的表格，output 是汇总结果。",
        "直接在资源管理器中打开考核目录",
    ),
)
BUTTONS_BY_ID: dict[str, Button] = {b.id: b for b in BUTTONS}
