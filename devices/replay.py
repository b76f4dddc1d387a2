"""Replay: a recording played back as just another input device.

The device keeps a playback position on the recording's own clock. Each ``poll(t)`` moves it
by the elapsed session time times ``speed`` (0.25x .. 16x) unless paused. Two ways to consume
it:

* ``poll(t)`` returns the latest recorded frame at the new position (what a view draws);
* ``advance(t)`` returns EVERY recorded step since the previous call with its commands, so
  the session can step the engine through all of them - at 16x a 60 Hz display passes 24
  recorded frames per refresh, and skipping them would change interaction outcomes.

Seeking backwards makes the engine state stale: the session resets the engine and feeds
``advance`` from frame 0 again (the engine replays far faster than real time). Parameter
changes made live during the trial are applied with ``params_change_at(index)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from interaction.commands import Command, command_from_dict
from interaction.frame import InputFrame
from interaction.recording_reader import Recording
from scenes.model import SceneError

MIN_SPEED, MAX_SPEED = 0.25, 16.0


class ReplayDevice:
    name = "replay"

    def __init__(self, recording: Recording | str | Path, speed: float = 1.0) -> None:
        self.error: str | None = None
        self._why_not = ""
        self.recording: Recording | None = None
        try:
            self.recording = recording if isinstance(recording, Recording) else Recording(recording)
        except SceneError as err:
            self._why_not = str(err)
        self._speed = 1.0
        self.speed = speed
        self.playing = True
        self._position = self.recording.start_t if self.recording else 0.0
        self._last_poll: float | None = None
        self._next_index = 0  # first step not yet handed out by advance()

    # -- Device protocol -----------------------------------------------------------------
    @property
    def available(self) -> bool:
        return self.recording is not None and self.recording.chunk_count > 0

    @property
    def why_not(self) -> str:
        if self.recording is not None and self.recording.chunk_count == 0:
            return f"{self.recording.path}: the recording holds no frames"
        return self._why_not

    def start(self) -> None:
        self._last_poll = None

    def stop(self) -> None:
        if self.recording is not None:
            self.recording.close()

    def poll(self, t: float) -> InputFrame:
        self._move_to_session_time(t)
        assert self.recording is not None, self.why_not
        return self.recording.seek(self._position)[1]

    # -- playback ------------------------------------------------------------------------
    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed = min(MAX_SPEED, max(MIN_SPEED, float(value)))

    @property
    def position(self) -> float:
        """Playback position in recording time (seconds)."""
        return self._position

    @property
    def index(self) -> int:
        """Index of the frame shown at the current position."""
        assert self.recording is not None, self.why_not
        return self.recording.seek(self._position)[0]

    @property
    def at_end(self) -> bool:
        return self.recording is None or self._position >= self.recording.end_t

    def seek(self, t: float) -> None:
        """Jump to recording time ``t`` (clamped). Steps handed out by advance() restart there."""
        assert self.recording is not None, self.why_not
        self._position = min(max(t, self.recording.start_t), self.recording.end_t)
        self._next_index = self.recording.seek(self._position)[0]

    def seek_index(self, index: int) -> None:
        assert self.recording is not None, self.why_not
        index = min(max(index, 0), self.recording.frame_count - 1)
        self._position = self.recording.frame_at(index).t
        self._next_index = index

    def advance(self, t: float) -> list[tuple[int, InputFrame, list[Command]]]:
        """Every (index, frame, commands) from the last handed-out step up to the new position."""
        self._move_to_session_time(t)
        assert self.recording is not None, self.why_not
        out = []
        for index, frame, commands in self.recording.steps(self._next_index):
            if frame.t > self._position:
                break
            out.append((index, frame, [command_from_dict(c) for c in commands]))
        if out:
            self._next_index = out[-1][0] + 1
        return out

    def params_change_at(self, index: int) -> tuple[dict[str, Any], bool] | None:
        """The live parameter change recorded before frame ``index`` (parameters, engine
        rebuilt), which a session re-running the engine applies before stepping that frame."""
        assert self.recording is not None, self.why_not
        return self.recording.params_changes.get(index)

    def _move_to_session_time(self, t: float) -> None:
        if self._last_poll is not None and self.playing and self.recording is not None:
            self._position = min(self._position + (t - self._last_poll) * self._speed, self.recording.end_t)
        self._last_poll = t
