"""The campaign folder: one self-contained folder per assessment round.

::

    2023老干部考核/
      campaign.yaml        settings a person can read and edit (mail, deadline, ...)
      kaohe.sqlite         the campaign store (returns, issues, send log)
      rubric/细则.xlsx      copy of the rubric the campaign was created with
      units/单位.xlsx       copy of the units list
      forms/自评表/ ...      generated workbooks, one folder per form kind (forms/.cache/: the
                           自评表 prototype kept between runs, kaohe_xl.forms.prototypes)
      inbox/               drop returned files here (kaohe fetch saves here too)
      archive/             every file received, by content hash (never overwritten)
      output/              汇总表.xlsx, PDF, 反馈表/
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from kaohe_xl.atomic import write_atomic
from kaohe_xl.clock import file_stamp, now_text
from kaohe_xl.errors import CampaignError, RubricError
from kaohe_xl.resources import mail_defaults
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import FormKind, Roster, Rubric, Unit
from kaohe_xl.rubric.units import load_roster, load_units
from kaohe_xl.store.db import DB_NAME, connect, explain, get_meta, set_meta, transaction
from kaohe_xl.textnorm import safe_filename

CONFIG_NAME = "campaign.yaml"
CONTROL_WORKBOOK = "控制台.xlsx"
# The folders of a campaign.
FORMS_DIR, INBOX_DIR, ARCHIVE_DIR, OUTPUT_DIR = "forms", "inbox", "archive", "output"
RUBRIC_DIR, UNITS_DIR, TEMPLATES_DIR = "rubric", "units", "templates"
# Those that hold what kaohe wrote, never returns (inbox/ holds returns).
_OWN_FOLDERS = frozenset({FORMS_DIR, ARCHIVE_DIR, OUTPUT_DIR, RUBRIC_DIR, UNITS_DIR, TEMPLATES_DIR})

# libyaml's safe loader when PyYAML was built with it: the same values, ten times as fast
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONFIG_HEADER = """\
# kaohe-xl 考核配置 / campaign settings. Edit with any text editor (UTF-8).
# rubric / units: the copies inside this folder that the campaign uses.
# mail: SMTP/IMAP settings and message templates: `kaohe send --help` lists the keys,
#       docs/mail.md of kaohe-xl explains them.
#       The mail password is never stored here: set it in the environment variable
#       named by password_env, or type it when asked.
"""


class Campaign:
    """An open campaign folder. Create one with :meth:`init`, open it with :meth:`open`."""

    def __init__(self, root: Path, config: dict[str, Any]) -> None:
        self.root = root
        self.config = config

    # -- creating and opening ----------------------------------------------------------
    @classmethod
    def init(
        cls,
        root: str | Path,
        rubric_path: str | Path,
        units_path: str | Path,
        *,
        force: bool = False,
    ) -> Campaign:
        """Create a campaign folder from a rubric and a units list.

        The rubric and units are validated first, so a bad file leaves nothing behind.
        On an existing campaign this refuses unless ``force``; with ``force`` the old
        rubric/units copies are kept under ``rubric/old`` and ``units/old``, and the store,
        campaign id and secret stay (forms already sent remain valid for collection).
        """
        root = Path(root)
        rubric = load_rubric(rubric_path)
        units = load_units(units_path)
        roster = load_roster(units_path, units)
        check_form_names(rubric, units, roster, Path(units_path).name)
        del rubric, units, roster  # validated; the copies below are what the campaign reads
        config_path = root / CONFIG_NAME
        if root.exists() and not root.is_dir():
            raise CampaignError(f"{root} 是一个文件，不能作为考核目录，请换一个目录名")
        if config_path.exists() and not force:
            raise CampaignError(
                f"{root} 已经是一个考核目录；如确需重新初始化，请加 --force（原有细则和名单会移到 old/ 保留）"
            )
        if root.exists() and not config_path.exists() and any(root.iterdir()):
            raise CampaignError(f"{root} 不是空目录，也不是考核目录；请换一个新目录名")
        created = not root.exists()
        try:
            cls._populate(root, Path(rubric_path), Path(units_path))
        except BaseException as exc:
            if created:  # leave nothing half-made behind
                shutil.rmtree(root, ignore_errors=True)
            if isinstance(exc, OSError):
                raise CampaignError(f"无法创建考核目录 {root}：{exc}") from exc
            raise
        return cls.open(root)

    @staticmethod
    def _populate(root: Path, rubric_path: Path, units_path: Path) -> None:
        config_path = root / CONFIG_NAME
        # Read the sources first: on re-init they may be the very copies about to move to old/.
        rubric_data, units_data = rubric_path.read_bytes(), units_path.read_bytes()
        root.mkdir(parents=True, exist_ok=True)
        old_config: dict[str, Any] = {}
        if config_path.exists():
            loaded = yaml.safe_load(config_path.read_text(encoding="utf-8"))
            old_config = loaded if isinstance(loaded, dict) else {}
        old_units = _units_of(root, old_config)  # before the copy moves to old/
        stamp = file_stamp()
        rubric_rel = _copy_in(rubric_path.name, rubric_data, root / RUBRIC_DIR, stamp)
        units_rel = _copy_in(units_path.name, units_data, root / UNITS_DIR, stamp)
        # Keys other parts added (mail settings, ...) survive a re-init.
        config: dict[str, Any] = {
            "name": old_config.get("name", root.name),
            "created_at": old_config.get("created_at", now_text()),
            "rubric": rubric_rel,
            "units": units_rel,
            "mail": old_config.get("mail") or mail_defaults(),
        }
        config.update({k: v for k, v in old_config.items() if k not in config})
        for folder in (FORMS_DIR, INBOX_DIR, ARCHIVE_DIR, OUTPUT_DIR):
            (root / folder).mkdir(exist_ok=True)
        # closing(): sqlite3's own context manager commits but never closes, and an open
        # handle keeps the file locked on Windows.
        import secrets  # here: opening a campaign (kaohe status) needs neither
        import uuid

        with closing(connect(root / DB_NAME)) as conn:
            if get_meta(conn, "campaign_id") is None:
                set_meta(conn, "campaign_id", uuid.uuid4().hex[:16])
                set_meta(conn, "secret", secrets.token_hex(32))
                set_meta(conn, "created_at", config["created_at"])
            record_unit_names(conn, old_units)
        _write_config(config_path, config)

    @classmethod
    def open(cls, root: str | Path) -> Campaign:
        """Open an existing campaign folder (raises :class:`CampaignError` if it is not one)."""
        root = Path(root)
        config_path = root / CONFIG_NAME
        if not config_path.exists():
            raise CampaignError(f"{root} 不是考核目录（找不到 {CONFIG_NAME}），请先运行 kaohe init")
        try:
            config = yaml.load(config_path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
        except yaml.YAMLError as exc:
            raise CampaignError(f"{config_path}: 配置文件格式错误（{exc}）") from exc
        if not (root / DB_NAME).exists():
            raise CampaignError(f"{root}: 缺少数据库 {DB_NAME}，考核目录不完整")
        return cls(root, config)

    # -- what the campaign holds --------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.root.name)

    @cached_property
    def rubric(self) -> Rubric:
        try:
            return load_rubric(self.root / self.config["rubric"])
        except KeyError as exc:
            raise CampaignError(f"{CONFIG_NAME} 缺少 rubric 一项") from exc
        except RubricError:
            raise

    @cached_property
    def units(self) -> list[Unit]:
        try:
            return load_units(self.root / self.config["units"])
        except KeyError as exc:
            raise CampaignError(f"{CONFIG_NAME} 缺少 units 一项") from exc

    @cached_property
    def roster(self) -> Roster:
        """The named assessors of each group (sheet 考核组 of the units workbook); {} without."""
        try:
            return load_roster(self.root / self.config["units"], self.units)
        except KeyError as exc:
            raise CampaignError(f"{CONFIG_NAME} 缺少 units 一项") from exc

    def unit(self, unit_id: str) -> Unit:
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise KeyError(unit_id)

    def assessor_groups(self) -> dict[str, list[Unit]]:
        """Units by assessor group (考核组 column), in units-list order."""
        groups: dict[str, list[Unit]] = {}
        for unit in self.units:
            groups.setdefault(unit.assessor_group, []).append(unit)
        return groups

    @cached_property
    def _identity(self) -> tuple[str, str]:
        with closing(self.connect()) as conn:
            campaign_id = get_meta(conn, "campaign_id")
            secret = get_meta(conn, "secret")
        if not campaign_id or not secret:
            raise CampaignError(f"{self.root}: 数据库缺少考核标识，考核目录已损坏")
        return campaign_id, secret

    @property
    def id(self) -> str:
        """The campaign id written into every form's metadata."""
        return self._identity[0]

    @property
    def secret(self) -> str:
        """The random secret that signs every form's metadata (never leaves the folder)."""
        return self._identity[1]

    # -- paths ----------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def forms_dir(self) -> Path:
        return self.root / FORMS_DIR

    @property
    def inbox_dir(self) -> Path:
        return self.root / INBOX_DIR

    @property
    def archive_dir(self) -> Path:
        return self.root / ARCHIVE_DIR

    @property
    def output_dir(self) -> Path:
        return self.root / OUTPUT_DIR

    @property
    def control_workbook(self) -> Path:
        return self.root / CONTROL_WORKBOOK

    def is_own_file(self, path: Path) -> bool:
        """True for the campaign's own files: store, config, 控制台, generated forms, archive,
        outputs, rubric/units copies, launchers. Returns are never among them (inbox/ is not)."""
        try:
            relative = path.resolve().relative_to(self.root.resolve())
        except (ValueError, OSError):
            return False
        if len(relative.parts) == 1:
            name = relative.name
            return name in (CONFIG_NAME, CONTROL_WORKBOOK) or name.startswith(DB_NAME) or name.endswith((".cmd", ".sh"))
        return relative.parts[0] in _OWN_FOLDERS

    def form_path(self, kind: FormKind, subject_id: str, subject_name: str = "") -> Path:
        """Where the generated form for a unit / assessor group / rater is written."""
        if kind is FormKind.SELF and not subject_name:
            subject_name = self.unit(subject_id).name
        return self.forms_dir / kind.label / fitted_form_filename(kind, subject_id, subject_name)

    def assessor_form_path(self, group: str, source: str = "", assessor: str = "") -> Path:
        """The 考核组评分表 of a group: ``第一考核组_考核组评分表.xlsx``; with several rounds the
        source comes first (``专项督查_第一考核组_…``), a named assessor's copy ends with the
        name (``第一考核组_李明_考核组评分表.xlsx``)."""
        rounds = len(self.rubric.sources_of(FormKind.ASSESSOR)) > 1
        return self.form_path(FormKind.ASSESSOR, group, assessor_subject(group, source if rounds else "", assessor))

    def connect(self) -> sqlite3.Connection:
        """A connection to the campaign store (close it, or use it in a ``with`` block).

        Raises :class:`~kaohe_xl.errors.StoreError` when the store cannot be opened.
        """
        try:
            return connect(self.db_path)
        except sqlite3.Error as exc:
            raise explain(exc, self.db_path) from exc

    def save_config(self) -> None:
        """Write ``self.config`` back to campaign.yaml."""
        _write_config(self.root / CONFIG_NAME, self.config)


