"""Carrying a part with a 2-D mouse: where the desktop device puts a hand that holds one.

A mouse gives two numbers; a part has six degrees of freedom. So while a simulated hand
carries a part (the app says so with ``DesktopDevice.begin_carry`` after the engine's GRAB),
the device drives the hand by the *grab point* — the point of the part that was under the
cursor when it was grabbed — as editors move objects (Blender's grab, MRTK's input
simulation):

- The grab point stays under the cursor, in the view plane it was grabbed in (a plane
  parallel to the screen through the grab point); the wheel and Q / E move that plane
  nearer or further.
- Its depth snaps to a target: when the cursor ray passes within the magnet radius of
  where the grab point belongs (where it lies when the part sits in one of its open
  targets, the *guides*), the grab point takes that depth. Putting the part over its ghost
  on screen then puts it into the ghost in depth.
- The part turns only when the person turns it: R + mouse turns it about the view's up
  (left-right) and right (up-down) axes, R + wheel about the view axis; with Ctrl held the
  turn of one R gesture goes in 15° steps. Turns pivot on the grab point, so the part
  stays under the cursor. A ray grab adds no turn as the cursor moves (the aim's
  orientation is kept), unlike a ray swung from the hand.

The engine still sees only hand poses: the driving pose (the grip for a near grab, the aim
for a ray grab) is set so that the part, which keeps its grab-time offset to that pose,
moves rigidly with the grab point. Everything is in head space, so a head turn or a walk
carries the part along as it carries the hands. Pure NumPy, deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: turn step with Ctrl held during an R gesture (degrees)
ROTATION_STEP_DEG = 15.0

#: one line for a trial's metadata: the assist a desktop participant had
ASSIST_DESCRIPTION = (
    "desktop carry: the grab point follows the cursor in its view plane (wheel / Q E: depth); "
    "its depth snaps to the target when the cursor passes within the magnet radius of where it "
    "belongs; R + mouse / wheel turn about the view axes (Ctrl: 15 degree steps); ray grabs add "
    "no turn"
)


@dataclass
class Carry:
    """One hand's carry, all in head space (see module docstring)."""

    #: "near" (the grip drives the part) or "ray" (the aim drives it)
    via: str
    #: (4, 4) the driving pose at the grab
    driver0: np.ndarray
    #: (3,) the grab point at the grab, and now
    anchor0: np.ndarray
    anchor: np.ndarray
    #: (3, 3) turn applied since the grab, about the grab point
    rotation: np.ndarray = field(default_factory=lambda: np.eye(3))
    #: (k, 3) world points where the grab point lies when the part sits in an open target
    guides: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    #: how near (scene units) the cursor ray must pass a guide to take its depth
    capture: float = 0.0
    #: the view-plane depth (-z of the grab point) the person carries at
    depth: float = 0.0
    #: the guide whose depth the grab point has taken, or -1
    captured: int = -1

    def driver(self) -> np.ndarray:
        """(4, 4) head-space driving pose that moves the part with the grab point."""
        pivot = np.eye(4)
        pivot[:3, :3] = self.rotation
        pivot[:3, 3] = self.anchor - self.rotation @ self.anchor0
        return pivot @ self.driver0

    def place(self, ray: np.ndarray, head: np.ndarray, guide: bool = True) -> None:
        """Put the grab point on the head-space cursor ray ``ray`` ((3,), z = -1): at a
        guide's depth when the ray passes within ``capture`` of it (``guide``), else at
        the carry depth."""
        self.anchor = ray * self.depth
        self.captured = -1
        if not guide or not len(self.guides):
            return
        d = ray / np.linalg.norm(ray)
        inv = np.linalg.inv(head)
        local = self.guides @ inv[:3, :3].T + inv[:3, 3]
        along = local @ d
        off = np.linalg.norm(local - along[:, None] * d, axis=1)
        off[along <= 0.0] = np.inf
        best = int(np.argmin(off))
        if off[best] <= self.capture:
            self.anchor = along[best] * d
            self.captured = best


@dataclass
class TurnGesture:
    """One R gesture: the mouse travel since R went down, as yaw (view up) and pitch
    (view right) angles; ``rotation`` steps them by ``ROTATION_STEP_DEG`` when asked."""

    yaw: float = 0.0
    pitch: float = 0.0

    def add(self, yaw: float, pitch: float) -> None:
        self.yaw += yaw
        self.pitch += pitch

    def rotation(self, stepped: bool) -> np.ndarray:
        """(3, 3) head-space turn of the gesture so far: yaw after pitch."""
        yaw, pitch = self.yaw, self.pitch
        if stepped:
            step = np.radians(ROTATION_STEP_DEG)
            yaw, pitch = round(yaw / step) * step, round(pitch / step) * step
        return axis_rotation(1, yaw) @ axis_rotation(0, pitch)


def axis_rotation(axis: int, angle: float) -> np.ndarray:
    """(3, 3) turn by ``angle`` radians about head axis 0 (x, right), 1 (y, up) or 2 (z)."""
    c, s = np.cos(angle), np.sin(angle)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    r = np.eye(3)
    r[i, i] = r[j, j] = c
    r[i, j], r[j, i] = -s, s
    return r
