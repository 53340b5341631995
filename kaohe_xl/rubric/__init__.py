"""The rubric (考核细则) and the units list: what is assessed, how, and who.

- :mod:`.model`: the frozen model (settings, categories, items, score sources);
- :mod:`.load`: one reader for a 细则 workbook or its YAML twin, with located problems;
- :mod:`.sheets` and :mod:`.settings`: the raw tables and the 设置 sheet it is built from;
- :mod:`.units`: the units list (单位名单).
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.rubric.load import load_rubric
    from kaohe_xl.rubric.model import Category, FormKind, Item, ItemKind, Rubric, Settings, Source
    from kaohe_xl.rubric.units import Unit, load_units

__all__ = [
    "Category",
    "FormKind",
    "Item",
    "ItemKind",
    "Rubric",
    "Settings",
    "Source",
    "Unit",
    "load_rubric",
    "load_units",
]
__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(("Category", "FormKind", "Item", "ItemKind", "Rubric", "Settings", "Source"), "model"),
        "load_rubric": "load",
        "Unit": "model",
        "load_units": "units",
    },
    moved_from="model",
)
