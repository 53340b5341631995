"""Make the pictures of printed pages in docs/: python docs/pictures.py

Runs ``kaohe demo`` on the 南昌 and 新庄镇 samples in a temporary folder, prints each
kind of workbook to PDF with LibreOffice (as ``kaohe summary --pdf`` does) and keeps one
page of each as a PNG: ``docs/summary_page1.png`` (the README's picture) and
``docs/pages/<kind>.png``. Run it again whenever the demo's results or a layout change;
``tests/test_demo.py`` fails while the README's ranks differ from the demo's.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from kaohe_xl.addin.control import write_control_workbook
from kaohe_xl.campaign import Campaign
from kaohe_xl.demo import run_demo
from kaohe_xl.forms.ballot import ballot_path
from kaohe_xl.forms.generate import rater_path
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.xlsx.libreoffice import to_pdf

DOCS = Path(__file__).resolve().parent
PAGES = DOCS / "pages"
DPI = 80


def picture(xlsx: Path, page: int, target: Path, work: Path) -> None:
    """Page ``page`` of ``xlsx`` printed, as a PNG at ``target``."""
    pdf = to_pdf(xlsx, work / (target.stem + ".pdf"))
    stem = work / target.stem
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(stem.with_suffix(".png")), target)
    print(target.relative_to(DOCS.parent))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kaohe-pictures-") as tmp:
        work = Path(tmp)
        nanchang = Campaign.open(run_demo(work / "kaohe-demo", pdf=True, say=lambda _t: None).root)
        xinzhuang = Campaign.open(
            run_demo(work / "xinzhuang", pdf=False, say=lambda _t: None, sample="新庄镇综合考核").root
        )
        out = nanchang.output_dir
        summary_pdf = out / "汇总表.pdf"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(summary_pdf), str(work / "s")],
            check=True,
        )
        shutil.move(str(work / "s.png"), DOCS / "summary_page1.png")
        print("docs/summary_page1.png")
        group = next(iter(nanchang.assessor_groups()))
        source = nanchang.rubric.sources_of(FormKind.ASSESSOR)[0].name
        rater = xinzhuang.rubric.sources_of(FormKind.RATER)[0]
        tally_group = next(iter(xinzhuang.assessor_groups()))
        kinds = [
            (out / "汇总表.xlsx", 5, "summary_detail"),  # a continuation page (失分分析): headers repeated
            (next((out / "反馈表").glob("01_*.xlsx")), 1, "feedback_page1"),
            (next((out / "反馈表").glob("01_*.xlsx")), 2, "feedback_page2"),
            (nanchang.form_path(FormKind.SELF, "01"), 2, "self_form"),
            (nanchang.assessor_form_path(group, source), 2, "assessor_form"),
            (rater_path(xinzhuang, rater.name, rater.raters[0]), 2, "rater_form"),
            (xinzhuang.form_path(FormKind.BALLOT, tally_group, tally_group), 2, "ballot_tally"),
            (ballot_path(xinzhuang, xinzhuang.units[0]), 1, "ballot"),
            (write_control_workbook(nanchang), 1, "control"),
        ]
        for xlsx, page, name in kinds:
            picture(xlsx, page, PAGES / f"{name}.png", work)


if __name__ == "__main__":
    main()
