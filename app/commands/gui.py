"""``xrjig [FILE]``: the desktop window, on FILE or on the bundled sample scene.

A FILE that cannot be loaded does not stop the window: it opens on the sample and
shows the file's problem in a dialog, as File > Open would. Without a display the
command says so in one line and exits 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path, help="model to open (default: the bundled sample)")


def run(args: argparse.Namespace) -> int:
    from app.gui import DisplayUnavailable, run_gui

    try:
        return run_gui(args.file)
    except DisplayUnavailable as err:
        print(f"xrjig: {err}", file=sys.stderr)
        return 1
