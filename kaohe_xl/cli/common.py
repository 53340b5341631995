"""What every ``kaohe`` command shares: exit codes, the error wrapper, the campaign
argument, keeping 控制台.xlsx current, output that never fails on a character."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kaohe_xl.errors import KaoheError
from kaohe_xl.store import db as store

EXIT_ERROR = 1
EXIT_REJECTED = 3

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn library errors into a message on stderr and exit code 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KaoheError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(EXIT_ERROR)
        except sqlite3.Error as exc:  # the store failed mid-way (locked, disk full)
            click.echo(f"错误：{store.explain(exc, store.DB_NAME)}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


def record(campaign: Any, action: str, status: str) -> None:
    """Keep 控制台.xlsx current after a command (see control.record_action); never fails."""
    from kaohe_xl.addin.control import record_action

    note = record_action(campaign, action, status)
    if note:
        click.echo(f"注意：{note}", err=True)


campaign_dir = click.argument("campaign", type=click.Path(file_okay=False, path_type=Path))


def never_fail_on_output() -> None:
    # A console or redirected file in a legacy code page (GBK on Chinese Windows) cannot
    # show every character a unit puts in a file name (an emoji, a rare 字): print it as
    # "?" rather than crash after the work is done.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")
