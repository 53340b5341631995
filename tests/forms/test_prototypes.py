"""The 自评表 prototype kept in the campaign (kaohe_xl.forms.prototypes): a kept one gives
the same bytes as a fresh build, a change to what it is built from builds it again, and a
run that finds it kept stamps without openpyxl."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import textwrap
import time
import types
import zipfile
from pathlib import Path

import openpyxl
import pytest
from _forms_helpers import cells_snapshot

from kaohe_xl.campaign import Campaign
from kaohe_xl.forms import layout, self_form
from kaohe_xl.forms.generate import form_context, generate_forms
from kaohe_xl.forms.prototypes import CACHE_DIR, SUFFIX, prototype_key, self_prototype, stamp_self
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.xlsx import stamp
from kaohe_xl.xlsx.sheetwriter import workbook_bytes

WHEN = "2024-05-06 07:08:09"


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prototypes made at one instant: their copies' zip and document times agree."""
    clock = types.SimpleNamespace(
        time=lambda: 1_700_000_000.0, localtime=time.localtime, gmtime=time.gmtime, strftime=time.strftime
    )
    monkeypatch.setattr(stamp, "time", clock)


def _kept(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{SUFFIX}"))


def _no_build(*_args: object) -> bytes:
    raise AssertionError("the kept prototype should have been used")


def test_kept_prototype_stamps_the_same_bytes_as_a_fresh_build(
    campaign: Campaign, tmp_path: Path, fixed_clock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = form_context(campaign, generated_at=WHEN)
    cache = tmp_path / "cache"
    fresh = self_prototype(ctx)
    built = self_prototype(ctx, cache)  # built, and kept
    assert len(_kept(cache)) == 1
    monkeypatch.setattr(self_form, "self_prototype_bytes", _no_build)
    kept = self_prototype(ctx, cache)  # read back
    for unit in campaign.units:
        expected = stamp_self(ctx, fresh, unit)
        assert stamp_self(ctx, built, unit) == expected
        assert stamp_self(ctx, kept, unit) == expected


def test_stamped_copy_holds_what_a_direct_build_holds_with_the_run_times(
    campaign: Campaign, tmp_path: Path, fixed_clock: None
) -> None:
    ctx = form_context(campaign, generated_at=WHEN)
    unit = campaign.units[0]
    stamped = tmp_path / "stamped.xlsx"
    stamped.write_bytes(stamp_self(ctx, self_prototype(ctx, tmp_path / "cache"), unit))
    direct = tmp_path / "direct.xlsx"
    direct.write_bytes(workbook_bytes(self_form.build_self_workbook(ctx, unit.id, unit.name)))
    assert cells_snapshot(stamped) == cells_snapshot(direct)
    meta = openpyxl.load_workbook(stamped)[layout.META_SHEET]
    values = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    assert values[layout.META_GENERATED] == WHEN  # the run's time, not a placeholder
    with zipfile.ZipFile(io.BytesIO(stamped.read_bytes())) as archive:
        core = archive.read(self_form.CORE_PART).decode("utf-8")
    assert core.count(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_700_000_000.0))) == 2
    assert "KHP" not in core


