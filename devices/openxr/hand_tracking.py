"""Articulated hands (XR_EXT_hand_tracking): 26 joints per hand with radii, and pinch / grab
strengths derived from them when no controller reports trigger and squeeze.

pyopenxr 1.1.6501's ``locate_hand_joints_ext`` passes a NULL joint array and fails, so
``xrLocateHandJointsEXT`` is called through its function pointer with our own array.
Pinch and grab reuse the camera device's measures (``devices.camera.hand_joints``), which
work on MediaPipe's 21 landmarks: the 26 OpenXR joints minus the palm and the four finger
metacarpals are exactly those 21, in the same order.
"""

from __future__ import annotations

import ctypes

import numpy as np
import xr

from devices.camera.hand_joints import grab_strength, pinch_ratio, pinch_strength
from interaction.frame import JOINT_COUNT, Joint

#: the 21 OpenXR joints MediaPipe also has, in MediaPipe's landmark order
MEDIAPIPE_JOINTS = np.array(
    [
        j
        for j in Joint
        if j
        not in (
            Joint.PALM,
            Joint.INDEX_METACARPAL,
            Joint.MIDDLE_METACARPAL,
            Joint.RING_METACARPAL,
            Joint.LITTLE_METACARPAL,
        )
    ]
)
_VALID = xr.SpaceLocationFlags.ORIENTATION_VALID_BIT | xr.SpaceLocationFlags.POSITION_VALID_BIT


def pinch_and_grab(joints: np.ndarray) -> tuple[float, float]:
    """(pinch, grab) strengths 0..1 from (26, 8) joint rows (positions in metres)."""
    world = np.asarray(joints[MEDIAPIPE_JOINTS, :3], dtype=np.float64)
    return pinch_strength(pinch_ratio(world)), grab_strength(world)


class HandTrackers:
    """One XrHandTrackerEXT per hand on a session; ``locate`` gives (26, 8) float32 rows
    ``[x, y, z, qx, qy, qz, qw, radius]`` or None when the hand is not tracked."""

    def __init__(self, runtime: object, session: xr.Session) -> None:
        self._locate = runtime.proc("xrLocateHandJointsEXT", xr.PFN_xrLocateHandJointsEXT)
        self._destroy = runtime.proc("xrDestroyHandTrackerEXT", xr.PFN_xrDestroyHandTrackerEXT)
        create = runtime.proc("xrCreateHandTrackerEXT", xr.PFN_xrCreateHandTrackerEXT)
        self.trackers: list[xr.HandTrackerEXT] = []
        for hand in (xr.HandEXT.LEFT, xr.HandEXT.RIGHT):
            tracker = xr.HandTrackerEXT()
            info = xr.HandTrackerCreateInfoEXT(hand=hand, hand_joint_set=xr.HandJointSetEXT.DEFAULT)
            result = xr.check_result(
                xr.Result(create(session, ctypes.byref(info), ctypes.byref(tracker)))
            )
            if result.is_exception():
                self.destroy()
                raise result
            self.trackers.append(tracker)
        self._joints = (xr.HandJointLocationEXT * JOINT_COUNT)()
        self._locations = xr.HandJointLocationsEXT(joint_locations=self._joints)

    def locate(self, hand: int, base: xr.Space, time: int) -> np.ndarray | None:
        info = xr.HandJointsLocateInfoEXT(base_space=base, time=time)
        result = xr.check_result(
            xr.Result(
                self._locate(self.trackers[hand], ctypes.byref(info), ctypes.byref(self._locations))
            )
        )
        if result.is_exception():
            raise result
        if not self._locations.is_active:
            return None
        rows = np.zeros((JOINT_COUNT, 8), dtype=np.float32)
        valid = 0
        for i, j in enumerate(self._joints):
            p, q = j.pose.position, j.pose.orientation
            rows[i] = (p.x, p.y, p.z, q.x, q.y, q.z, q.w, j.radius)
            valid += (int(j.location_flags) & _VALID) == _VALID
        return rows if valid == JOINT_COUNT else None

    def destroy(self) -> None:
        trackers, self.trackers = self.trackers, []
        for tracker in trackers:
            self._destroy(tracker)
