"""``xrjig replay REC [--verify]``: watch a recording, or check it still replays identically.

``--verify`` re-runs the recorded frames and commands headlessly through the CURRENT engine
with the recorded scenario and parameters and compares the events line by line: exit 0 when
identical, else the first divergence (event number, frame, time, expected vs got) and exit 1.
A truncated or damaged recording is verified over its valid prefix, with one warning line
saying where it is damaged and how much was skipped, and the result says it was partial.

Without ``--verify`` the desktop window opens in replay mode through
``app.window.replay_window.run_replay``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import number
from devices.replay import MAX_SPEED, MIN_SPEED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recording", type=Path, help="an .mcap recording made by xrjig")
    parser.add_argument("--verify", action="store_true",
                        help="re-run headlessly through the current engine and compare events")
    parser.add_argument("--speed", type=number(float, MIN_SPEED, MAX_SPEED), default=1.0,
                        help=f"playback speed {MIN_SPEED:g}..{MAX_SPEED:g} (GUI)")


def run(args: argparse.Namespace) -> int:
    if args.verify:
        return _verify(args.recording)
    import app.window.replay_window
    from app.display.application import DisplayUnavailable

    try:
        return int(app.window.replay_window.run_replay(args.recording, speed=args.speed))
    except DisplayUnavailable as err:
        print(f"xrjig replay: {err}", file=sys.stderr)
        return 1


def _verify(path: Path) -> int:
    from interaction.recording_reader import Recording
    from interaction.recording_rerun import load_setup, verify
    from scenes.model import SceneError

    with Recording(path) as rec:  # SceneError -> one line, exit 1
        setup = load_setup(rec)
        for note in setup.notes:
            print(f"xrjig replay: note: {note}", file=sys.stderr)
        matched, divergence = verify(rec, setup)
        frames = rec.frame_count
        warnings = rec.warnings  # complete only now: damage shows up where reading meets it
    if not frames and rec.damage is not None:  # nothing was verified: not a success
        raise SceneError(path, rec.damage.describe())
    for warning in warnings:
        print(f"xrjig replay: warning: {warning}", file=sys.stderr)
    if divergence is None:
        scope = "identical as far as it could be read" if warnings else "identical"
        print(f"{path}: {scope} ({frames} frames, {matched} events)")
        return 0
    print(f"{path}: DIFFERS after {matched} identical events")
    print(divergence.describe())
    return 1
