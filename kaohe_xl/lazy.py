"""Package faces that import on first use, so ``kaohe --help`` and ``kaohe status`` stay fast.

Each package's ``__init__.py`` names what it hands on and where it lives::

    __getattr__ = lazy_exports(__name__, {"generate_forms": "generate", ...})

``from kaohe_xl.forms import generate_forms`` then imports ``kaohe_xl.forms.generate``
at that moment, not when ``kaohe_xl.forms.layout`` is imported by the return reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``exports`` maps a public name to the
    submodule (relative to ``package``) that defines it; ``"module:name"`` renames."""

    def __getattr__(name: str) -> Any:
        where = exports.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = where.partition(":")
        return getattr(import_module(f"{package}.{module}"), attribute or name)

    return __getattr__
