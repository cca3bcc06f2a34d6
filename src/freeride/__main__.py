"""``python -m freeride`` is the ``freeride`` command."""

from freeride.cli.main import main

main()
