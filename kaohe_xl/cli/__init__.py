"""The ``kaohe`` command line (entry point ``kaohe_xl.cli:main``).

:mod:`.commands` holds the cycle's commands, :mod:`.mail` and :mod:`.addin` their
groups, :mod:`.common` what every command shares, :mod:`.usage` usage errors in Chinese.
"""

from kaohe_xl.cli.commands import main
from kaohe_xl.lazy import lazy_exports

__all__ = ["main"]
__getattr__ = lazy_exports(__name__, {}, moved_from="commands")
