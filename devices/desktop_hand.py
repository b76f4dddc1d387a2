"""A synthetic 26-joint hand skeleton posed by pinch and grab strengths.

The desktop simulator has no tracked fingers, yet hand visuals, poke and anything that
reads ``HandInput.joints`` should behave as with a real hand-tracking device. So this
builds a plausible adult hand (about 19 cm wrist to middle tip) in the XR_EXT_hand_tracking
joint order and conventions: each joint's -Z points along its bone toward the finger tip,
+Y out of the back of the hand. Poses blend open -> pinch (index and thumb tips meet) ->
fist (all fingers curled).

Hand frame (the palm joint, which is also the grip pose): origin in the palm centre,
-Z toward the fingers, +Y out of the back of the hand; the right thumb lies on -X. The left
hand is the mirror image through the YZ plane.
"""

from __future__ import annotations

import functools

import numpy as np

from interaction.frame import JOINT_COUNT, Joint
from scenes.transforms import matrix_to_quat

# (metacarpal base, knuckle) in the right hand frame, metres; phalanx lengths (proximal,
# intermediate, distal). Proportions after the averages in Buryanov & Kotiuk (2010).
_FINGERS = {
    Joint.INDEX_METACARPAL: ((-0.020, 0.0, 0.035), (-0.024, 0.004, -0.036), (0.040, 0.024, 0.020)),
    Joint.MIDDLE_METACARPAL: ((-0.004, 0.0, 0.035), (-0.003, 0.005, -0.039), (0.044, 0.028, 0.021)),
    Joint.RING_METACARPAL: ((0.011, 0.0, 0.035), (0.016, 0.004, -0.034), (0.041, 0.027, 0.020)),
    Joint.LITTLE_METACARPAL: ((0.022, -0.002, 0.035), (0.033, 0.0, -0.026), (0.033, 0.019, 0.018)),
}
_WRIST = (0.0, 0.0, 0.045)
_THUMB_BASE = (-0.020, -0.012, 0.030)
#: thumb bone directions when open (spread forward-outward, slightly palmar) and lengths
_THUMB_DIRECTION = (-0.62, -0.28, -0.73)
_THUMB_LENGTHS = (0.040, 0.032, 0.026)

#: flexion per finger joint (MCP, PIP, DIP) in degrees for each pose
_OPEN = np.array([4.0, 6.0, 4.0])
_FIST = np.array([85.0, 100.0, 65.0])
_PINCH_INDEX = np.array([38.0, 42.0, 22.0])
_PINCH_OTHERS = np.array([20.0, 28.0, 16.0])

_RADII = {"palm": 0.022, "wrist": 0.022, "base": 0.011, "mid": 0.009, "tip": 0.007}

_MIRROR = np.diag([-1.0, 1.0, 1.0])


