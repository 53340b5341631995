"""The time as the office reads it in sheets, logs and file names."""

from __future__ import annotations

from datetime import datetime


def now_text() -> str:
    """Local time as ``2023-12-01 09:30:00``: what the office reads in sheets and logs."""
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def file_stamp() -> str:
    """Local time as ``20231201-093000``, for names of kept copies (``old/<stamp>_细则.xlsx``)."""
    return datetime.now().strftime("%Y%m%d-%H%M%S")
