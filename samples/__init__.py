"""Sample rubrics and units transcribed from the source documents (used by ``kaohe demo``)."""
