"""``xrjig resim REC... --set NAME=VALUE ... [--json]``: what if the parameters had differed?

Each recording's input (frames + commands) is re-run through the engine under the recorded
parameters with the overrides applied, and its outcome (completed, completion time, snaps,
steps, errors by kind) is compared with the recorded one, per recording and in total.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.commands.report import progress


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recordings", type=Path, nargs="+", help=".mcap recordings made by xrjig")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                        help="interaction parameter override, e.g. snap_position_mm=15 (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")


def run(args: argparse.Namespace) -> int:
    from interaction.recording_reader import Recording
    from interaction.recording_rerun import load_setup, resimulate

    cache: dict[str, Any] = {}
    rows = []
    for path in progress(args.recordings, "resim"):
        with Recording(path) as rec:
            setup = load_setup(rec, cache)
            try:
                setup.params.replace_from_strings(args.overrides)  # validate names and values
            except ValueError as err:
                print(f"xrjig resim: --set: {err}", file=sys.stderr)
                return 1
            before, after = resimulate(rec, setup, _overrides(args.overrides))
            warnings = rec.warnings  # complete once the recording has been read
        for warning in warnings:
            print(f"xrjig resim: warning: {warning}", file=sys.stderr)
        rows.append({"recording": str(path), "notes": [*warnings, *setup.notes],
                     "recorded": before.to_dict(), "resimulated": after.to_dict()})
    report = {"overrides": args.overrides, "recordings": rows, "total": _total(rows)}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_table(report)
    return 0


def _overrides(assignments: list[str]) -> dict[str, str]:
    """NAME=VALUE strings (already validated) -> {name: value}."""
    return {name.strip(): value.strip() for name, _, value in (a.partition("=") for a in assignments)}


def _total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def sums(key: str) -> dict[str, Any]:
        outs = [r[key] for r in rows]
        times = [o["completion_time_s"] for o in outs if o["completion_time_s"] is not None]
        errors: dict[str, int] = {}
        for o in outs:
            for name, count in o["errors"].items():
                errors[name] = errors.get(name, 0) + count
        return {"completed": sum(o["completed"] for o in outs), "snaps": sum(o["snaps"] for o in outs),
                "steps_done": sum(o["steps_done"] for o in outs), "errors": errors,
                "mean_completion_time_s": sum(times) / len(times) if times else None}

    return {"recordings": len(rows), "recorded": sums("recorded"), "resimulated": sums("resimulated")}


def _fmt_time(t: float | None) -> str:
    return "-" if t is None else f"{t:.2f} s"


def _print_table(report: dict[str, Any]) -> None:
    print(f"what if: {' '.join(report['overrides']) or '(no overrides: recorded parameters)'}")
    header = f"{'recording':<40} {'':>11} {'completed':>9} {'time':>9} {'snaps':>5} {'steps':>5}  errors"
    print(header)
    for r in report["recordings"]:
        name = Path(r["recording"]).name[:40]
        for label in ("recorded", "resimulated"):
            o = r[label]
            errors = ", ".join(f"{k}={v}" for k, v in o["errors"].items() if v) or "none"
            print(f"{name:<40} {label:>11} {('yes' if o['completed'] else 'no'):>9} "
                  f"{_fmt_time(o['completion_time_s']):>9} {o['snaps']:>5} {o['steps_done']:>5}  {errors}")
            name = ""
        for note in r["notes"]:
            print(f"  note: {note}")
    total = report["total"]
    print(f"total over {total['recordings']} recording(s):")
    for label in ("recorded", "resimulated"):
        o = total[label]
        errors = ", ".join(f"{k}={v}" for k, v in o["errors"].items() if v) or "none"
        print(f"  {label:>11}: {o['completed']} completed, mean time {_fmt_time(o['mean_completion_time_s'])}, "
              f"{o['snaps']} snaps, {o['steps_done']} steps, errors: {errors}")
