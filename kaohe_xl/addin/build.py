"""Build ``kaohe_xl.xlam``, the Excel add-in with the 考核 ribbon tab, on any OS.

No Excel is needed. The build starts from the ribbon add-in template that the installed
xlwings ships (``quickstart_addin_ribbon.xlam``, found with ``importlib`` so xlwings is
never imported here) and changes four things:

1. **Ribbon**: ``customUI/customUI14.xml`` (namespace 2009/07, read by Excel 2010 and
   later) and ``customUI/customUI.xml`` (2006/01, read by Excel 2007), both generated from
   :data:`kaohe_xl.addin.BUTTONS`, each with its own relationship type in ``_rels/.rels``.
   Every button's ``onAction`` is the one dispatch macro :data:`ON_ACTION`.
2. **Dispatch macro**: the template's ribbon module calls the same ``main()`` for every
   button. Its source is replaced by :func:`dispatch_vba`, which passes ``control.Id``
   to :func:`kaohe_xl.addin.on_action`. The VBA text is rewritten inside
   ``xl/vbaProject.bin`` ([MS-OVBA] compression, :mod:`kaohe_xl._ovba`); the project
   carries no p-code, so Excel compiles the new text when it loads the add-in.
3. **Config name**: xlwings' ``PROJECT_NAME`` constant becomes ``kaohe_xl``, so the add-in
   reads its settings from its sheet ``kaohe_xl.conf`` (and, if present, from
   ``%USERPROFILE%\\.kaohe_xl\\kaohe_xl.conf`` or a ``kaohe_xl.conf`` beside the workbook).
4. **Config sheet**: the interpreter and PYTHONPATH of this build (overridable).

The xlwings VBA module itself is kept, so the add-in's ``RunPython`` matches the xlwings
version of the Python that runs the handlers.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
import os
import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from kaohe_xl.addin.buttons import BUTTONS, TITLE
from kaohe_xl.addin.ovba import OvbaError, VbaProject
from kaohe_xl.atomic import write_atomic
from kaohe_xl.errors import OutputError, ToolMissingError

ADDIN_NAME = "kaohe_xl.xlam"
TEMPLATE = "quickstart_addin_ribbon.xlam"
RIBBON_MODULE = "RibbonMyAddin"  # the template's ribbon module; its text is replaced
DISPATCH_MACRO = "KaoheOnAction"
ON_ACTION = f"{RIBBON_MODULE}.{DISPATCH_MACRO}"
DISPATCH_LINE = 'RunPython "import kaohe_xl.addin; kaohe_xl.addin.on_action(\'" & control.Id & "\')"'
PROJECT_NAME = "kaohe_xl"
CONF_SHEET = f"{PROJECT_NAME}.conf"
TAB_ID = "kaoheTab"

NS_CUSTOMUI_2006 = "http://schemas.microsoft.com/office/2006/01/customui"
NS_CUSTOMUI_2009 = "http://schemas.microsoft.com/office/2009/07/customui"
REL_UI_2006 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
REL_UI_2007 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
# part name -> (namespace, relationship type): [MS-CUSTOMUI] / [MS-CUSTOMUI2]
RIBBON_PARTS = {
    "customUI/customUI.xml": (NS_CUSTOMUI_2006, REL_UI_2006),
    "customUI/customUI14.xml": (NS_CUSTOMUI_2009, REL_UI_2007),
}
_NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PROJECT_NAME_LINE = re.compile(r'(Public Const PROJECT_NAME As String = ")[^"]*(")')
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# "/" everywhere, also a backslash on Windows: a trailing one makes -o name a folder
_SEPARATORS = tuple(sep for sep in {"/", os.sep, os.altsep} if sep)


def find_template() -> Path:
    """The xlwings ribbon add-in template of the installed xlwings (not imported)."""
    try:
        spec = importlib.util.find_spec("xlwings")
    except ImportError:  # e.g. a broken or blocked installation
        spec = None
    if spec is None or spec.origin is None:
        raise ToolMissingError("未安装 xlwings，无法生成加载项：请运行 pip install kaohe-xl[excel]")
    path = Path(spec.origin).parent / TEMPLATE
    if not path.is_file():
        raise ToolMissingError(f"xlwings {xlwings_version()} 中找不到加载项模板 {TEMPLATE}")
    return path


def xlwings_version() -> str:
    """The installed xlwings version (from its metadata, without importing it)."""
    try:
        return importlib.metadata.version("xlwings")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ToolMissingError("未安装 xlwings：请运行 pip install kaohe-xl[excel]") from exc


def ribbon_xml(namespace: str = NS_CUSTOMUI_2009, on_action: str = ON_ACTION, on_load: str | None = None) -> str:
    """The ribbon: one tab 考核, one group per button group, in table order.

    Every button calls ``on_action`` (a VBA macro in Excel, a JS function in WPS);
    ``on_load`` names the callback that receives the ribbon when it is loaded.
    """
    groups: dict[str, list[str]] = {}
    for b in BUTTONS:
        if not _ID.match(b.id):
            raise ValueError(f"ribbon ids must be ASCII names: {b.id!r}")
        groups.setdefault(b.group, []).append(
            f'<button id={quoteattr(b.id)} label={quoteattr(b.label)} size="large" imageMso={quoteattr(b.image)}'
            f" onAction={quoteattr(on_action)} screentip={quoteattr(b.label)} supertip={quoteattr(b.help)}/>"
        )
    body = "".join(
        f'<group id="kaoheGroup{n}" label={quoteattr(label)}>{"".join(buttons)}</group>'
        for n, (label, buttons) in enumerate(groups.items(), start=1)
    )
    load = f" onLoad={quoteattr(on_load)}" if on_load else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<customUI xmlns="{namespace}"{load}><ribbon><tabs>'
        f'<tab id="{TAB_ID}" label={quoteattr(TITLE)} insertAfterMso="TabHome">{body}</tab>'
        "</tabs></ribbon></customUI>"
    )


def dispatch_vba() -> str:
    """Source of the ribbon module: one macro for every button, passing its id to Python."""
    lines = [
        f'Attribute VB_Name = "{RIBBON_MODULE}"',
        "' Generated by kaohe-xl (kaohe addin build); edits are lost on the next build.",
        "' Every button of the ribbon tab calls this macro with its IRibbonControl; the",
        "' button's id selects the handler in kaohe_xl.addin.BUTTONS.",
        f"Sub {DISPATCH_MACRO}(control As IRibbonControl)",
        f"    {DISPATCH_LINE}",
        "End Sub",
        "",
    ]
    return "\r\n".join(lines)


def config_rows(
    interpreter_win: str | None = None, interpreter_mac: str | None = None, pythonpath: str | None = None
) -> list[tuple[str, str | bool]]:
    """The rows of the add-in's config sheet (xlwings reads keys case-insensitively).

    ``None`` means: this Python (``sys.executable``) for the platform of the build, blank
    for the other (xlwings then runs ``python`` from PATH); PYTHONPATH defaults to the
    folder holding the kaohe_xl package.
    """
    if interpreter_win is None:
        interpreter_win = sys.executable if sys.platform == "win32" else ""
    if interpreter_mac is None:
        interpreter_mac = sys.executable if sys.platform == "darwin" else ""
    if pythonpath is None:
        pythonpath = str(Path(__file__).resolve().parent.parent)
    return [
        ("Interpreter_Win", interpreter_win),
        ("Interpreter_Mac", interpreter_mac),
        ("PYTHONPATH", pythonpath),
        # The campaign folder is not code: keep it off sys.path.
        ("ADD_WORKBOOK_TO_PYTHONPATH", "false"),
        ("Use UDF Server", False),
        ("Show Console", False),
    ]


def build_addin(
    out: str | Path | None = None,
    *,
    interpreter_win: str | None = None,
    interpreter_mac: str | None = None,
    pythonpath: str | None = None,
    template: str | Path | None = None,
) -> Path:
    """Write ``kaohe_xl.xlam`` (to ``out``, a file or folder; default the current folder).

    See :func:`addin_target` for how ``out`` is read; the target is checked before
    anything else is done.
    """
    target = addin_target(out)
    source = Path(template) if template else find_template()
    # A key present with a blank value would stop xlwings from looking further (user
    # config file, then "python" on PATH), so blank settings are left out altogether.
    rows = [(k, v) for k, v in config_rows(interpreter_win, interpreter_mac, pythonpath) if v != ""]
    with zipfile.ZipFile(source) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
        stamp = zin.infolist()[0].date_time
    parts["xl/vbaProject.bin"] = _patch_vba(parts["xl/vbaProject.bin"])
    parts["xl/workbook.xml"] = _rename_conf_sheet(parts["xl/workbook.xml"])
    parts["xl/worksheets/sheet1.xml"] = _config_sheet(parts["xl/worksheets/sheet1.xml"], rows)
    for part, (namespace, _) in RIBBON_PARTS.items():
        parts[part] = ribbon_xml(namespace).encode("utf-8")
    parts["_rels/.rels"] = _package_rels(parts["_rels/.rels"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        # [Content_Types].xml first, as Office writes it; fixed timestamps keep builds identical.
        for name in sorted(parts, key=lambda n: (n != "[Content_Types].xml", n)):
            zout.writestr(zipfile.ZipInfo(name, stamp), parts[name], zipfile.ZIP_DEFLATED)
    write_atomic(target, buffer.getvalue(), in_use_hint="加载项可能正被 Excel 使用，请先关闭 Excel")
    return target


def addin_target(out: str | Path | None) -> Path:
    """Where :func:`build_addin` writes: ``out`` as a file, or ``kaohe_xl.xlam`` in it.

    ``out`` is a folder when it exists as one or when it ends with a path separator
    (``addin_new/``, which need not exist yet: it is created). Pass a ``str`` to keep
    the trailing separator (``Path("addin_new/")`` drops it). Otherwise it must name an
    ``.xlam`` file: Excel refuses to open a workbook whose extension does not match its
    content, so any other name is an :class:`OutputError`.
    """
    if not out:
        return Path.cwd() / ADDIN_NAME
    text = os.fspath(out)
    target = Path(text)
    if text.endswith(_SEPARATORS) or target.is_dir():
        return target / ADDIN_NAME
    if target.suffix.lower() != ".xlam":
        raise OutputError(
            f"加载项须保存为 .xlam 文件，不能是“{target.name}”：请改为 {target.with_suffix('.xlam')}，"
            f"或在文件夹名后加 {os.sep}（例如 {target.name}{os.sep}），加载项将生成在该文件夹中的 {ADDIN_NAME}"
        )
    return target


def _patch_vba(data: bytes) -> bytes:
    try:
        project = VbaProject(data)
        project.set_source(RIBBON_MODULE, dispatch_vba())
        xlwings_source = project.source("xlwings")
        patched, count = _PROJECT_NAME_LINE.subn(rf"\g<1>{PROJECT_NAME}\g<2>", xlwings_source)
        if count != 1:
            raise OvbaError("PROJECT_NAME constant not found in the xlwings module")
        project.set_source("xlwings", patched)
        return project.to_bytes()
    except OvbaError as exc:
        raise ToolMissingError(f"xlwings {xlwings_version()} 的加载项模板与 kaohe-xl 不兼容（{exc}）") from exc


def _rename_conf_sheet(workbook_xml: bytes) -> bytes:
    # The template's config sheet is "_myaddin.conf": the leading "_" switches it off.
    text, count = re.subn(r'name="_?[^"]*\.conf"', f'name="{CONF_SHEET}"', workbook_xml.decode("utf-8"))
    if count != 1:
        raise ToolMissingError("xlwings 加载项模板中找不到配置工作表（*.conf）")
    return text.encode("utf-8")


def _config_sheet(template_xml: bytes, rows: list[tuple[str, str | bool]]) -> bytes:
    """The config sheet: keys in A, values in B, as inline strings / booleans."""
    code_name = re.search(rb'codeName="([^"]+)"', template_xml)  # ties the sheet to its VBA module
    sheet_pr = f'<sheetPr codeName="{code_name.group(1).decode()}"/>' if code_name else ""
    cells = []
    for r, (key, value) in enumerate(rows, start=1):
        b = f'<c r="B{r}" t="b"><v>{int(value)}</v></c>' if isinstance(value, bool) else _inline(f"B{r}", value)
        cells.append(f'<row r="{r}">{_inline(f"A{r}", key)}{b}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_NS_MAIN}">{sheet_pr}<dimension ref="A1:B{len(rows)}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15.75"/>'
        '<cols><col min="1" max="1" width="30" customWidth="1"/><col min="2" max="2" width="80" customWidth="1"/></cols>'
        f"<sheetData>{''.join(cells)}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    ).encode()


def _inline(ref: str, text: str) -> str:
    if not text:
        return ""
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _package_rels(rels_xml: bytes) -> bytes:
    """The template's package relationships, with ours for the two ribbon parts."""
    ET.register_namespace("", _NS_RELS)
    root = ET.fromstring(rels_xml)
    for rel in list(root):
        if rel.get("Type") in (REL_UI_2006, REL_UI_2007):
            root.remove(rel)
    taken = {rel.get("Id") for rel in root}
    n = 1
    for part, (_, rel_type) in RIBBON_PARTS.items():
        while f"rId{n}" in taken:
            n += 1
        ET.SubElement(root, f"{{{_NS_RELS}}}Relationship", Id=f"rId{n}", Type=rel_type, Target=part)
        taken.add(f"rId{n}")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


