"""Record an autopilot run exactly like a GUI trial (``xrjig check SCENARIO --record REC``).

The autopilot's frames go through the same ``Runner`` as a live session's (canonical frame
-> engine step -> the trial's recorder), so ``replay --verify`` of the result re-runs
exactly what the engine saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from interaction.autopilot import Autopilot
from interaction.events import Event
from interaction.params import InteractionParams
from interaction.runner import Runner
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
    run = RecordedRun(False, 0)
    with Trial(path, session) as trial:
        runner = Runner.build(scene, scenario, params, index, recorder=trial)
        for frame, commands in Autopilot(runner.engine).frames():
            run.events += runner.step(frame, commands)
            run.frames += 1
        run.completed = runner.engine.state.task_complete
        trial.end_task(completed=run.completed)
        run.error = trial.error
    return run
