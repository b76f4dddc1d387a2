"""``xrjig report REC... --out DIR``: trial metrics as CSV and an HTML report.

Writes ``DIR/trials.csv`` (one row per trial), ``DIR/steps.csv`` (one row per trial x step),
``DIR/points.csv`` (one row per trial x inspection point: time to first fixation, dwell),
``DIR/people.csv`` (one row per trial x person of a shared session: grabs, snaps, steps,
verdicts, hand paths; empty for trials done alone), PNG plots and ``DIR/report.html`` with a per-variant comparison table and, when the model
can be rendered here, a gaze heatmap drawn on the model through the real renderer.
Recordings whose scenario file is missing still get event and frame metrics; only the
gaze-per-point metrics (which need the points' positions) are left empty, with a note.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def progress(items: Sequence[T], label: str) -> Iterator[T]:
    """Yield items while drawing a one-line progress bar on stderr (only on a terminal)."""
    n = len(items)
    show = n > 1 and sys.stderr.isatty()
    for i, item in enumerate(items):
        if show:
            filled = int(30 * i / n)
            print(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {i}/{n}", end="", file=sys.stderr, flush=True)
        yield item
    if show:
        print(f"\r{label} [{'#' * 30}] {n}/{n}", file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recordings", type=Path, nargs="+", help=".mcap recordings made by xrjig")
    parser.add_argument("--out", type=Path, required=True, help="folder for CSV, plots and report.html")
    parser.add_argument("--no-heatmap", action="store_true", help="skip the gaze heatmap (needs a display)")
    parser.add_argument("--lang", choices=("en", "zh_CN"),
                        help="language of report.html and its plots (default: the window's, View > Language)")


def run(args: argparse.Namespace) -> int:
    from app.reports.html import write_report
    from interaction.metrics import TrialMetrics, trial_metrics
    from interaction.recording_reader import Recording
    from interaction.recording_rerun import GazeTrace, RecordedSetup, gaze_trace, load_setup
    from scenes.model import SceneError

    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"xrjig report: {args.out}: cannot create the folder: {err.strerror}", file=sys.stderr)
        return 1
    cache: dict[str, RecordedSetup] = {}
    trials: list[TrialMetrics] = []
    notes: list[str] = []
    gaze: list[tuple[RecordedSetup, GazeTrace]] = []
    for path in progress(args.recordings, "report"):
        with Recording(path) as rec:  # not a recording -> SceneError -> one line, exit 1
            trace = None
            try:
                setup = load_setup(rec, cache)
            except SceneError as err:
                notes.append(f"{err} - gaze per inspection point not computed")
                setup = None
            if setup is not None:
                notes += setup.notes
                trace = gaze_trace(rec, setup)
                gaze.append((setup, trace))
            trials.append(trial_metrics(rec, trace))
            for warning in rec.warnings:  # complete once the recording has been read
                print(f"xrjig report: warning: {warning}", file=sys.stderr)
                notes.append(warning)
    _write_csv(args.out / "trials.csv", (t.row() for t in trials))
    _write_csv(args.out / "steps.csv", (row for t in trials for row in t.step_rows()))
    _write_csv(args.out / "points.csv", (row for t in trials for row in t.point_rows()))
    _write_csv(args.out / "people.csv", (row for t in trials for row in t.people_rows()))
    heatmap = None
    if gaze and not args.no_heatmap:
        heatmap = _heatmap(gaze, args.out / "gaze_heatmap.png", notes)
    step_labels = {s.id: s.label for setup in cache.values() for s in setup.scenario.steps}
    html = write_report(trials, args.out, notes=notes, heatmap=heatmap, step_labels=step_labels,
                        language=args.lang or _window_language())
    print(f"{len(trials)} trial(s): trials.csv, steps.csv, points.csv, people.csv and {html.name} in {args.out}")
    return 0


def _window_language() -> str:
    """The window's language (XRJIG_LANGUAGE, View ▸ Language, the system's), or English
    where Qt cannot say."""
    try:
        from PySide6.QtCore import QSettings

        from app.display.application import APPLICATION, ORGANIZATION
        from app.display.language import current_language
    except ImportError:
        return "en"
    return current_language(QSettings(ORGANIZATION, APPLICATION))


def _heatmap(gaze: list[tuple[Any, Any]], out: Path, notes: list[str]) -> Path | None:
    """Gaze hits of every trial of the first scenario, on its whole model with every part at
    its target pose (the assembled model: the state every trial aims at, so trials that
    ended at different stages share one picture); None (with a note) if no gaze hit the
    model or no OpenGL context can be made here."""
    from app.display.application import DisplayUnavailable
    from app.reports.heatmap import render_gaze_heatmap

    setup = gaze[0][0]
    traces = [trace for s, trace in gaze if s.scene is setup.scene]
    scene, scenario = setup.scene, setup.scenario
    poses = {p.id: scenario.target_matrix(scene, p.id) for p in scene.parts}
    try:
        heatmap = render_gaze_heatmap(scene, traces, out, poses=poses)
    except DisplayUnavailable as err:
        notes.append(f"gaze heatmap skipped: {err}")
        return None
    if heatmap is None:
        notes.append("gaze heatmap: no gaze sample hit the model")
        return None
    if len(traces) < len(gaze):
        notes.append(f"gaze heatmap: only the {len(traces)} trial(s) on {scene.source.name}; "
                     f"{len(gaze) - len(traces)} trial(s) on other models are not in it")
    if heatmap.hidden:
        notes.append(f"gaze heatmap: {heatmap.hidden} of {heatmap.samples} gaze samples lie on surfaces "
                     "hidden from its viewpoint (the mean gaze direction)")
    return heatmap.path


def _write_csv(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    fields: list[str] = []
    for row in rows:
        fields += [k for k in row if k not in fields]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