# Most file systems allow 255 *bytes* per file name (a Chinese character takes 3 in
# UTF-8); leave room for the ".<name>.<pid>.tmp" of an atomic write.
_NAME_BYTES = 200


def form_filename(kind: FormKind, subject_id: str, subject_name: str) -> str:
    """``01_某某村_自评表.xlsx`` for a unit; ``第一考核组_考核组评分表.xlsx`` for a group."""
    if kind is FormKind.SELF:
        stem = f"{subject_id}_{subject_name}_{kind.label}"
    else:
        stem = f"{subject_name or subject_id}_{kind.label}"
    return safe_filename(stem) + ".xlsx"


def fitted_form_filename(kind: FormKind, subject_id: str, subject_name: str) -> str:
    """:func:`form_filename`, the name shortened (``…``) to fit in a file name."""
    name = form_filename(kind, subject_id, subject_name)
    short = subject_name
    while len(name.encode("utf-8")) > _NAME_BYTES and short:
        short = short[:-1]
        name = form_filename(kind, subject_id, short + "…")
    return name


def assessor_subject(group: str, source: str = "", assessor: str = "") -> str:
    """The file-name part of a 考核组评分表: [round_]group[_assessor]."""
    return "_".join(part for part in (source, group, assessor) if part)


def check_form_names(rubric: Rubric, units: list[Unit], roster: Roster, units_name: str) -> None:
    """Refuse units/groups/raters whose forms would get the same file name.

    Two names that differ only in characters Windows forbids in file names (``A/1`` and
    ``A:1`` both become ``A_1``) or in letter case (Windows file names ignore case) would
    overwrite each other's form.
    """
    wanted: list[tuple[FormKind, str, str, str]] = [(FormKind.SELF, u.id, u.name, f"单位 {u.id}") for u in units]
    groups = dict.fromkeys(u.assessor_group for u in units)
    rounds = rubric.sources_of(FormKind.ASSESSOR)
    for group in groups:
        for source in rounds:
            for assessor in roster.get(group, ("",)):
                subject = assessor_subject(group, source.name if len(rounds) > 1 else "", assessor)
                wanted.append((FormKind.ASSESSOR, group, subject, f"考核组“{subject}”"))
        if rubric.sources_of(FormKind.BALLOT):
            wanted.append((FormKind.BALLOT, group, group, f"考核组“{group}”的民主测评表"))
    for source in rubric.sources_of(FormKind.RATER):
        wanted += [(FormKind.RATER, r, f"{source.name}_{r}", f"评分人“{r}”") for r in source.raters]
    seen: dict[str, str] = {}
    clashes: list[str] = []
    for kind, subject_id, subject_name, what in wanted:
        key = fitted_form_filename(kind, subject_id, subject_name).casefold()
        if key in seen:
            clashes.append(f"{seen[key]} 与 {what} 的表格文件名相同（{key}）")
        else:
            seen[key] = what
    if clashes:
        lines = "\n".join(f"  - {c}" for c in clashes)
        raise CampaignError(
            f'{units_name}: 有 {len(clashes)} 处名称只差大小写或文件名中不能用的字符（\\/:*?"<>|），'
            f"生成的表格会互相覆盖，请改成不同的编号或名称\n{lines}"
        )


