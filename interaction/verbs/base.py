"""The verb protocol: what a verb gets from the engine and what it must answer.

Verbs were private branches of ``Engine`` once, so adding one meant touching the engine,
its state and half the package. Now a verb is an object with a ``step`` the engine calls
in its own fixed order, reading and changing the run through ``VerbContext`` (which the
engine satisfies; it is typed here so verb modules need not import the engine, which
imports them). Verbs keep only their own per-run state and forget it in ``reset``; the
engine deep-copies them with itself for replay snapshots, so they must hold no shared
caches or outside resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from interaction.frame import Hand, HandInput, InputFrame
from interaction.hands import HandState

if TYPE_CHECKING:
    from interaction.assembly import AssemblyTask
    from interaction.collision import CollisionWorld
    from interaction.events import Event
    from interaction.inspection import InspectionTask
    from interaction.params import InteractionParams
    from interaction.part_geometry import PartGeometry
    from interaction.snap import Slot
    from interaction.state import EngineState
    from scenes.index import RayPoint, SceneIndex
    from scenes.scenario import Scenario

#: the ``hand`` of events, indexed by ``Hand``
HAND_NAMES = ("left", "right")


def r4(x: float) -> float:
    """Figures in events: rounded so JSON lines stay short and readable."""
    return round(float(x), 4)


class VerbContext(Protocol):
    """The run a verb acts on (``Engine`` provides it).

    ``params`` may be swapped between steps, so verbs read it at each step and never keep
    a copy; poses change only through ``set_pose`` so the index and the collision world
    follow.
    """

    scenario: Scenario
    params: InteractionParams
    index: SceneIndex
    geometry: dict[str, PartGeometry]
    slots: dict[str, Slot]
    inv_authored: dict[str, np.ndarray]
    collision: CollisionWorld
    state: EngineState
    assembly: AssemblyTask
    inspection: InspectionTask
    #: per hand (LEFT, RIGHT)
    hand_states: list[HandState]
    #: slot -> part that filled it
    filled: dict[str, str]

    def set_pose(self, part_id: str, world: np.ndarray, jumped: bool = False) -> None: ...

    def target_world(self, part_id: str, slot_id: str) -> np.ndarray: ...

    def rigid_frame(self, part_id: str, world: np.ndarray) -> np.ndarray: ...

    def open_slots(self, part_id: str) -> list[str]: ...

    def symmetries(self, part: str) -> np.ndarray: ...

    def not_grabbable(self) -> tuple[str, ...]: ...

    def grabbable_now(self) -> set[str]: ...

    def colliding_with(self, part: str) -> list[str]: ...


@dataclass(slots=True)
class HandTurn:
    """One hand in one step, as the engine hands it to each hand verb in turn.

    The engine fills it after the triggers and the aim ray (shared by every verb); the
    hand verbs that act on a press ``claim`` it, and a claimed turn is left alone by the
    exclusive verbs after it (carrying beats measuring beats grabbing).
    """

    hand: Hand
    name: str
    input: HandInput
    state: HandState
    dt: float
    n: int
    t: float
    #: the pinch / grab strength went down this frame
    pinched: bool
    grabbed: bool
    #: (4, 4) aim pose, and the aim ray's first hit; both None while the hand holds a part
    aim: np.ndarray | None
    hit: RayPoint | None
    claimed: bool = False


class HandVerb(Protocol):
    """A verb of one hand, called for LEFT then RIGHT in the engine's order."""

    def reset(self) -> None:
        """Forget per-run state (task reset, new engine)."""

    def lost(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        """The hand stopped being tracked (its state is made fresh after all verbs)."""

    def step(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        """This hand's part of the step; may ``claim`` the turn."""


class FrameVerb(Protocol):
    """A verb of the whole frame (gaze, dwell, consequences of carrying), after the hands."""

    def reset(self) -> None:
        """Forget per-run state (task reset, new engine)."""

    def step(self, ctx: VerbContext, frame: InputFrame, n: int, t: float) -> list[Event]:
        """This verb's part of the step."""
