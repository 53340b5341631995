"""``python -m kaohe_xl`` runs the kaohe command line."""

from .cli import main

main()
