"""The files kaohe-xl ships besides code (the repository's ``templates/``).

They are installed as the package ``kaohe_xl.templates`` (setup.cfg ``package_dir``)
and read here by name, so every room may use them without importing anything:

- ``form_styles.xlsx``: the styles generated forms copy (restyle it in Excel);
- ``mail.yaml``: the ``mail:`` section a new campaign.yaml starts with.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

_PACKAGE = "kaohe_xl.templates"
STYLES_WORKBOOK = "form_styles.xlsx"
MAIL_DEFAULTS = "mail.yaml"


def template_path(name: str) -> Path:
    """The installed file ``name`` of this package."""
    return Path(str(resources.files(_PACKAGE) / name))


@cache
def _mail_defaults() -> dict[str, Any]:
    loaded = yaml.safe_load(template_path(MAIL_DEFAULTS).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), MAIL_DEFAULTS
    return loaded


def mail_defaults() -> dict[str, Any]:
    """A fresh copy of the default ``mail:`` section (servers, templates)."""
    return copy.deepcopy(_mail_defaults())
