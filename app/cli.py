"""The ``xrjig`` command line.

``xrjig [FILE]`` opens the GUI; ``xrjig COMMAND ...`` runs one of the sub-commands below.
Each command lives in ``app/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int`` and is imported only when used, so ``xrjig info`` never pays for
Qt or MediaPipe.

Bad input (a SceneError from any layer, or an argument argparse refuses) becomes one line
on stderr and exit code 1. Numeric options parse through :func:`number`, which refuses
non-numbers, NaN, infinities and values outside the option's range.
A closed pipe on stdout (``| head``) ends the command quietly with exit code 0.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from scenes.model import SceneError

#: command name -> one-line help. The module is app.commands.<name>.
COMMANDS: dict[str, str] = {
    "info": "print a model's nodes, parts, triangles and bounds",
    "render": "render a model offscreen to a PNG through the real renderer",
    "check": "validate a scenario and run the autopilot through the engine",
    "replay": "replay a recording (GUI), or --verify it headlessly",
    "report": "metrics, CSV and an HTML report from recordings",
    "resim": "re-run recorded input under changed interaction parameters",
    "track": "run the MediaPipe hand and gaze tracker on an image, video or camera",
    "devices": "list OpenXR runtime, system, extensions and cameras",
    "calibrate": "a camera's intrinsics from photos, a video or a camera showing a board",
    "markers": "find ArUco/AprilTag markers and their poses in an image, video or camera",
    "session": "serve, watch or make the secret of a shared session (several people, one task)",
    "listen": "recognise voice commands (offline) in speech files or from a microphone",
    "convert": "convert a STEP file to GLB (names, colours, units, cylinder axes), or clear the cache",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a refused argument is one line ``xrjig: ...`` and exit code 1, like
    every other bad input (argparse's own usage dump and exit code 2 are not)."""

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        command = self.prog.removeprefix("xrjig").strip()
        where = f"{command}: " if command else ""
        self.exit(1, f"xrjig: {where}{' '.join(message.splitlines())}\n")


def _shown(text: str) -> str:
    """A refused value as an error message quotes it: a pasted megabyte stays one short line."""
    return repr(text) if len(text) <= 60 else f"{text[:40]!r}... ({len(text)} characters)"


def number(kind: type, low: float, high: float, *, low_open: bool = False,
           high_open: bool = False) -> Callable[[str], Any]:
    """An argparse ``type=`` for a finite int or float in [low, high] (``*_open``: exclusive)."""
    lo_b, hi_b = ("(" if low_open else "["), (")" if high_open else "]")
    span = f"{lo_b}{low:g}, {high:g}{hi_b}"

    def parse(text: str) -> Any:
        try:
            value = kind(text.strip())
        except (ValueError, OverflowError):
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what} in {span}, got {_shown(text)}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number in {span}, got {_shown(text)}")
        ok = (low < value if low_open else low <= value) and (
            value < high if high_open else value <= high)
        if not ok:
            raise argparse.ArgumentTypeError(f"{_shown(text)} is outside the allowed range {span}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in some messages
    return parse


def quality(text: str) -> Any:
    """An argparse ``type=`` for a STEP tessellation quality: a name (interactive, fine)
    or LINEAR_MM,ANGULAR_DEG (scenes/step_quality.py)."""
    from scenes.step_quality import parse_quality

    try:
        return parse_quality(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


QUALITY_HELP = ("STEP tessellation: interactive (default, 0.1 mm / 20 deg), fine (0.02 mm / 10 deg) "
                "or LINEAR_MM,ANGULAR_DEG")


def _build_parser(command: str | None) -> argparse.ArgumentParser:
    if command is None:
        parser = _Parser(
            prog="xrjig",
            description="Prototype VR/AR interactions for industrial work. "
            "Commands: " + ", ".join(COMMANDS) + " (xrjig COMMAND --help).",
        )
        module = importlib.import_module("app.commands.gui")
    else:
        parser = _Parser(prog=f"xrjig {command}", description=COMMANDS[command])
        module = importlib.import_module(f"app.commands.{command}")
    module.add_arguments(parser)
    parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = _build_parser(command)
    args = parser.parse_args(argv[1:] if command else argv)
    try:
        return int(args._run(args) or 0)
    except SceneError as err:
        print(f"xrjig: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `xrjig track video.mp4 --json | head`: the reader left; that is not an error.
        # Point stdout at devnull so the interpreter's final flush does not complain.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:  # a file system refusal no command foresaw: still one line naming it
        name = f"{err.filename!s:.300}: ".replace("\n", " ") if err.filename else ""
        print(f"xrjig: {name}{err.strerror or err}", file=sys.stderr)
        return 1
