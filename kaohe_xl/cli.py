"""The ``kaohe`` command line: each command parses, calls one library function, prints.

Exit codes: 0 success; 1 the action could not be done (a clear message says why);
2 wrong usage (click); 3 done, but some returned files were rejected.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import KaoheError

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

    return wrapper  # type: ignore[return-value]


campaign_dir = click.argument("campaign", type=click.Path(file_okay=False, path_type=Path))


@click.group()
@click.version_option(__version__, prog_name="kaohe")
def main() -> None:
    """kaohe-xl: run an annual assessment (目标管理考核) in Excel workbooks."""


@main.command()
@campaign_dir
@click.option(
    "--rubric",
    "rubric_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="细则 workbook (.xlsx) or YAML",
)
@click.option(
    "--units",
    "units_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="units list (.xlsx or .csv)",
)
@click.option("--force", is_flag=True, help="re-initialise an existing campaign (returns and the store are kept)")
@friendly_errors
def init(campaign: Path, rubric_path: Path, units_path: Path, force: bool) -> None:
    """Create a campaign folder from a rubric and a units list.

    Example: kaohe init 2023老干部考核 --rubric 细则.xlsx --units 单位.xlsx
    """
    from .campaign import Campaign

    opened = Campaign.init(campaign, rubric_path, units_path, force=force)
    rubric = opened.rubric
    click.echo(
        f"已创建考核目录 {opened.root}：{rubric.settings.name}，{len(rubric.items)} 个条目，{len(opened.units)} 个单位"
    )
    for warning in rubric.warnings:
        click.echo(f"  {warning.describe()}")


if __name__ == "__main__":  # pragma: no cover
    main()
