"""``xrjig check SCENE_OR_SCENARIO``: validate a scenario and prove it can be completed.

The scenario (or the scenario proposed for a bare model) is loaded and validated, then
the autopilot plays it headlessly through the real engine and the real spatial index.
Exit 0 when the task completes, 1 when it does not or when the file is bad.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from interaction.autopilot import AutopilotResult, run_autopilot
from interaction.params import InteractionParams, scenario_params
from scenes.model import SceneError
from scenes.scenario import Scenario, load_scenario


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="a scenario file (.yaml) or a model file (its auto scenario)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--variant", help="run with this named parameter variant of the scenario")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override an interaction parameter (repeatable), e.g. snap_position_mm=15")
    parser.add_argument("--record", type=Path, metavar="REC",
                        help="also record an autopilot run to REC (.mcap), like a GUI trial")
    join = parser.add_argument_group("joining a shared session (the autopilot as a scripted participant)")
    join.add_argument("--join", metavar="ENDPOINT", help="the session's router, e.g. tcp/host:7447 ('lan': find peers)")
    join.add_argument("--session", help="the session's name")
    join.add_argument("--name", default="autopilot", help="this participant's name (default autopilot)")
    join.add_argument("--secret-file", type=Path, help="file holding the session's secret")


def run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    params = scenario_params(scenario, args.variant)
    try:
        params = params.replace_from_strings(args.set)
    except ValueError as err:
        print(f"xrjig check: --set: {err}", file=sys.stderr)
        return 1
    assert scenario.scene is not None
    start = time.perf_counter()
    link = _join(args)
    participant = _Participant(link, scenario) if link is not None else None
    try:
        result = run_autopilot(scenario.scene, scenario, params, participant.frame if participant else None,
                               on_start=participant.start if participant else None)
    finally:
        if link is not None:
            link.close()
    wall = time.perf_counter() - start
    report = _report(args.scenario, scenario, params, args.variant, result, wall)
    recorded = _record(args, scenario, params) if args.record is not None else True
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        _print_text(report)
    return 0 if result.completed and recorded else 1


def _join(args: argparse.Namespace) -> Any:
    """``--join``: the session link the autopilot's hands are shown through (None without)."""
    if args.join is None:
        return None
    from app.collab.link import open_link

    if args.session is None or args.secret_file is None:
        raise SceneError("--join", "needs --session and --secret-file")

    connect = None if args.join == "lan" else args.join
    return open_link(args.session, args.secret_file, connect=connect, name=args.name)


class _Participant:
    """The autopilot in a shared session: shows each frame to the session at its own time
    (paced to real time, so the others see hands move as a person's would) and shares its
    grabs, carried parts, snaps and verdicts (app/collab/task_sharing.py). A scripted
    participant: it does not take in what the others do. It announces the files it has
    open, so a window with others says so."""

    def __init__(self, link: Any, scenario: Scenario) -> None:
        from app.collab.task_sharing import TaskSharing

        self.link, self.sharing, self.scenario = link, TaskSharing(link.name), scenario
        self.engine: Any = None
        self.began = time.monotonic()
        #: the task state late joiners are told, made between steps (the autopilot steps
        #: without a lock, so Zenoh's thread must not read the engine's state itself)
        self._state, self._state_t = b"", -1.0

    def start(self, engine: Any) -> None:
        from interaction.trial import file_sha256

        self.engine = engine
        self._state = self.sharing.state(engine.state, engine.start_poses)
        self.link.serve_task_state(lambda: self._state)
        # what it has open, as a window announces it (on a thread: hashing a large model and
        # asking who was there take a while): someone with other files is told
        path, model = self.scenario.path, self.scenario.model

        def announce() -> None:
            try:
                self.link.announce({"role": "participant", "model": file_sha256(model),
                                    "scenario": file_sha256(path) if path is not None else ""})
            except Exception:  # noqa: BLE001 - the run ended and closed the link under it
                return
        threading.Thread(target=announce, daemon=True, name="session-announce").start()
        self.began = time.monotonic()

    def frame(self, frame: Any, _commands: Any, events: Any) -> None:
        ahead = frame.t - (time.monotonic() - self.began)
        if ahead > 0:
            time.sleep(ahead)
        self.link.publish(frame, frame.t)
        now = time.monotonic()
        for message in self.sharing.outgoing(events, self.engine.state, now):
            self.link.publish_task(message)
        if events or now - self._state_t > 0.25:
            self._state, self._state_t = self.sharing.state(self.engine.state, self.engine.start_poses), now


def _record(args: argparse.Namespace, scenario: Scenario, params: InteractionParams) -> bool:
    """``--record``: a second autopilot run, fed quantized frames as a GUI session feeds the
    engine, recorded as a trial (interaction.recording_autopilot); False if it failed."""
    from interaction.recording_autopilot import record_autopilot

    assert scenario.scene is not None
    run = record_autopilot(scenario.scene, scenario, params, args.record, scenario_path=args.scenario,
                           variant=args.variant or scenario.default_variant)
    if run.error is not None:
        print(f"xrjig check: {run.error}", file=sys.stderr)
        return False
    print(f"recorded {run.frames} frames, {len(run.events)} events to {args.record}", file=sys.stderr)
    return True


def _report(source: str, scenario: Scenario, params: InteractionParams, variant: str | None,
            result: AutopilotResult, wall: float) -> dict[str, Any]:
    points = result.engine.state.points
    return {
        "scenario": str(source),
        "model": str(scenario.model),
        "auto": scenario.path is None,
        "variant": variant or scenario.default_variant,
        "parts": len(scenario.parts),
        "completed": result.completed,
        "frames": result.frames,
        "simulated_s": round(result.duration_s, 3),
        "wall_s": round(wall, 3),
        "steps": [
            {"id": s.id, "label": s.label, "done": s.done, "frame": s.frame,
             "t": None if s.t is None else round(s.t, 3), "problems": s.problems,
             "collisions": s.collisions}
            for s in result.steps
        ],
        "points": [
            {"id": p.id, "seen": p.seen, "verdict": p.verdict} for p in points.values()
        ],
        "events": len(result.events),
        "event_counts": result.event_counts(),
        "problems": result.problems,
        "params": params.to_dict(),
    }


def _print_text(r: dict[str, Any]) -> None:
    kind = "auto scenario of" if r["auto"] else "scenario"
    print(f"{kind} {r['scenario']}: {r['parts']} movable parts, {len(r['steps'])} steps, "
          f"{len(r['points'])} inspection points" + (f", variant {r['variant']}" if r["variant"] else ""))
    for s in r["steps"]:
        status = f"done at frame {s['frame']} ({s['t']:.2f} s)" if s["done"] else "NOT DONE"
        if s["collisions"]:
            names = sorted(set(s["collisions"]))
            status += f"; cut through {', '.join(names)} on the way in (no free approach: reorder?)"
        print(f"  {s['id']:<12} {s['label']:<32} {status}")
        for problem in s["problems"]:
            print(f"      ! {problem}")
    for p in r["points"]:
        print(f"  point {p['id']:<12} seen={'yes' if p['seen'] else 'no'} verdict={p['verdict'] or '-'}")
    counts = ", ".join(f"{k} {v}" for k, v in r["event_counts"].items())
    print(f"events: {r['events']} ({counts})")
    for problem in r["problems"]:
        print(f"problem: {problem}")
    verdict = "COMPLETED" if r["completed"] else "NOT COMPLETED"
    print(f"result: {verdict} in {r['frames']} frames ({r['simulated_s']:.1f} s simulated, "
          f"{r['wall_s']:.2f} s wall)")