def _units_of(root: Path, config: dict[str, Any]) -> list[Unit]:
    """The campaign's units list as it was (none for a new campaign or an unreadable copy)."""
    try:
        return load_units(root / str(config["units"]))
    except (KeyError, CampaignError, OSError):
        return []


def record_unit_names(conn: sqlite3.Connection, units: list[Unit]) -> int:
    """Give the returns stored before unit names were recorded the names they were made for.

    Called before the units list is replaced: from then on a renumbered or renamed unit's
    earlier return is told apart from the unit that holds its id (see
    :mod:`kaohe_xl.store.revisions`). Returns the number of rows named.
    """
    named = 0
    with transaction(conn):
        for unit in units:
            cursor = conn.execute(
                "UPDATE submission_units SET unit_name = ? WHERE unit_id = ? AND unit_name = ''", (unit.name, unit.id)
            )
            named += cursor.rowcount
    return named


def _copy_in(name: str, data: bytes, folder: Path, stamp: str) -> str:
    """Write a file into the campaign, moving any previous copy to ``old/`` first."""
    folder.mkdir(parents=True, exist_ok=True)
    for previous in [p for p in folder.iterdir() if p.is_file()]:
        old = folder / "old"
        old.mkdir(exist_ok=True)
        target_old = old / f"{stamp}_{previous.name}"
        n = 1
        while target_old.exists():  # two re-inits within one second
            n += 1
            target_old = old / f"{stamp}-{n}_{previous.name}"
        previous.rename(target_old)
    target = folder / name
    target.write_bytes(data)
    return target.relative_to(folder.parent).as_posix()


def _write_config(path: Path, config: dict[str, Any]) -> None:
    text = _CONFIG_HEADER + yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    write_atomic(path, text.encode("utf-8"), in_use_hint="请确认考核目录可以写入")
