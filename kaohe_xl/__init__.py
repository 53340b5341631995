"""kaohe-xl: run an annual target-management assessment (目标管理考核) in Excel workbooks."""

__version__ = "0.1.0"
