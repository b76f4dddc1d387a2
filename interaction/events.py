"""Events: what the engine says happened, with the frame and what it concerns.

Events serialise to canonical JSON (sorted keys, no spaces), so "same input => same
events" is checked as byte equality of these lines.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    frame: int
    t: float
    kind: str
    hand: str | None = None
    part: str | None = None
    step: str | None = None
    point: str | None = None
    #: extra figures (distances in mm, angles in degrees, ...): JSON-serialisable
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        return cls(
            frame=int(d["frame"]),
            t=float(d["t"]),
            kind=str(d["kind"]),
            hand=d.get("hand"),
            part=d.get("part"),
            step=d.get("step"),
            point=d.get("point"),
            data=dict(d.get("data") or {}),
        )


class EventKind:
    """The ``Event.kind`` strings the interaction engine emits (plain str constants, so
    recordings stay readable and other producers may add kinds of their own)."""

    HOVER_START = "HOVER_START"
    HOVER_END = "HOVER_END"
    GRAB = "GRAB"
    RELEASE = "RELEASE"
    SNAP = "SNAP"
    RELEASE_OUT_OF_TOLERANCE = "RELEASE_OUT_OF_TOLERANCE"
    WRONG_PART = "WRONG_PART"
    WRONG_ORDER = "WRONG_ORDER"
    COLLISION_START = "COLLISION_START"
    COLLISION_END = "COLLISION_END"
    STEP_DONE = "STEP_DONE"
    ASSEMBLY_COMPLETE = "ASSEMBLY_COMPLETE"
    GAZE_DWELL = "GAZE_DWELL"
    POINT_SEEN = "POINT_SEEN"
    POINT_MARKED = "POINT_MARKED"
    POKE = "POKE"
    CHECKLIST_COMPLETE = "CHECKLIST_COMPLETE"
    TASK_COMPLETE = "TASK_COMPLETE"
    MEASURE_START = "MEASURE_START"
    MEASURE_POINT = "MEASURE_POINT"
    MEASUREMENT = "MEASUREMENT"
    MEASURE_CLEAR = "MEASURE_CLEAR"
    RESET = "RESET"
    PRECEDENCE_CHANGED = "PRECEDENCE_CHANGED"
    CURSOR_MOVED = "CURSOR_MOVED"
    POINT_UNMARKED = "POINT_UNMARKED"
    VOICE_COMMAND = "VOICE_COMMAND"
    #: shared sessions: another participant (``data.by``) took a part, or let it go
    SHARED_HOLD = "SHARED_HOLD"
    SHARED_PLACE = "SHARED_PLACE"
