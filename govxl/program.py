"""The ``govxl`` program's entry point: the command line, with Ctrl-C handled from the first
moment.

Loading the command line (typer, rich, the library) takes a noticeable part of a second; a
clerk who presses Ctrl-C then would otherwise see Python's traceback. So this module imports
the command line inside the guard, the one import in govxl made late for that reason
(``tests/test_guarantees.py::test_ctrl_c_while_govxl_starts_exits_130_without_a_traceback``).
"""

from __future__ import annotations

import sys

STARTING = "已中断（Ctrl-C）：govxl 尚未开始工作，没有写出任何文件，输入文件未被改动。"


def main() -> None:
    try:
        from govxl.cli import run
    except KeyboardInterrupt:
        sys.stderr.write(STARTING + "\n")
        raise SystemExit(130) from None
    run()
