"""Commands: user actions that are not in an InputFrame but change the outcome.

Marking an inspection point, starting the measuring tool or resetting the task come from
UI buttons (or voice, or the autopilot), not from tracked hands. They are passed to
``Engine.step(frame, commands)`` with the frame they happened on and are stored with that
frame in a recording, so a replay re-applies them at exactly the same step.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, ClassVar


class _Serialisable:
    """to_dict / from_dict for every command (``{"type": ..., **fields}``)."""

    type: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        return command_to_dict(self)  # type: ignore[arg-type]

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Command:
        return command_from_dict(d)


class Verdict(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    DEFECT = "defect"


@dataclass(frozen=True)
class MarkPoint(_Serialisable):
    """Give inspection point ``point`` a verdict (and an optional note)."""

    type: ClassVar[str] = "mark_point"
    point: str
    verdict: Verdict
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))


@dataclass(frozen=True)
class MeasureStart(_Serialisable):
    """Enter measuring mode: the next two ray selections pick surface points."""

    type: ClassVar[str] = "measure_start"


@dataclass(frozen=True)
class MeasureClear(_Serialisable):
    """Leave measuring mode and forget the picked points."""

    type: ClassVar[str] = "measure_clear"


@dataclass(frozen=True)
class Reset(_Serialisable):
    """Put every part back at its start pose and clear all task progress."""

    type: ClassVar[str] = "reset"


@dataclass(frozen=True)
class SetRequires(_Serialisable):
    """Change the steps assembly step ``step`` waits for (the designer reordered or
    re-linked steps): progress so far — placed parts, verdicts — stays."""

    type: ClassVar[str] = "set_requires"
    step: str
    requires: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "requires", tuple(str(r) for r in self.requires))


@dataclass(frozen=True)
class MarkTargeted(_Serialisable):
    """Give a verdict to the point under the gaze or an aim ray (the one looked at longest),
    else to the inspection cursor's point: a hands-busy verdict (voice) names no point."""

    type: ClassVar[str] = "mark_targeted"
    verdict: Verdict
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))


@dataclass(frozen=True)
class MoveCursor(_Serialisable):
    """Move the inspection cursor (the checklist's current point) by ``delta`` points."""

    type: ClassVar[str] = "move_cursor"
    delta: int = 1


@dataclass(frozen=True)
class UndoMark(_Serialisable):
    """Take back the last accepted verdict (the point gets its previous verdict and note)."""

    type: ClassVar[str] = "undo_mark"


@dataclass(frozen=True)
class VoiceHeard(_Serialisable):
    """A recognised voice command, recorded with the frame it was acted on: the phrase,
    the command it means, its confidence and when it was heard (seconds of the audio
    stream). Changes nothing; the commands it leads to follow it in the same frame."""

    type: ClassVar[str] = "voice_heard"
    phrase: str
    command: str
    confidence: float
    audio_t: float


@dataclass(frozen=True)
class SharedMark(_Serialisable):
    """Another participant of a shared session gave point ``point`` a verdict: it is the
    task's verdict here too, whether or not this participant has looked at the point."""

    type: ClassVar[str] = "shared_mark"
    point: str
    verdict: Verdict
    note: str = ""
    by: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))


def _pose(values: Any) -> tuple[float, ...]:
    """A part's world matrix as 16 finite numbers, row by row (ValueError otherwise)."""
    try:
        pose = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise ValueError("a pose must be 16 numbers") from None
    if len(pose) != 16 or not all(math.isfinite(v) for v in pose):
        raise ValueError("a pose must be 16 finite numbers")
    return pose


@dataclass(frozen=True)
class SharedHold(_Serialisable):
    """Another participant took part ``part``: nobody here may grab it until they let go
    (a hand here holding it lets go: the session decided the other had it first)."""

    type: ClassVar[str] = "shared_hold"
    part: str
    by: str


@dataclass(frozen=True)
class SharedPose(_Serialisable):
    """Where participant ``by`` carries the part they hold now (``pose``: its world matrix,
    16 numbers row by row); ignored unless ``by`` holds ``part`` here."""

    type: ClassVar[str] = "shared_pose"
    part: str
    pose: tuple[float, ...]
    by: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "pose", _pose(self.pose))


@dataclass(frozen=True)
class SharedPlace(_Serialisable):
    """Participant ``by`` let go of ``part`` at ``pose``; with ``slot`` it snapped there,
    which fills the slot here too (and may finish steps). Without a slot, a hand here that
    holds the part keeps it (its hold is newer)."""

    type: ClassVar[str] = "shared_place"
    part: str
    pose: tuple[float, ...]
    slot: str = ""
    by: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "pose", _pose(self.pose))


@dataclass(frozen=True)
class SharedMeasure(_Serialisable):
    """Participant ``by`` measured between two surface points (``points``: x, y, z of the
    first then the second, metres), or cleared its measurement (no points): shown here too."""

    type: ClassVar[str] = "shared_measure"
    points: tuple[float, ...]
    by: str

    def __post_init__(self) -> None:
        try:
            points = tuple(float(v) for v in self.points)
        except (TypeError, ValueError):
            raise ValueError("measured points must be numbers") from None
        if len(points) not in (0, 6) or not all(math.isfinite(v) for v in points):
            raise ValueError("a measurement is two points of three finite numbers, or none")
        object.__setattr__(self, "points", points)


@dataclass(frozen=True)
class SharedLeft(_Serialisable):
    """Participant ``by`` left the session: what they held is free where they left it."""

    type: ClassVar[str] = "shared_left"
    by: str


Command = (MarkPoint | MeasureStart | MeasureClear | Reset | SetRequires | MarkTargeted | MoveCursor
           | UndoMark | VoiceHeard | SharedMark | SharedHold | SharedPose | SharedPlace | SharedLeft | SharedMeasure)
_TYPES: dict[str, type] = {c.type: c for c in (MarkPoint, MeasureStart, MeasureClear, Reset, SetRequires,
                                               MarkTargeted, MoveCursor, UndoMark, VoiceHeard, SharedMark,
                                               SharedHold, SharedPose, SharedPlace, SharedLeft, SharedMeasure)}


def command_to_dict(command: Command) -> dict[str, Any]:
    d = {
        k: (v.value if isinstance(v, Enum) else list(v) if isinstance(v, tuple) else v)
        for k, v in asdict(command).items()
    }
    d["type"] = command.type
    return d


def command_from_dict(d: dict[str, Any]) -> Command:
    """Inverse of command_to_dict; ValueError for unknown types or fields."""
    kind = _TYPES.get(str(d.get("type")))
    if kind is None:
        raise ValueError(f"unknown command type {d.get('type')!r} (known: {', '.join(_TYPES)})")
    fields = {k: v for k, v in d.items() if k != "type"}
    try:
        return kind(**fields)
    except TypeError as err:
        raise ValueError(f"command {kind.type!r}: {err}") from None
