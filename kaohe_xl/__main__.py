"""``python -m kaohe_xl`` runs the kaohe command line."""

from kaohe_xl.cli.commands import main

main()
