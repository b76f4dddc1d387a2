"""Reference spaces: the scene's floor space (local-floor, else stage, else local), the head
(view space), recentring, and OpenXR poses as InputFrame pose rows.

The scene's space is the chosen floor space: metres, Y up, -Z forward, like glTF, so poses
pass through unchanged. ``recentre`` moves the origin under the user's head, turned to
where they look (yaw only, so the floor stays level). ``lift`` raises the scene's floor
above the real one (a bench-sized task at workbench height): the scene space's origin is
created that high, so every located pose comes out lowered by it, and nothing downstream
needs to know.
"""

from __future__ import annotations

import math

import numpy as np
import xr

from scenes.transforms import IDENTITY_POSE, matrix_to_pose, pose_to_matrix

#: a pose counts only when the runtime says both parts are valid
_VALID = xr.SpaceLocationFlags.ORIENTATION_VALID_BIT | xr.SpaceLocationFlags.POSITION_VALID_BIT
#: eye height used to put a LOCAL space (origin at the head) roughly on the floor
NOMINAL_EYE_HEIGHT = 1.6


def pose_row(pose: xr.Posef) -> np.ndarray:
    """(7,) ``[px, py, pz, qx, qy, qz, qw]`` from an XrPosef."""
    p, q = pose.position, pose.orientation
    return np.array([p.x, p.y, p.z, q.x, q.y, q.z, q.w], dtype=np.float64)


def xr_pose(row: np.ndarray) -> xr.Posef:
    """An XrPosef from a (7,) pose row."""
    return xr.Posef(
        orientation=xr.Quaternionf(float(row[3]), float(row[4]), float(row[5]), float(row[6])),
        position=xr.Vector3f(float(row[0]), float(row[1]), float(row[2])),
    )


def yaw_only(row: np.ndarray, floor_y: float | None = 0.0) -> np.ndarray:
    """The pose on the floor under ``row`` (``floor_y`` None keeps its height), turned
    about +Y only to face where ``row`` looks: what recentring puts at the origin."""
    qx, qy, qz, qw = row[3:7]
    # the view's -Z axis in the reference frame, projected on the floor
    fx = -2.0 * (qx * qz + qw * qy)
    fz = -(1.0 - 2.0 * (qx * qx + qy * qy))
    yaw = math.atan2(-fx, -fz) if abs(fx) + abs(fz) > 1e-9 else 0.0
    out = IDENTITY_POSE.copy()
    out[0], out[2] = row[0], row[2]
    out[1] = row[1] if floor_y is None else floor_y
    out[3:7] = [0.0, math.sin(yaw / 2.0), 0.0, math.cos(yaw / 2.0)]
    return out


def choose_floor_space(
    available: list[xr.ReferenceSpaceType], enabled: list[str] | tuple[str, ...]
) -> xr.ReferenceSpaceType:
    """LOCAL_FLOOR (XR_EXT_local_floor), else STAGE, else LOCAL."""
    if "XR_EXT_local_floor" in enabled and xr.ReferenceSpaceType.LOCAL_FLOOR in available:
        return xr.ReferenceSpaceType.LOCAL_FLOOR
    if xr.ReferenceSpaceType.STAGE in available:
        return xr.ReferenceSpaceType.STAGE
    return xr.ReferenceSpaceType.LOCAL


class Spaces:
    """The floor space (``base``) and the head (``view``) on a session."""

    def __init__(
        self, session: xr.Session, enabled: list[str] | tuple[str, ...], lift: float = 0.0
    ) -> None:
        self.session = session
        available = [xr.ReferenceSpaceType(s) for s in xr.enumerate_reference_spaces(session)]
        self.kind = choose_floor_space(available, enabled)
        #: metres the scene's floor (y = 0) sits above the real floor
        self.lift = lift
        offset = IDENTITY_POSE.copy()
        if self.kind == xr.ReferenceSpaceType.LOCAL:
            offset[1] = -NOMINAL_EYE_HEIGHT  # LOCAL's origin is at the eyes
        offset[1] += lift
        self._offset = offset
        self.base = self._create(self.kind, offset)
        self.view = self._create(xr.ReferenceSpaceType.VIEW, IDENTITY_POSE)

    def _create(self, kind: xr.ReferenceSpaceType, pose: np.ndarray) -> xr.Space:
        return xr.create_reference_space(
            self.session,
            xr.ReferenceSpaceCreateInfo(
                reference_space_type=kind, pose_in_reference_space=xr_pose(pose)
            ),
        )

    def locate(self, space: xr.Space, time: int) -> np.ndarray | None:
        """(7,) pose of ``space`` in the floor space at XrTime ``time``; None if not valid."""
        loc = xr.locate_space(space, self.base, time)
        if (int(loc.location_flags) & _VALID) != _VALID:
            return None
        return pose_row(loc.pose)

    def recentre(self, time: int) -> bool:
        """Put the origin under the head, facing where it looks. False if the head is not
        tracked at ``time``."""
        head = self.locate(self.view, time)
        if head is None:
            return False
        # the head in the un-recentred reference space: compose with the current offset
        in_reference = matrix_to_pose(pose_to_matrix(self._offset) @ pose_to_matrix(head))
        floor_y = None if self.kind == xr.ReferenceSpaceType.LOCAL else 0.0
        new_offset = yaw_only(in_reference, floor_y)
        if self.kind == xr.ReferenceSpaceType.LOCAL:
            new_offset[1] -= NOMINAL_EYE_HEIGHT
        new_offset[1] += self.lift
        self._replace_base(new_offset)
        return True

    def set_lift(self, lift: float) -> None:
        """Raise the scene's floor ``lift`` metres above the real floor, from now on."""
        if lift != self.lift:
            offset = self._offset.copy()
            offset[1] += lift - self.lift
            self._replace_base(offset)
            self.lift = lift

    def _replace_base(self, offset: np.ndarray) -> None:
        old = self.base
        self.base = self._create(self.kind, offset)
        self._offset = offset
        xr.destroy_space(old)

    def destroy(self) -> None:
        for space in (self.base, self.view):
            try:
                xr.destroy_space(space)
            except xr.exception.XrException:
                pass  # the session is already gone
