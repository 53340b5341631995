"""``kaohe compare``: this year against last year (and earlier years)."""

from __future__ import annotations

from pathlib import Path

import click

from kaohe_xl.cli.common import friendly_errors


@click.command()
@click.argument("campaign", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--with",
    "earlier",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="an earlier year: its campaign folder, snapshot (.json), or 汇总表 (.xlsx/.csv); "
    "repeat for more years, last year first",
)
@click.option(
    "--map",
    "mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="单位对照表 (.xlsx/.csv): 上年单位 → 本年单位, for units renamed, merged or split",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="target .xlsx, .csv or .json (default output/与上年对比.xlsx)",
)
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), default=None, help="default: from -o, else xlsx"
)
@friendly_errors
def compare(
    campaign: Path, earlier: tuple[Path, ...], mapping: Path | None, output: Path | None, fmt: str | None
) -> None:
    """Compare this year's results with last year's: 综合得分, 排名 and 等次 per unit, categories, items, a chart.

    CAMPAIGN is this year's campaign folder (or a snapshot). Units are matched by name,
    through --map where they were renamed, merged or split. Different full marks (100 one
    year, 千分制 the next) are compared as shares of the full marks.

    Example: kaohe compare 2023老干部考核 --with 2022年结果快照.json --map 单位对照表.xlsx
    """
    from kaohe_xl.output.compare import comparison_target, write_comparison
    from kaohe_xl.output.compare_sheets import summary_line

    comparison_target(campaign, output, fmt)  # a wrong -o or --format stops here, before any work
    report = write_comparison(campaign, *earlier, out=output, mapping=mapping, fmt=fmt)
    if report.note:
        click.echo(f"注意：{report.note}", err=True)
    assert report.comparison is not None
    click.echo(f"已生成 {report.path}：{summary_line(report.comparison)}")
    for note in report.comparison.notes:
        click.echo(f"  {note}")
