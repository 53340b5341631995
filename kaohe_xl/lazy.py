"""Package faces that import on first use, and the module paths of 0.1 that moved.

Each package's ``__init__.py`` names what it hands on and where it lives::

    __getattr__ = lazy_exports(__name__, {"generate_forms": "generate", ...})

``from kaohe_xl.forms import generate_forms`` then imports ``kaohe_xl.forms.generate``
at that moment, not when the return reader imports ``kaohe_xl.forms.layout``, so
``kaohe --help`` and ``kaohe status`` stay fast.

Until 0.2 the package was flat (``kaohe_xl.summary``, ``kaohe_xl.mail_send``, ...).
:func:`keep_moved_modules` keeps those paths importable for one more release, with a
DeprecationWarning naming the new place.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings
from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str], *, moved_from: str = "") -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``exports`` maps a public name to the
    submodule (relative to ``package``) that defines it; ``"module:name"`` renames.

    ``moved_from``: the submodule that holds what the 0.1 module of the same name as this
    package held (``kaohe_xl.forms`` was ``forms/generate.py``); other names are looked up
    there, with a DeprecationWarning.
    """

    def __getattr__(name: str) -> Any:
        where = exports.get(name)
        if where is not None:
            module, _, attribute = where.partition(":")
            value = getattr(import_module(f"{package}.{module}"), attribute or name)
        elif moved_from and not name.startswith("__"):
            if importlib.util.find_spec(f"{package}.{name}") is not None:
                return import_module(f"{package}.{name}")  # a submodule, not a moved name
            old = import_module(f"{package}.{moved_from}")
            if not hasattr(old, name):
                raise AttributeError(f"module {package!r} has no attribute {name!r}")
            _warn(f"{package}.{name}", f"{package}.{moved_from}.{name}")
            value = getattr(old, name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)  # found once: the next lookup is plain
        return value

    return __getattr__


def keep_moved_modules(package: str, moved: Mapping[str, Sequence[str]]) -> None:
    """Make ``package.<old>`` importable as an alias of its new module(s) (first one that
    has a name wins), warning once on import."""
    finder = _MovedFinder({f"{package}.{old}": [f"{package}.{n}" for n in new] for old, new in moved.items()})
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(finder)


def _warn(old: str, new: str) -> None:
    warnings.warn(f"{old} is now {new}; the old name goes in kaohe-xl 0.3", DeprecationWarning, stacklevel=3)


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, moved: dict[str, list[str]]) -> None:
        self.moved = moved

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.moved:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        targets = self.moved[spec.name]
        _warn(spec.name, " / ".join(targets))
        alias = types.ModuleType(spec.name, f"Moved to {', '.join(targets)}.")

        def __getattr__(name: str) -> Any:
            for target in targets:
                module = import_module(target)
                if hasattr(module, name):
                    return getattr(module, name)
            raise AttributeError(f"module {spec.name!r} has no attribute {name!r}")

        alias.__getattr__ = __getattr__  # type: ignore[method-assign]
        return alias

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the alias looks names up in the new modules."""
