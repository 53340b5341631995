"""Files kaohe-xl ships besides code, installed as the package ``kaohe_xl.templates``.

- ``form_styles.xlsx``: the styles generated forms copy (restyle it in Excel; made by
  ``make_templates.py``);
- ``mail.yaml``: the ``mail:`` section a new campaign.yaml starts with.

:mod:`kaohe_xl.resources` reads them.
"""
