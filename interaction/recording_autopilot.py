"""Record an autopilot run exactly like a GUI trial (``xrjig check SCENARIO --record REC``).

A recording must hold the frames the engine SAW, and the GUI session feeds the engine
``interaction.recording.quantize(frame)``. The autopilot's own ``run_autopilot`` steps the
engine with ``InputFrame.normalized()`` frames, which the recording cannot store exactly
(0.01 mm grid), so a verify of such a recording would differ in the last digits of snap
errors. This module therefore drives the public ``Autopilot`` frame generator itself and
quantizes each frame before the engine steps on it. (If the autopilot builds its frames with
``quantize``, ``run_autopilot(..., on_frame=...)`` can record directly instead.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from interaction.autopilot import Autopilot
from interaction.engine import Engine
from interaction.events import Event
from interaction.params import InteractionParams
from interaction.recording import quantize
from interaction.trial import Trial, session_metadata
from scenes.index import SceneIndex
from scenes.model import Scene
from scenes.scenario import Scenario


@dataclass
class RecordedRun:
    completed: bool
    frames: int
    events: list[Event] = field(default_factory=list)
    #: the recorder's error (unwritable path, disk full); the run itself went on
    error: str | None = None


def record_autopilot(
    scene: Scene,
    scenario: Scenario,
    params: InteractionParams,
    path: str | Path,
    *,
    scenario_path: str | Path,
    variant: str | None,
    index: SceneIndex | None = None,
    participant: str = "autopilot",
) -> RecordedRun:
    """Run the autopilot to its end while recording it as a trial."""
    session = session_metadata(
        participant=participant,
        scenario_path=scenario_path,
        scene_path=scenario.model,
        variant=variant,
        params=params.to_dict(),
        device="autopilot",
        steps=[s.id for s in scenario.steps],
        inspection_points=[p.id for p in scenario.inspection_points],
    )
    engine = Engine(scene, scenario, params, index)
    run = RecordedRun(False, 0)
    with Trial(path, session) as trial:
        for frame, commands in Autopilot(engine).frames():
            seen = quantize(frame)
            events = engine.step(seen, commands)
            trial.record(seen, events, commands)
            run.events += events
            run.frames += 1
        run.completed = engine.state.task_complete
        trial.end_task(completed=run.completed)
        run.error = trial.error
    return run
