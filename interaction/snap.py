"""Snap targets ("slots") and the release decision.

Every movable part owns one slot: the target pose it belongs at. Parts with the same
shape (same fingerprint, e.g. the eight nuts of an assembly) are interchangeable: a
part may fill any free slot of its class, so a user is never told "wrong nut".

A release is judged against the nearest free slot of the part's class: inside the
position *and* angle tolerance it snaps; inside the magnet radius but outside tolerance
it is an "almost" (RELEASE_OUT_OF_TOLERANCE, with the figures); otherwise a plain drop.
Position errors are measured at the part's bounding-box centre, not its node origin,
which CAD exporters often leave far from the geometry; angle errors ignore turns that
map the part's shape onto itself (see symmetry.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from interaction.part_geometry import PartGeometry, rigid
from interaction.symmetry import symmetric_angle_deg


@dataclass(frozen=True)
class Slot:
    id: str  # the part id whose authored target this is
    target: np.ndarray  # (4, 4) rigid target of the part frame
    centre: np.ndarray  # (3,) world position of the part centre at the target
    position_tol_m: float
    angle_tol_deg: float
    fingerprint: str


@dataclass(frozen=True)
class SnapCandidate:
    slot: Slot
    position_error_mm: float
    angle_error_deg: float

    @property
    def within_tolerance(self) -> bool:
        return (
            self.position_error_mm <= self.slot.position_tol_m * 1000.0
            and self.angle_error_deg <= self.slot.angle_tol_deg
        )


def make_slot(geometry: PartGeometry, target_world: np.ndarray, position_tol_m: float, angle_tol_deg: float) -> Slot:
    target = rigid(target_world)
    centre = target[:3, :3] @ geometry.centre + target[:3, 3]
    return Slot(geometry.part_id, target, centre, position_tol_m, angle_tol_deg, geometry.fingerprint)


def angle_between_deg(r_a: np.ndarray, r_b: np.ndarray) -> float:
    """Angle of the rotation taking (3, 3) rotation r_a to r_b, degrees."""
    c = (np.trace(r_a.T @ r_b) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def candidates(
    frame: np.ndarray,
    geometry: PartGeometry,
    slots: list[Slot],
    symmetries: Callable[[], np.ndarray] | None = None,
    symmetric_within_mm: float = 0.0,
) -> list[SnapCandidate]:
    """Errors of a part whose rigid frame is at ``frame`` against the given slots,
    nearest first (ties by slot id, for determinism).

    ``symmetries`` (called only when a release is in position — within the tolerance or
    ``symmetric_within_mm`` — but out of angle, since finding them costs a surface search)
    gives the part's self-symmetric rotations: the angle error is the smallest over them.
    """
    centre = frame[:3, :3] @ geometry.centre + frame[:3, 3]
    out = []
    for s in slots:
        position = float(np.linalg.norm(centre - s.centre)) * 1000.0
        angle = angle_between_deg(frame[:3, :3], s.target[:3, :3])
        near = position <= max(s.position_tol_m * 1000.0, symmetric_within_mm)
        if symmetries is not None and near and angle > s.angle_tol_deg:
            angle = symmetric_angle_deg(frame[:3, :3], s.target[:3, :3], symmetries())
        out.append(SnapCandidate(s, position, angle))
    out.sort(key=lambda c: (c.position_error_mm, c.slot.id))
    return out
