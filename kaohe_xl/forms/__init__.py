"""Rubric + units → the scoring workbooks, and the layout contract shared with collect.

- :mod:`.layout`: sheet names, metadata, defined names and header labels (the contract);
- :mod:`.generate`: 自评表, 考核组评分表 (per round and named assessor), 评分表 and the
  民主测评 forms for a campaign;
- :mod:`.parts`, :mod:`.items`, :mod:`.self_form`, :mod:`.rater`, :mod:`.ballot`, :mod:`.styles`: how each sheet is built;
- :mod:`.context`: what a run's forms share; :mod:`.prototypes`: the 自评表 prototype kept in the campaign;
- :mod:`.fill`: filling generated forms the way a unit or an assessor would.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.forms.fill import fill_assessor_form, fill_rater_form, fill_self_form, fill_tally_form
    from kaohe_xl.forms.generate import GenerateReport, generate_forms

__all__ = [
    "GenerateReport",
    "fill_assessor_form",
    "fill_rater_form",
    "fill_self_form",
    "fill_tally_form",
    "generate_forms",
]
__getattr__ = lazy_exports(
    __name__,
    {
        "GenerateReport": "generate",
        "generate_forms": "generate",
        **dict.fromkeys(("fill_assessor_form", "fill_rater_form", "fill_self_form", "fill_tally_form"), "fill"),
    },
    moved_from="generate",
)
