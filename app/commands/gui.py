"""``xrjig [FILE] [--scenario S] [--variant V] [--device D] [--join EP ...]``: the desktop window.

FILE is a model or a scenario (.yaml); without it the bundled sample scene opens. A FILE
that cannot be loaded does not stop the window: it opens on the sample and shows the
file's problem in a dialog, as File > Open would. Interaction (simulated hands, the
scenario and parameter docks, recording) is attached by ``app.window.controller``. Without a
display the command says so in one line and exits 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path,
                        help="model or scenario to open (default: the bundled sample)")
    parser.add_argument("--scenario", type=Path, help="scenario file (.yaml) to run on the model")
    parser.add_argument("--variant", help="named interaction variant of the scenario")
    parser.add_argument("--device", default="desktop",
                        help="input: desktop (simulated hands), camera[:N], video:PATH, openxr")
    join = parser.add_argument_group("joining a shared session (as Session > Join... does)")
    join.add_argument("--join", metavar="ENDPOINT", help="the session's router, e.g. tcp/host:7447, or 'lan'")
    join.add_argument("--session", help="the session's name")
    join.add_argument("--name", help="your name in the session")
    join.add_argument("--secret-file", type=Path, help="file holding the session's secret")
    join.add_argument("--role", choices=("participant", "facilitator", "observer"), default="participant")


def run(args: argparse.Namespace) -> int:
    from app.display.application import DisplayUnavailable
    from app.window.launch import run as run_window

    join = None
    if args.join is not None:
        from views.session_dialog import JoinRequest

        if not (args.session and args.name and args.secret_file):
            print("xrjig: --join needs --session, --name and --secret-file", file=sys.stderr)
            return 1
        join = JoinRequest(args.join, args.session, args.name, args.secret_file, args.role)
    try:
        return run_window(args.file, args.scenario, args.variant, device=args.device, join=join)
    except DisplayUnavailable as err:
        print(f"xrjig: {err}", file=sys.stderr)
        return 1
