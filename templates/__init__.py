"""Template workbooks whose styles the generated forms copy (restyle them in Excel)."""
