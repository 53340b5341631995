"""The 自评表 prototype of a campaign, kept between runs, and each unit's copy of it.

Building the prototype (openpyxl, the style template) costs more than stamping a
thousand copies from it, so it is kept in ``forms/.cache/`` of the campaign under a key
made of everything the build reads: the rubric as loaded, the style templates (packaged
and the campaign's own), the campaign id, the layout version, and the code that builds
it (every module of kaohe_xl and openpyxl, by size and time). Any change gives a new key
and the prototype is built again; a kept one is used only when its key matches, so its
copies are byte for byte what a fresh build gives. A run that cannot write the cache
(a read-only folder) builds the prototype and goes on.

This module imports no openpyxl: a run whose prototype is kept never loads it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from kaohe_xl.atomic import write_atomic
from kaohe_xl.errors import OutputError
from kaohe_xl.forms import layout
from kaohe_xl.forms.context import FormContext
from kaohe_xl.resources import STYLES_WORKBOOK, template_path
from kaohe_xl.rubric.model import FormKind, Unit
from kaohe_xl.xlsx.stamp import NONCE, Prototype

CACHE_DIR = ".cache"  # under the campaign's forms/
SUFFIX = ".prototype"  # not .xlsx: nothing that looks for forms picks it up
_NONCE = re.compile("[0-9A-F]{8}")  # as kaohe_xl.xlsx.stamp draws it


def self_prototype(ctx: FormContext, cache: Path | None = None) -> Prototype:
    """The 自评表 prototype: kept in ``cache`` (a folder) when given, else built."""

    def build() -> bytes:
        from kaohe_xl.forms.self_form import self_prototype_bytes

        return self_prototype_bytes(ctx)

    if cache is None:
        return Prototype(build())
    return kept_prototype(cache, "self", prototype_key(ctx), build, SELF_FIELDS)


SELF_FIELDS = frozenset({"ID", "NAME", "SIG", "GENERATED", "CREATED", "MODIFIED"})  # what stamp_self fills


def stamp_self(ctx: FormContext, prototype: Prototype, unit: Unit) -> bytes:
    """One unit's 自评表 bytes from the prototype (same content as a direct build)."""
    sources = ctx.rubric.sources_of(FormKind.SELF)
    meta = ctx.meta(FormKind.SELF, unit.id, unit.name, source=sources[0].name if sources else "")
    return prototype.stamp(
        {
            "ID": unit.id,
            "NAME": unit.name,
            "SIG": ctx.sign(meta),
            "GENERATED": ctx.generated_at,
            "CREATED": prototype.created,
            "MODIFIED": prototype.created,
        }
    )


def kept_prototype(folder: Path, name: str, key: str, build: Callable[[], bytes], fields: frozenset[str]) -> Prototype:
    """The prototype ``name`` kept in ``folder`` under ``key``, else ``build()`` (kept for
    the next run in place of any other key's). The file name ends with the nonce of its
    placeholders (:mod:`kaohe_xl.xlsx.stamp`: each process draws its own); a kept one
    without every placeholder of ``fields`` is built again."""
    for path in folder.glob(f"{name}-{key}-*{SUFFIX}"):
        nonce = path.name.removesuffix(SUFFIX).rpartition("-")[2]
        if not _NONCE.fullmatch(nonce):
            continue
        try:
            kept = Prototype(path.read_bytes(), nonce=nonce)
        except (OSError, zipfile.BadZipFile, ValueError):
            break  # damaged: build it again
        if fields <= kept.fields | kept.cell_fields:
            return kept
        break
    data = build()
    prototype = Prototype(data)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{name}-*{SUFFIX}"):
            old.unlink(missing_ok=True)
        write_atomic(folder / f"{name}-{key}-{NONCE}{SUFFIX}", data)
    except (OSError, OutputError):
        pass  # the forms are written all the same; the next run builds it again
    return prototype


def prototype_key(ctx: FormContext) -> str:
    """A digest of everything a prototype's build reads (see the module docstring)."""
    digest = hashlib.sha256()
    for part in (layout.TEMPLATE_VERSION, ctx.campaign_id, repr(ctx.rubric)):
        digest.update(part.encode("utf-8") + b"\0")
    templates = [template_path(STYLES_WORKBOOK)]
    if ctx.root is not None:
        templates.append(ctx.root / "templates" / STYLES_WORKBOOK)
    for template in templates:
        digest.update(template.read_bytes() if template.is_file() else b"-")
        digest.update(b"\0")
    digest.update(_code_fingerprint().encode("utf-8"))
    return digest.hexdigest()[:32]


def _code_fingerprint() -> str:
    """Size and modification time of every module of kaohe_xl, and of openpyxl's version file."""
    files = [path for path in sorted(Path(__file__).resolve().parents[1].rglob("*.py"))]
    spec = importlib.util.find_spec("openpyxl")
    if spec is not None and spec.origin:
        files.append(Path(spec.origin).parent / "_constants.py")
    lines = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        lines.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(lines)
