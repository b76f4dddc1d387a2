"""Re-run a recording's input through the current engine: verify and what-if re-simulation.

The recording names its scenario file (path + sha256) and stores the exact parameters, so
the engine can be rebuilt as it was; differences in the scenario or model file since the
trial are reported as notes (the re-run still happens: that is often the question asked).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from interaction.commands import command_from_dict
from interaction.engine import Engine
from interaction.events import Event, EventKind
from interaction.frame import InputFrame
from interaction.metrics import ERROR_KINDS
from interaction.params import InteractionParams
from interaction.recording_reader import Recording
from interaction.runner import Runner
from interaction.trial import file_sha256
from scenes.index import SceneIndex
from scenes.model import Scene, SceneError
from scenes.scenario import Scenario, load_scenario


@dataclass
class RecordedSetup:
    """Scene, scenario and parameters a recording was made with (as found on disk now)."""

    scene: Scene
    scenario: Scenario
    params: InteractionParams
    index: SceneIndex
    notes: list[str] = field(default_factory=list)


def load_setup(rec: Recording, cache: dict[str, RecordedSetup] | None = None) -> RecordedSetup:
    """Rebuild the setup; ``cache`` (scenario path -> setup) shares scenes between recordings."""
    session = rec.session
    scenario_path = session.get("scenario_path")
    if not scenario_path:
        raise SceneError(rec.path, "the recording names no scenario file")
    if not isinstance(scenario_path, str):
        raise SceneError(rec.path, "its scenario path is not text (damaged session metadata?)")
    path = Path(scenario_path)
    if not path.is_file():
        raise SceneError(rec.path, f"its scenario file {path} is missing")
    recorded = session.get("params") or {}
    if not isinstance(recorded, dict):
        raise SceneError(rec.path, "its recorded parameters are not a mapping (damaged session metadata?)")
    try:
        params = InteractionParams.from_dict(recorded)
    except ValueError as err:
        raise SceneError(rec.path, f"recorded parameters: {err}") from None
    notes = []
    if session.get("scenario_sha256") and file_sha256(path) != session["scenario_sha256"]:
        notes.append(f"{path} changed since the recording")
    quality = session.get("model_quality")
    if quality is not None and not isinstance(quality, str):
        raise SceneError(rec.path, "its model quality is not text (damaged session metadata?)")
    key = f"{path.resolve()}|{quality or ''}"
    if cache is not None and key in cache:
        base = cache[key]
        scene, scenario, index = base.scene, base.scenario, base.index
    else:
        scenario = load_scenario(path, quality=quality)  # a STEP model at the trial's quality
        scene = scenario.scene
        assert scene is not None  # load_scenario always attaches the loaded scene
        index = SceneIndex(scene)
        if cache is not None:
            cache[key] = RecordedSetup(scene, scenario, params, index)
    model = Path(scenario.model)
    if session.get("scene_sha256") and model.is_file() and file_sha256(model) != session["scene_sha256"]:
        notes.append(f"{model} changed since the recording")
    return RecordedSetup(scene, scenario, params, index, notes)


def rerun(
    rec: Recording, setup: RecordedSetup, overrides: dict[str, Any] | None = None
) -> Iterator[tuple[int, InputFrame, list[Event]]]:
    """(frame index, frame, events the current engine emits) for every recorded step.

    Live parameter changes are re-applied at their frame (rebuilding the engine where the
    session did); ``overrides`` (name -> value) are applied on top of every parameter set.
    """
    for index, frame, events, _ in _run(rec, setup, overrides):
        yield index, frame, events


def _run(
    rec: Recording, setup: RecordedSetup, overrides: dict[str, Any] | None
) -> Iterator[tuple[int, InputFrame, list[Event], Engine]]:
    overrides = overrides or {}
    runner = Runner.build(setup.scene, setup.scenario, setup.params.replace(**overrides), setup.index)
    changes = rec.params_changes
    for index, frame, commands in rec.steps():
        try:
            parsed = [command_from_dict(c) for c in commands]
            if index in changes:
                params_dict, rebuilt = changes[index]
                runner.apply_params(InteractionParams.from_dict(params_dict).replace(**overrides), rebuilt)
        except ValueError as err:
            raise SceneError(rec.path, f"frame {index}: {err}") from None
        yield index, frame, runner.step_recorded(frame, parsed), runner.engine


@dataclass
class GazeTrace:
    """Per-frame gaze hits and inspection point positions, as the engine saw them.

    origins     : (n, 3) gaze origin (the eye) per frame
    hits        : (n, 3) gaze hit on the model, NaN where the gaze hit nothing
    points      : point id -> (n, 3) world position (points move with their parts)
    hits_final  : (n, 3) each hit carried along with its part to the part's final pose, so
                  all hits can be drawn on one picture of the model as it ended
    final_poses : part id -> (4, 4) world matrix at the end
    """

    origins: np.ndarray
    hits: np.ndarray
    points: dict[str, np.ndarray]
    hits_final: np.ndarray
    final_poses: dict[str, np.ndarray]


def gaze_trace(rec: Recording, setup: RecordedSetup) -> GazeTrace:
    """Re-run the recording with its own parameters and collect what the gaze met."""
    origins, hits, parts, local = [], [], [], []
    points: dict[str, list[np.ndarray]] = {p.id: [] for p in setup.scenario.inspection_points}
    final: dict[str, np.ndarray] = {}
    for _, frame, _, engine in _run(rec, setup, None):
        s = engine.state
        hit = s.gaze_hit
        origins.append(np.asarray(frame.gaze.origin, dtype=np.float64))
        hits.append(np.full(3, np.nan) if hit is None else np.asarray(hit, dtype=np.float64))
        parts.append(s.gaze_part if hit is not None else None)
        pose = s.part_poses.get(s.gaze_part) if hit is not None and s.gaze_part else None
        local.append(None if pose is None else np.linalg.solve(pose, np.append(hit, 1.0))[:3])
        for pid, p in s.points.items():
            points[pid].append(np.asarray(p.position, dtype=np.float64).copy())
        final = s.part_poses
    final = {pid: m.copy() for pid, m in final.items()}
    hits_arr = np.array(hits).reshape(-1, 3)
    hits_final = hits_arr.copy()
    for k, (part, q) in enumerate(zip(parts, local, strict=True)):
        if part is not None and q is not None and part in final:
            hits_final[k] = final[part][:3, :3] @ q + final[part][:3, 3]
    return GazeTrace(np.array(origins).reshape(-1, 3), hits_arr, {pid: np.array(v).reshape(-1, 3) for pid, v in points.items()}, hits_final, final)


@dataclass(frozen=True)
class Divergence:
    """The first event line where the re-run differs from the recording."""

    position: int  # 0-based number of the event line
    frame: int
    t: float
    expected: str | None  # None: the re-run produced an extra event
    got: str | None  # None: the re-run is missing this event

    def describe(self) -> str:
        return (f"first divergence at event #{self.position + 1}, frame {self.frame}, t={self.t:.4f} s\n"
                f"  expected: {self.expected or '(no event)'}\n"
                f"  got:      {self.got or '(no event)'}")


def verify(rec: Recording, setup: RecordedSetup) -> tuple[int, Divergence | None]:
    """Re-run and compare event JSON lines; (events matched, first divergence or None)."""
    expected = rec.event_lines

    def missing(k: int) -> Divergence:
        e = json.loads(expected[k])
        return Divergence(k, int(e["frame"]), float(e["t"]), expected[k], None)

    k = 0
    for _, frame, events in rerun(rec, setup):
        for e in events:
            line = e.to_json()
            if k >= len(expected) or expected[k] != line:
                return k, Divergence(k, e.frame, e.t, expected[k] if k < len(expected) else None, line)
            k += 1
        # an expected event from an earlier frame that the re-run did not emit (compared by
        # time: event.frame is the engine's counter, which restarts when an engine is rebuilt)
        if k < len(expected) and json.loads(expected[k])["t"] < frame.t:
            return k, missing(k)
    return k, (missing(k) if k < len(expected) else None)


@dataclass
class Outcome:
    """What a what-if question compares between the recorded and the re-simulated run."""

    completed: bool
    completion_time_s: float | None
    snaps: int
    steps_done: int
    errors: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"completed": self.completed, "completion_time_s": self.completion_time_s,
                "snaps": self.snaps, "steps_done": self.steps_done, "errors": dict(self.errors)}


def outcome(events: list[Event], start_t: float) -> Outcome:
    kinds = Counter(e.kind for e in events)
    done = next((e.t - start_t for e in events if e.kind == EventKind.TASK_COMPLETE), None)
    errors = {name: kinds.get(kind, 0) for kind, name in ERROR_KINDS.items()}
    return Outcome(done is not None, done, kinds.get(EventKind.SNAP, 0), kinds.get(EventKind.STEP_DONE, 0), errors)


def resimulate(rec: Recording, setup: RecordedSetup, overrides: dict[str, Any]) -> tuple[Outcome, Outcome]:
    """(as recorded, with the parameter ``overrides``) for one recording."""
    start = rec.start_t
    recorded = outcome(rec.events, start)
    events = [e for _, _, evs in rerun(rec, setup, overrides) for e in evs]
    return recorded, outcome(events, start)
