"""The mail text: templates filled in, and what an empty setting does to them.

A template fills ``{单位名称}``-style placeholders. Text that only makes sense with a
value goes in ``[[ ]]``: when a placeholder inside is empty (no 截止日期 in the rubric's
设置, no 联系人), the whole part is left out, and a line left empty by that goes too::

    请[[于{截止日期}前]]将填好的表格作为附件回复本邮件。
    [[联系人：{联系人}]][[　电话：{联系电话}]]

reads "请将填好的表格作为附件回复本邮件。" without a deadline, never "于前". A
placeholder outside ``[[ ]]`` that is empty leaves a hole: :func:`template_warnings`
names every empty setting a template uses (``kaohe init``, ``kaohe send --dry-run``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

from kaohe_xl.errors import MailError

_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)
# The placeholders that come from settings someone fills in, and where.
SOURCES = {
    "截止日期": "考核细则“设置”表的 截止日期",
    "联系人": "考核细则“设置”表的 联系人",
    "联系电话": "考核细则“设置”表的 联系电话",
    "发件人": "campaign.yaml 的 mail.smtp.sender_name",
    "考核名称": "考核细则“设置”表的 考核名称",
}


class _KeepUnknown(dict[str, str]):
    """format_map mapping that leaves an unknown ``{占位符}`` visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def placeholders(text: str) -> list[str]:
    """The placeholder names ``text`` uses, in order (``{{`` and ``}}`` are not placeholders)."""
    try:
        return [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name]
    except ValueError:
        return []


def _empty(values: Mapping[str, str], name: str) -> bool:
    return name in values and not str(values[name]).strip()


def render(template: str, values: Mapping[str, str], where: str = "") -> str:
    """Fill ``{单位名称}``-style placeholders; unknown ones stay as written; a ``[[ ]]``
    part with an empty placeholder is left out (and a line it leaves empty).

    A template that is not a valid format string (a lone ``{``) raises :class:`MailError`.
    """
    lines = [line if "[[" not in line else _optional_parts(line, values) for line in template.split("\n")]
    try:
        return "\n".join(line for line in lines if line is not None).format_map(_KeepUnknown(values))
    except (ValueError, IndexError, AttributeError, KeyError) as exc:
        raise MailError(
            f"邮件模板 {where} 格式错误（{exc}）：占位符应写成 {{单位名称}} 这样；"
            "如需显示花括号本身，请写成 {{ 和 }}"
        ) from exc


def _optional_parts(line: str, values: Mapping[str, str]) -> str | None:
    """``line`` without its ``[[ ]]`` parts that have an empty placeholder (None: drop the line)."""
    dropped: list[int] = []

    def keep(match: re.Match[str]) -> str:
        if any(_empty(values, name) for name in placeholders(match.group(1))):
            dropped.append(match.start())
            return ""
        return match.group(1)

    kept = _OPTIONAL.sub(keep, line)
    if dropped and not kept.strip():
        return None  # a line of optional parts, all left out
    if 0 in dropped:  # the line's first part went: so does the space that led into the next
        kept = kept.lstrip()
    return kept


def unmarked(template: str) -> str:
    """``template`` with its ``[[ ]]`` brackets taken away (the parts kept)."""
    return _OPTIONAL.sub(r"\1", template)


def template_warnings(templates: Mapping[str, tuple[str, str]], values: Mapping[str, str]) -> list[str]:
    """A line for every empty setting a template uses: what the mail then looks like, and where to fill it in."""
    found: dict[str, tuple[bool, list[str]]] = {}  # name → (leaves a hole, templates)
    for kind, parts in templates.items():
        for part, text in zip(("subject", "body"), parts, strict=True):
            optional = {n for m in _OPTIONAL.finditer(text) for n in placeholders(m.group(1))}
            required = set(placeholders(_OPTIONAL.sub("", text)))
            for name in sorted(optional | required):
                if _empty(values, name):
                    hole, where = found.get(name, (False, []))
                    found[name] = (hole or name in required, [*where, f"{kind}.{part}"])
    lines = []
    for name, (hole, where) in found.items():
        source = SOURCES.get(name, f"campaign.yaml 的 mail.placeholders.{name}")
        effect = "邮件中这里会空着" if hole else "邮件中不写这一句"
        lines.append(f"邮件模板（{'、'.join(where)}）用到 {{{name}}}，但它为空：{effect}；如需要，请填写{source}")
    return lines
