"""``python -m govxl``: the same program as the ``govxl`` command (for a PC whose PATH lacks it)."""

from govxl.program import main

main()