def _rot_x(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _frame_along(direction: np.ndarray, lateral_hint: np.ndarray) -> np.ndarray:
    """(3, 3) rotation whose -Z is ``direction`` and whose X is as close to the hint as possible."""
    z = -direction / np.linalg.norm(direction)
    x = lateral_hint - np.dot(lateral_hint, z) * z
    x /= np.linalg.norm(x)
    return np.column_stack([x, np.cross(z, x), z])


def _finger_chain(base, knuckle, lengths, flex_deg) -> tuple[np.ndarray, np.ndarray]:
    """Positions (5, 3) and rotations (5, 3, 3) of metacarpal, proximal, intermediate,
    distal and tip joints of one finger bent by ``flex_deg`` (MCP, PIP, DIP)."""
    base, knuckle = np.asarray(base), np.asarray(knuckle)
    meta_dir = knuckle - base
    frame = _frame_along(meta_dir, np.array([1.0, 0.0, 0.0]))
    positions, rotations = [base, knuckle], [frame]
    p = knuckle
    for length, flex in zip(lengths, flex_deg, strict=True):
        # bending toward the palm turns the bone from -Z toward -Y: a negative turn about X
        frame = frame @ _rot_x(-flex)
        rotations.append(frame)
        p = p + frame @ np.array([0.0, 0.0, -length])
        positions.append(p)
    rotations.append(frame)  # the tip keeps the distal bone's orientation
    return np.array(positions), np.array(rotations)


def _thumb_chain(
    pinch_target: np.ndarray | None, pinch: float, grab: float
) -> tuple[np.ndarray, np.ndarray]:
    """Thumb metacarpal, proximal, distal, tip: open, bent across the palm by grab, and
    pulled so its tip meets ``pinch_target`` by pinch."""
    direction = np.asarray(_THUMB_DIRECTION) / np.linalg.norm(_THUMB_DIRECTION)
    # a fist folds the thumb over the curled fingers: rotate its bones toward +X and -Y
    fold = np.array([0.9, -0.35, -0.1])
    fold /= np.linalg.norm(fold)
    pos = [np.asarray(_THUMB_BASE, float)]
    for i, length in enumerate(_THUMB_LENGTHS):
        w = grab * (0.35 + 0.3 * i)
        d = (1 - w) * direction + w * fold
        pos.append(pos[-1] + length * d / np.linalg.norm(d))
    positions = np.array(pos)
    if pinch_target is not None and pinch > 0:
        # spread the needed tip correction along the chain (none at the CMC joint)
        weights = np.array([0.0, 0.25, 0.6, 1.0])[:, None]
        positions = positions + pinch * weights * (pinch_target - positions[-1])
    rotations = []
    for i in range(4):
        d = positions[min(i + 1, 3)] - positions[min(i, 2)]
        # the thumb nail faces away from the palm's index side: X toward the back of the hand
        rotations.append(_frame_along(d, np.array([0.0, 1.0, 0.0])))
    return positions, np.array(rotations)


@functools.lru_cache(maxsize=256)
def _cached_skeleton(pinch: float, grab: float, left: bool) -> np.ndarray:
    out = _build_skeleton(pinch, grab, left)
    out.flags.writeable = False
    return out


def hand_skeleton(pinch: float, grab: float, left: bool) -> np.ndarray:
    """(26, 8) float64 rows ``[x, y, z, qx, qy, qz, qw, radius]`` in the hand frame (metres).

    ``pinch`` and ``grab`` in 0..1; grab dominates (a fist), pinch bends index and thumb
    until their tips touch. Cached: the simulator mostly asks for a few strengths.
    """
    return _cached_skeleton(
        round(min(max(float(pinch), 0.0), 1.0), 3),
        round(min(max(float(grab), 0.0), 1.0), 3),
        bool(left),
    )


def _build_skeleton(pinch: float, grab: float, left: bool) -> np.ndarray:
    positions = np.zeros((JOINT_COUNT, 3))
    rotations = np.tile(np.eye(3), (JOINT_COUNT, 1, 1))
    positions[Joint.WRIST] = _WRIST
    for first, (base, knuckle, lengths) in _FINGERS.items():
        pinch_pose = _PINCH_INDEX if first == Joint.INDEX_METACARPAL else _PINCH_OTHERS
        flex = _OPEN + pinch * (pinch_pose - _OPEN)
        flex = flex + grab * (_FIST - flex)
        p, r = _finger_chain(base, knuckle, lengths, flex)
        positions[first : first + 5] = p
        rotations[first : first + 5] = r
    index_tip = positions[Joint.INDEX_TIP] + np.array([-0.006, -0.004, 0.0])
    p, r = _thumb_chain(index_tip, pinch * (1.0 - grab), grab)
    positions[Joint.THUMB_METACARPAL : Joint.THUMB_TIP + 1] = p
    rotations[Joint.THUMB_METACARPAL : Joint.THUMB_TIP + 1] = r

    if left:
        positions = positions @ _MIRROR
        rotations = _MIRROR @ rotations @ _MIRROR
    out = np.zeros((JOINT_COUNT, 8))
    out[:, :3] = positions
    out[:, 3:7] = [matrix_to_quat(r) for r in rotations]
    out[:, 7] = _RADII["mid"]
    out[[Joint.PALM, Joint.WRIST], 7] = _RADII["palm"]
    tips = [Joint.THUMB_TIP, Joint.INDEX_TIP, Joint.MIDDLE_TIP, Joint.RING_TIP, Joint.LITTLE_TIP]
    out[tips, 7] = _RADII["tip"]
    bases = [Joint.THUMB_METACARPAL, *_FINGERS]
    out[bases, 7] = _RADII["base"]
    return out


def skeleton_in_world(
    local: np.ndarray, rotation: np.ndarray, position: np.ndarray, quat: np.ndarray, scale: float
) -> np.ndarray:
    """(26, 8) joints in the hand frame -> (26, 8) float32 in the world, for a hand at
    ``position`` turned by (3, 3) ``rotation`` (``quat`` the same rotation), drawn at
    ``scale`` scene units per metre."""
    out = np.empty_like(local)
    out[:, :3] = local[:, :3] * scale @ rotation.T + position
    out[:, 3:7] = _quat_mul_rows(quat, local[:, 3:7])
    out[:, 7] = local[:, 7] * scale
    return out.astype(np.float32)


def _quat_mul_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b_i of one (4,) quaternion with each row of (n, 4), as one
    matrix product (a's left-multiplication matrix)."""
    x, y, z, w = a
    left = np.array([[w, -z, y, x], [z, w, -x, y], [-y, x, w, z], [-x, -y, -z, w]])
    return b @ left.T