# ---- installing: where Excel loads add-ins from -------------------------------------------
def addin_dir() -> Path:
    """Excel's per-user startup folder: every workbook there opens when Excel starts.

    Windows: ``%APPDATA%\\Microsoft\\Excel\\XLSTART`` (Excel's ``Application.StartupPath``,
    where ``xlwings addin install`` copies add-ins too). macOS (Excel 2016 and later): the
    ``Startup.localized/Excel`` folder of the Office group container. Other systems have
    no Excel: :class:`ToolMissingError` says what to do instead.
    """
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "Microsoft" / "Excel" / "XLSTART"
    if sys.platform == "darwin":
        office = Path.home() / "Library" / "Group Containers" / "UBF8T346G9.Office"
        return office / "User Content.localized" / "Startup.localized" / "Excel"
    raise ToolMissingError(
        "本机没有 Excel（Excel 只能运行在 Windows 和 macOS 上）。请在装有 Excel 的电脑上运行 "
        "pip install kaohe-xl[excel] 和 kaohe addin install；或者用 kaohe addin build -o kaohe_xl.xlam "
        "生成加载项，把它复制到那台电脑的 %APPDATA%\\Microsoft\\Excel\\XLSTART 文件夹，并在其 "
        "kaohe_xl.conf 工作表中填写 Interpreter_Win（python.exe 的完整路径）。也可以加 --dir 指定安装文件夹。"
    )


def install_addin(folder: str | Path | None = None, **build_options: str | None) -> Path:
    """Build the add-in straight into Excel's startup folder (or ``folder``); returns its path.

    On macOS xlwings' ``RunPython`` also needs its AppleScript in Excel's script folder.
    """
    target_dir = Path(folder) if folder else addin_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    path = build_addin(target_dir / ADDIN_NAME, **build_options)
    if sys.platform == "darwin" and folder is None:
        script = find_template().parent / f"xlwings-{xlwings_version()}.applescript"
        scripts = Path.home() / "Library" / "Application Scripts" / "com.microsoft.Excel"
        scripts.mkdir(parents=True, exist_ok=True)
        (scripts / script.name).write_bytes(script.read_bytes())
    return path


def uninstall_addin(folder: str | Path | None = None) -> Path | None:
    """Remove the add-in from Excel's startup folder (or ``folder``); its former path, or None."""
    path = (Path(folder) if folder else addin_dir()) / ADDIN_NAME
    if not path.exists():
        return None
    try:
        path.unlink()
    except PermissionError as exc:
        raise OutputError(f"无法删除 {path}：Excel 正在使用加载项，请先退出 Excel") from exc
    return path
