"""EngineState: what views draw and panels list, as the engine leaves it after a step.

The engine owns and updates these objects in place (no per-frame copies in the 90 Hz
loop); views and tools only read them. ``Engine.state`` hands out the live object, so a
view that needs a snapshot across frames must copy what it keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class StepState:
    id: str
    label: str
    parts: list[str]
    requires: list[str]
    available: bool = False
    done: bool = False
    #: slot (part id) -> part id that filled it
    filled: dict[str, str] = field(default_factory=dict)


@dataclass
class PointState:
    id: str
    instruction: str
    #: (3,) world position and normal of the point at the parts' current poses
    position: np.ndarray
    normal: np.ndarray
    seen: bool = False
    #: seconds the gaze or an aim ray has been on the point without interruption
    dwell: float = 0.0
    verdict: str | None = None
    note: str = ""


@dataclass
class MeasurementState:
    active: bool = False
    #: picked surface points (world, metres) and the parts they lie on
    points: list[np.ndarray] = field(default_factory=list)
    parts: list[str | None] = field(default_factory=list)
    distance_mm: float | None = None
    clearance_mm: float | None = None


@dataclass(frozen=True)
class MagnetZone:
    """A free target the held part could snap to (drawn while the part is held)."""

    part: str
    slot: str
    target: np.ndarray  # (4, 4) world matrix the part would take
    centre: np.ndarray  # (3,) world centre of the zone
    radius_m: float
    position_tol_m: float


@dataclass
class EngineState:
    frame: int = -1
    t: float = 0.0
    #: part id -> (4, 4) current world matrix of the part node
    part_poses: dict[str, np.ndarray] = field(default_factory=dict)
    #: per hand (LEFT, RIGHT)
    hovered: list[str | None] = field(default_factory=lambda: [None, None])
    held: list[str | None] = field(default_factory=lambda: [None, None])
    #: where each aim ray first hits (None when it misses or while the hand holds a part)
    ray_hits: list[np.ndarray | None] = field(default_factory=lambda: [None, None])
    gaze_hit: np.ndarray | None = None
    gaze_part: str | None = None
    gaze_selected: str | None = None
    #: shared sessions: part id -> the participant elsewhere who holds it now
    others_hold: dict[str, str] = field(default_factory=dict)
    #: shared sessions: participant -> the two surface points of their last measurement
    others_measurements: dict[str, list[np.ndarray]] = field(default_factory=dict)
    #: part id -> slot (part id) it is snapped into
    snapped: dict[str, str] = field(default_factory=dict)
    #: sorted (part, part) pairs currently interpenetrating
    colliding: set[tuple[str, str]] = field(default_factory=set)
    steps: dict[str, StepState] = field(default_factory=dict)
    points: dict[str, PointState] = field(default_factory=dict)
    #: the inspection cursor: the checklist's current point ("next step" / "go back")
    cursor: str | None = None
    measurement: MeasurementState = field(default_factory=MeasurementState)
    magnet_zones: list[MagnetZone] = field(default_factory=list)
    assembly_complete: bool = False
    checklist_complete: bool = False
    task_complete: bool = False
