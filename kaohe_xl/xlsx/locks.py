"""Whether a workbook is open in Excel, WPS or LibreOffice right now (without openpyxl)."""

from __future__ import annotations

from pathlib import Path


def lock_files(target: Path) -> list[Path]:
    """Lock files that show ``target`` is open: Excel/WPS ``~$name``, LibreOffice ``.~lock.name#``."""
    candidates = [target.with_name("~$" + target.name), target.with_name(f".~lock.{target.name}#")]
    if len(target.stem) > 6:  # Word-style owner files drop the first two characters
        candidates.append(target.with_name("~$" + target.name[2:]))
    return [p for p in candidates if p.exists()]
