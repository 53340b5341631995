"""What kaohe-xl ships besides code: the form styles workbook and the default mail texts.

Installed as the package ``kaohe_xl.templates`` (setup.cfg ``package_dir``). It imports
nothing of kaohe-xl, so every room may read it.

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

STYLES_WORKBOOK = "form_styles.xlsx"
MAIL_DEFAULTS = "mail.yaml"


def template_path(name: str) -> Path:
    """The installed file ``name`` of this package."""
    return Path(str(resources.files(__name__) / name))


@cache
def _mail_defaults() -> dict[str, Any]:
    loaded = yaml.safe_load(template_path(MAIL_DEFAULTS).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), MAIL_DEFAULTS
    return loaded


def mail_defaults() -> dict[str, Any]:
    """A fresh copy of the default ``mail:`` section (servers, templates)."""
    return copy.deepcopy(_mail_defaults())
