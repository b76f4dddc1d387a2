"""The one way an engine is stepped: canonical frame -> engine step -> record; and the one
policy for parameter changes.

Recordings rest on determinism: a replay must feed the engine exactly what the live session
fed it and change parameters at exactly the same frames in exactly the same way. So the live
session (app/session/session.py), the replay simulator (``replay_sim``), ``--verify`` / ``resim`` /
the report's gaze trace (``recording_rerun``), the recorded autopilot (``recording_autopilot``)
and the autopilot check (``autopilot.run_autopilot``) all step through a ``Runner``:

- ``step(frame, commands)``: the frame is put in its canonical form (``quantize``: exactly
  what a recording stores), the engine steps on it, and the frame, its events and commands
  go to the recorder, if any. ``step_recorded`` is the same for a frame read back from a
  recording, which is canonical already (re-quantising would cost a replay ~20% for nothing).
- ``set_params(params)``: a live change. Most parameters are read by the engine every step;
  those baked into its targets and collision world when it is built (``BUILD_TIME_PARAMS``)
  rebuild it, which restarts the task. The change is recorded before the next frame, and
  ``apply_params`` replays a recorded change the same way.

Qt-free: the session wraps a runner in a QObject for its signals and timer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from interaction.commands import Command
from interaction.engine import Engine
from interaction.events import Event
from interaction.frame import InputFrame
from interaction.params import BUILD_TIME_PARAMS, InteractionParams
from interaction.recording import quantize


class FrameRecorder(Protocol):
    """What a runner writes to (interaction.trial.Trial, interaction.recording_writer.Recorder)."""

    error: str | None

    def write_frame(self, frame: InputFrame, events: Any = (), commands: Any = ()) -> None: ...

    def write_params(self, params: Mapping[str, Any], rebuilt: bool) -> None: ...

    def close(self) -> None: ...


def needs_rebuild(old: InteractionParams, new: InteractionParams) -> bool:
    """Whether going from ``old`` to ``new`` parameters rebuilds the engine (restarts the task)."""
    return any(getattr(old, f) != getattr(new, f) for f in BUILD_TIME_PARAMS)


class Runner:
    """Steps one engine (replaced on a rebuild) and records what it was given."""

    def __init__(self, engine: Engine, recorder: FrameRecorder | None = None) -> None:
        self.engine = engine
        self.recorder = recorder
        #: frames stepped since this runner started (a rebuild does not reset it)
        self.frame_count = 0
        #: the canonical form of the last frame stepped
        self.last_frame: InputFrame | None = None

    @classmethod
    def build(cls, scene: Any, scenario: Any, params: InteractionParams | None = None, index: Any = None,
              recorder: FrameRecorder | None = None) -> Runner:
        return cls(Engine(scene, scenario, params, index=index), recorder)

    @property
    def params(self) -> InteractionParams:
        return self.engine.params

    def step(self, frame: InputFrame, commands: Sequence[Command] = ()) -> list[Event]:
        """One engine step on the canonical form of ``frame``, recorded if recording."""
        return self.step_recorded(quantize(frame), commands)

    def step_recorded(self, frame: InputFrame, commands: Sequence[Command] = ()) -> list[Event]:
        """``step`` for a frame that is canonical already (read from a recording)."""
        commands = list(commands)
        events = list(self.engine.step(frame, commands))
        self.frame_count += 1
        self.last_frame = frame
        if self.recorder is not None:
            self.recorder.write_frame(frame, events, commands)
        return events

    def set_params(self, params: InteractionParams) -> bool:
        """A live parameter change, recorded before the next frame; True when it rebuilt
        the engine (a snap or collision tolerance changed: the task restarts)."""
        rebuilt = needs_rebuild(self.engine.params, params)
        self.apply_params(params, rebuilt)
        if self.recorder is not None:
            self.recorder.write_params(params.to_dict(), rebuilt)
        return rebuilt

    def apply_params(self, params: InteractionParams, rebuilt: bool) -> None:
        """Change parameters as a recording says the session did (``rebuilt``: it rebuilt)."""
        if rebuilt:
            self.rebuild(params=params)
        else:
            self.engine.params = params

    def rebuild(self, scenario: Any = None, params: InteractionParams | None = None) -> Engine:
        """A fresh engine on ``scenario`` / ``params`` (default: the current ones), sharing
        the spatial index; the task starts over."""
        old = self.engine
        self.engine = Engine(old.scene, scenario if scenario is not None else old.scenario,
                             params if params is not None else old.params, index=old.index)
        return self.engine
