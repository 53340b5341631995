"""The ``kaohe`` command line: each command parses, calls one library function, prints.

Exit codes: 0 success; 1 the action could not be done (a clear message says why);
2 wrong usage (said in Chinese); 3 done, but some returned files were rejected.
The mail commands live in :mod:`kaohe_xl._cli_mail`, ``kaohe addin …`` in
:mod:`kaohe_xl._cli_addin`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kaohe_xl import __version__
from kaohe_xl.cli.addin import addin
from kaohe_xl.cli.common import EXIT_ERROR, EXIT_REJECTED, campaign_dir, friendly_errors, never_fail_on_output, record
from kaohe_xl.cli.compare import compare
from kaohe_xl.cli.mail import fetch, remind, send
from kaohe_xl.cli.usage import ChineseGroup

__all__ = ["EXIT_ERROR", "EXIT_REJECTED", "main"]


@click.group(cls=ChineseGroup)
@click.version_option(__version__, prog_name="kaohe")
def main() -> None:
    """kaohe-xl: run an annual assessment (目标管理考核) in Excel workbooks."""
    never_fail_on_output()


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
@click.option(
    "--force", is_flag=True, help="re-initialise an existing campaign: the same as kaohe update (returns are kept)"
)
@click.option("--yes", "-y", is_flag=True, help="with --force: do not ask before changing the campaign")
@friendly_errors
def init(campaign: Path, rubric_path: Path, units_path: Path, force: bool, yes: bool) -> None:
    """Create a campaign folder from a rubric and a units list.

    On an existing campaign --force amends it as kaohe update does: it shows what
    changes and what that does to the returns collected, and asks first (or --yes).

    Example: kaohe init 2023老干部考核 --rubric 细则.xlsx --units 单位.xlsx
    """
    from kaohe_xl.addin.control import write_control_workbook
    from kaohe_xl.campaign import CONFIG_NAME, Campaign
    from kaohe_xl.mail.config import mail_warnings

    if force and (campaign / CONFIG_NAME).exists():
        _amend(campaign, rubric_path, units_path, yes)
        return
    opened = Campaign.init(campaign, rubric_path, units_path, force=force)
    write_control_workbook(opened)  # 控制台.xlsx, for the ribbon buttons
    rubric = opened.rubric
    click.echo(
        f"已创建考核目录 {opened.root}：{rubric.settings.name}，{len(rubric.items)} 个条目，{len(opened.units)} 个单位"
    )
    for warning in rubric.warnings:
        click.echo(f"  {warning.describe()}")
    for line in mail_warnings(opened):  # the mail templates use these settings
        click.echo(f"  注意：{line}")


@main.command()
@campaign_dir
@click.option(
    "--rubric",
    "rubric_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the new 细则 (default: the campaign's current copy)",
)
@click.option(
    "--units",
    "units_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the new units list (default: the campaign's current copy)",
)
@click.option("--yes", "-y", is_flag=True, help="do not ask before changing the campaign")
@friendly_errors
def update(campaign: Path, rubric_path: Path | None, units_path: Path | None, yes: bool) -> None:
    """Amend a running campaign: a corrected rubric or units list, returns kept.

    Shows what changes (items, points, wording, units) and what that does to the
    returns collected so far, then asks (or --yes). Wording changes keep every return
    valid; nothing received is deleted. The forms are generated again.

    Example: kaohe update 2023老干部考核 --rubric 细则(修订).xlsx --units 单位.xlsx
    """
    from kaohe_xl.campaign import Campaign

    opened = Campaign.open(campaign)
    if rubric_path is None and units_path is None:
        raise click.UsageError("请用 --rubric 或 --units 给出修改后的考核细则或单位名单")
    rubric_path = rubric_path or opened.root / str(opened.config["rubric"])
    units_path = units_path or opened.root / str(opened.config["units"])
    _amend(campaign, rubric_path, units_path, yes)


def _amend(campaign: Path, rubric_path: Path, units_path: Path, yes: bool) -> None:
    """Plan, show, ask, apply: the body of ``kaohe update`` and ``kaohe init --force``."""
    from kaohe_xl.addin.control import write_control_workbook
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.collect.amend import apply_update, plan_update

    opened = Campaign.open(campaign)
    plan = plan_update(opened, rubric_path, units_path)
    for line in plan.lines():
        click.echo(line)
    if not plan.changed:
        return
    if not yes:
        if not sys.stdin.isatty():
            click.echo("没有修改考核目录：确认无误后加 --yes 重新运行", err=True)
            sys.exit(EXIT_ERROR)
        click.confirm("确认按以上内容修改考核目录？", abort=True)
    updated, generated = apply_update(opened, plan)
    write_control_workbook(updated)
    click.echo(f"已修改考核目录 {updated.root}：{len(updated.rubric.items)} 个条目，{len(updated.units)} 个单位")
    if generated is not None:
        click.echo(generated.summary())
    record(updated, "修改考核细则/单位名单（命令行 update）", "已修改")


@main.command()
@campaign_dir
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="print only the summary line")
@friendly_errors
def collect(campaign: Path, paths: tuple[Path, ...], quiet: bool) -> None:
    """Collect returned workbooks: files, folders (recursive) and .zip archives.

    Files are identified by content, never by name; every file is archived in the
    campaign folder. Exit code 0 when every file was accepted without errors, 3 when
    some were rejected or have errors (待核实).

    Example: kaohe collect 2023老干部考核 ~/下载/回收/
    """
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.collect.run import collect as run_collect

    opened = Campaign.open(campaign)
    report = run_collect(opened, paths, progress=True)
    if not quiet:
        for line in report.problem_lines():
            click.echo(line)
    for line in report.notes():
        click.echo(line)
    click.echo(report.summary())
    record(opened, "汇总回收表（命令行 collect）", report.summary())
    if not report.clean:
        sys.exit(EXIT_REJECTED)


@main.command()
@campaign_dir
@click.option("--missing", is_flag=True, help="only the units/forms still owed a usable return (待提交, 待核实)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@friendly_errors
def status(campaign: Path, missing: bool, as_json: bool) -> None:
    """Who returned what, who is missing, which files were rejected and why.

    Example: kaohe status 2023老干部考核 --missing
    """
    import json

    from kaohe_xl.campaign import Campaign
    from kaohe_xl.store.report import status_report

    report = status_report(Campaign.open(campaign))
    if as_json:
        data = report.as_json()
        if missing:
            data = {"forms": report.missing(), "counts": report.counts()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    lines = report.lines(missing_only=missing)
    if lines:  # one write: a 1,000-unit campaign prints thousands of lines
        click.echo("\n".join(lines))


@main.command()
@campaign_dir
@click.option("--pdf", is_flag=True, help="also render 汇总表 to PDF with LibreOffice")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="target .xlsx file (default output/汇总表.xlsx); the PDF goes beside it",
)
@friendly_errors
def summary(campaign: Path, pdf: bool, output: Path | None) -> None:
    """Write the 汇总 workbook: ranked 汇总表, differences, item matrix, returns, chart.

    Example: kaohe summary 2023老干部考核 --pdf
    """
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.output.summary import summary_target, write_summary

    if output is not None:
        summary_target(output)  # a wrong -o stops here, before the campaign is scored
    opened = Campaign.open(campaign)
    report = write_summary(opened, output, pdf=pdf)
    record(opened, "汇总表（命令行 summary）", f"已生成 {report.path.name}")
    if report.note:
        click.echo(f"注意：{report.note}", err=True)
    click.echo(f"已生成汇总表 {report.path}：{report.units} 个单位，{report.scored} 个已计算综合得分")
    if report.pdf:
        click.echo(f"已生成 PDF {report.pdf}")
    for line in report.pending:
        click.echo(f"  未计分：{line}")


@main.command()
@campaign_dir
@friendly_errors
def feedback(campaign: Path) -> None:
    """Write one 反馈表 per unit into output/反馈表/.

    Example: kaohe feedback 2023老干部考核
    """
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.output.feedback import write_feedback

    opened = Campaign.open(campaign)
    report = write_feedback(opened, progress=True)
    if report.note:
        click.echo(f"注意：{report.note}", err=True)
    click.echo(f"已生成 {len(report.files)} 份反馈表，位于 {report.path}")
    record(opened, "反馈表（命令行 feedback）", f"已生成 {len(report.files)} 份反馈表")


@main.command()
@campaign_dir
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "snapshot"]),
    default="csv",
    show_default=True,
    help="snapshot: the year's results in full (.json) to keep for `kaohe compare` next year",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="target file (default output/results.csv|json, output/2023年结果快照.json)",
)
@friendly_errors
def export(campaign: Path, fmt: str, output: Path | None) -> None:
    """Export the results, one row per unit, with stable English column names.

    ``--format snapshot`` writes the whole year (units, categories, items) as one file
    to keep and compare with next year (``kaohe compare --with``).

    Example: kaohe export 2023老干部考核 --format json -o results.json
    """
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.output.export import export_results

    report = export_results(Campaign.open(campaign), output, fmt=fmt)
    click.echo(f"已导出 {report.path}")


@main.command()
@campaign_dir
@click.option(
    "--form",
    "form",
    type=click.Choice(["self", "assessor", "rater", "ballot", "all"]),
    default="all",
    show_default=True,
    help="which forms: self 自评表, assessor 考核组评分表, rater 评分表, ballot 民主测评票 and 民主测评表",
)
@click.option("--source", "source", default=None, help="only this 考核组评分表 round (a 来源 name, e.g. 专项督查)")
@friendly_errors
def generate(campaign: Path, form: str, source: str | None) -> None:
    """Generate the scoring workbooks into CAMPAIGN/forms/ (existing forms are replaced).

    Run ``--form assessor`` again after collecting self returns: the 考核组评分表 then
    show each unit's 自评得分. With several assessment rounds, ``--source`` writes one.

    Example: kaohe generate 2023老干部考核 --form assessor --source 专项督查
    """
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.forms.generate import generate_forms
    from kaohe_xl.rubric.model import FormKind

    opened = Campaign.open(campaign)
    kinds = None if form == "all" else [FormKind(form)]
    report = generate_forms(opened, kinds, progress=True, source=source)
    click.echo(f"{report.summary()} → {opened.forms_dir}")
    record(opened, "生成评分表（命令行 generate）", report.summary())


@main.command()
@click.argument("folder", required=False, default="kaohe-demo", type=click.Path(file_okay=False, path_type=Path))
@click.option("--pdf/--no-pdf", default=None, help="render the summary to PDF (default: when LibreOffice is installed)")
@click.option(
    "--sample",
    type=click.Choice(["南昌老干部", "动力厂党建", "新庄镇综合考核"]),
    default="南昌老干部",
    show_default=True,
    help="which bundled sample to run",
)
@friendly_errors
def demo(folder: Path, pdf: bool | None, sample: str) -> None:
    """Run the whole cycle on a bundled sample (default 南昌), in FOLDER (default ./kaohe-demo).

    Example: kaohe demo --sample 动力厂党建 demo-dongli
    """
    from kaohe_xl.demo import run_demo

    report = run_demo(folder, pdf=pdf, say=click.echo, sample=sample)
    click.echo(f"完成。全部文件在 {report.root.resolve()}")


if __name__ == "__main__":  # pragma: no cover
    main()


for _command in (addin, send, remind, fetch, compare):
    main.add_command(_command)