def test_prototype_is_built_again_when_the_rubric_changes(
    campaign: Campaign, tmp_path: Path, fixed_clock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = form_context(campaign, generated_at=WHEN)
    cache = tmp_path / "cache"
    self_prototype(ctx, cache)
    (first,) = _kept(cache)
    settings = dataclasses.replace(ctx.rubric.settings, name="改过名称的考核", deadline="2099-12-31")
    changed = dataclasses.replace(ctx, rubric=dataclasses.replace(ctx.rubric, settings=settings))
    assert prototype_key(changed) != prototype_key(ctx)
    rebuilt = self_prototype(changed, cache)
    (second,) = _kept(cache)  # the old key's file is gone
    assert second != first
    unit = campaign.units[0]
    assert stamp_self(changed, rebuilt, unit) == stamp_self(changed, self_prototype(changed), unit)
    stamped = tmp_path / "changed.xlsx"
    stamped.write_bytes(stamp_self(changed, rebuilt, unit))
    texts = json.dumps(cells_snapshot(stamped), ensure_ascii=False, default=str)
    assert "改过名称的考核" in texts and "2099-12-31" in texts
    # and read back next time, not built
    monkeypatch.setattr(self_form, "self_prototype_bytes", _no_build)
    assert stamp_self(changed, self_prototype(changed, cache), unit) == stamp_self(changed, rebuilt, unit)


def test_prototype_is_built_again_for_a_new_style_template_or_code(campaign: Campaign) -> None:
    ctx = form_context(campaign, generated_at=WHEN)
    before = prototype_key(ctx)
    own = campaign.root / "templates" / "form_styles.xlsx"
    own.parent.mkdir()
    own.write_bytes(b"restyled")
    assert prototype_key(ctx) != before
    own.unlink()
    assert prototype_key(ctx) == before
    module = Path(self_form.__file__)
    stat = module.stat()
    try:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert prototype_key(ctx) != before
    finally:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_damaged_kept_prototype_is_built_again(campaign: Campaign, tmp_path: Path, fixed_clock: None) -> None:
    ctx = form_context(campaign, generated_at=WHEN)
    cache = tmp_path / "cache"
    self_prototype(ctx, cache)
    (kept,) = _kept(cache)
    kept.write_bytes(b"not a zip")
    unit = campaign.units[0]
    assert stamp_self(ctx, self_prototype(ctx, cache), unit) == stamp_self(ctx, self_prototype(ctx), unit)
    assert _kept(cache)[0].read_bytes() != b"not a zip"


def test_generate_keeps_the_prototype_in_the_campaign(campaign: Campaign) -> None:
    generate_forms(campaign, [FormKind.SELF])
    kept = _kept(campaign.forms_dir / CACHE_DIR)
    assert len(kept) == 1 and not list(campaign.forms_dir.rglob(f"{CACHE_DIR}/*.xlsx"))
    assert len(list((campaign.forms_dir / FormKind.SELF.label).glob("*.xlsx"))) == len(campaign.units)


_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from kaohe_xl.cli import main
    main(sys.argv[1:], standalone_mode=False)
    print(json.dumps(sorted(m for m in ("openpyxl", "pandas", "numpy") if m in sys.modules)))
    """
)


def _generate_self(root: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, "generate", str(root), "--form", "self"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_second_generate_stamps_the_kept_prototype_without_openpyxl(campaign: Campaign, tmp_path: Path) -> None:
    assert "openpyxl" in _generate_self(campaign.root)  # built, in its own process (its own nonce)
    first = {p.name: cells_snapshot(p) for p in (campaign.forms_dir / FormKind.SELF.label).glob("*.xlsx")}
    assert _generate_self(campaign.root) == []  # another process: read back, placeholders of the first
    second = {p.name: cells_snapshot(p) for p in (campaign.forms_dir / FormKind.SELF.label).glob("*.xlsx")}
    assert second.keys() == first.keys() and len(second) == len(campaign.units)
    for name, cells in second.items():
        text = json.dumps(cells, ensure_ascii=False, default=str)
        assert "KHP" not in text  # every placeholder filled
        if layout.META_SHEET in cells:  # the generation time differs between the runs
            cells.pop(layout.META_SHEET)
            first[name].pop(layout.META_SHEET)
        assert cells == first[name]


def test_a_kept_prototype_whose_placeholders_do_not_match_is_built_again(
    campaign: Campaign, tmp_path: Path, fixed_clock: None
) -> None:
    ctx = form_context(campaign, generated_at=WHEN)
    cache = tmp_path / "cache"
    self_prototype(ctx, cache)
    (kept,) = _kept(cache)
    stem = kept.name.removesuffix(SUFFIX).rpartition("-")[0]
    kept.rename(cache / f"{stem}-{'0' * 8}{SUFFIX}")  # names another nonce than its placeholders'
    unit = campaign.units[0]
    stamped = stamp_self(ctx, self_prototype(ctx, cache), unit)
    assert stamped == stamp_self(ctx, self_prototype(ctx), unit)
    assert [p.name for p in _kept(cache)] == [kept.name]  # built again, kept under its own nonce
