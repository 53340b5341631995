"""What stays the same for every form of one generate run (:class:`FormContext`).

It imports no openpyxl: a run that stamps its 自评表 from a kept prototype
(:mod:`kaohe_xl.forms.prototypes`) signs and stamps with it and never loads the style
template; the builders read :attr:`FormContext.styles`, loaded on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kaohe_xl.forms import layout
from kaohe_xl.rubric.model import FormKind, Rubric

if TYPE_CHECKING:
    from kaohe_xl.forms.styles import FormStyles


@dataclass(frozen=True)
class FormContext:
    """What stays the same for every form of one generate run."""

    rubric: Rubric
    campaign_id: str
    secret: str
    generated_at: str
    root: Path | None = None  # the campaign folder: its own style template, when it has one

    @cached_property
    def styles(self) -> FormStyles:
        """The styles (campaign template first, :func:`~kaohe_xl.forms.styles.load_styles`)."""
        from kaohe_xl.forms.styles import load_styles

        return load_styles(self.root)

    @property
    def password(self) -> str:
        return self.rubric.settings.password

    @property
    def title(self) -> str:
        """``2023年度某某考核``: the rubric name, prefixed by the year unless it has it."""
        settings = self.rubric.settings
        year = settings.year.strip()
        if year and year not in settings.name:
            return f"{year}年度{settings.name}"
        return settings.name

    def meta(
        self,
        kind: FormKind,
        subject_id: str,
        subject_name: str,
        *,
        sheets: str = "",
        source: str = "",
        assessor: str = "",
        units: str = "",
    ) -> dict[str, str]:
        """The unsigned metadata of a form (every signed key present; ``assessor`` only
        on a named assessor's copy)."""
        meta = {
            layout.META_CAMPAIGN: self.campaign_id,
            layout.META_KIND: kind.value,
            layout.META_SUBJECT: subject_id,
            layout.META_SUBJECT_NAME: subject_name,
            layout.META_RUBRIC_HASH: self.rubric.content_hash(),
            layout.META_TEMPLATE: layout.TEMPLATE_VERSION,
            layout.META_GENERATED: self.generated_at,
            layout.META_SHEETS: sheets,
            layout.META_SOURCE: source,
            layout.META_UNITS: units,
        }
        if assessor:
            meta[layout.META_ASSESSOR] = assessor
        return meta

    def sign(self, meta: Mapping[str, str]) -> str:
        return layout.sign_metadata(self.secret, meta)
