"""Per-hand interactor state: press hysteresis, what is held and how it follows.

A hand holds at most one part, either *near* (grabbed at the grip pose: fist/squeeze or
a pinch close to the surface) or by *ray* (a pinch while the aim ray hovers the part,
the part then hangs at the end of the ray). Either way the part keeps the offset it had
to its driving pose at the moment of the grab.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from scenes.transforms import matrix_to_pose, pose_to_matrix


@dataclass
class Trigger:
    """A strength with hysteresis: goes down at ``press``, comes up at ``release``."""

    down: bool = False

    def update(self, value: float, press: float, release: float) -> bool:
        """Advance with this frame's value; True on the frame it goes down."""
        if not self.down and value >= press:
            self.down = True
            return True
        if self.down and value <= release:
            self.down = False
        return False


class GrabVia(str, Enum):
    """Which pose drives a held part; the value is what GRAB events carry in ``data.via``
    (str-valued, so recorded events keep their bytes)."""

    #: grabbed at the grip pose (fist/squeeze, or a pinch close to the surface)
    NEAR = "near"
    #: pinched at the end of the aim ray; the part hangs on the ray
    RAY = "ray"


class HoldInput(str, Enum):
    """Which strength holds a part (letting go of it releases); GRAB events' ``data.input``."""

    GRAB = "grab"
    PINCH = "pinch"


@dataclass
class HandState:
    pinch: Trigger
    grab: Trigger
    hovered: str | None = None
    held: str | None = None
    #: the pose that drives the held part (None while nothing is held)
    via: GrabVia | None = None
    #: the strength that holds the part (None while nothing is held)
    held_by: HoldInput | None = None
    offset: np.ndarray | None = None
    #: the inspection point whose marker the index tip pressed and has not yet left
    poking: str | None = None

    @classmethod
    def fresh(cls) -> HandState:
        return cls(Trigger(), Trigger())

    def holding_input_released(self) -> bool:
        return not (self.grab.down if self.held_by is HoldInput.GRAB else self.pinch.down)


def smoothed_delta(current: np.ndarray, target: np.ndarray, smoothing: float, dt: float) -> np.ndarray:
    """Low-pass step from rigid ``current`` towards rigid ``target`` (4, 4).

    ``smoothing`` is the share of the gap closed per 1/90 s; the exponent makes the
    filter the same at any frame rate, and it depends on dt only, never on the clock.
    """
    alpha = 1.0 - (1.0 - smoothing) ** (dt * 90.0)
    a, b = matrix_to_pose(current), matrix_to_pose(target)
    if a[3:] @ b[3:] < 0:
        b[3:] = -b[3:]
    pose = a + alpha * (b - a)
    pose[3:] /= np.linalg.norm(pose[3:])
    return pose_to_matrix(pose)
