"""MediaPipe's 21 hand landmarks -> the 26 OpenXR hand joints, placed in scene space.

Pure NumPy, so every step is testable on recorded landmarks without a camera.

MediaPipe gives, per hand, 21 image landmarks (normalised x, y; relative z) and 21 "world"
landmarks (metres, centred on the hand, camera axes). OpenXR's ``XR_EXT_hand_tracking``
wants 26 joints with orientations and radii. What MediaPipe lacks is derived:

* finger metacarpal joints (the carpometacarpal joints, near the wrist) sit a quarter of
  the way from the wrist to each knuckle, so wrist -> metacarpal -> knuckle stays one
  straight bone whose length matches MediaPipe's wrist -> knuckle;
* the palm joint is the centre of the middle finger's metacarpal bone (OpenXR's
  definition);
* the thumb maps one to one: CMC -> metacarpal, MCP -> proximal, IP -> distal, TIP -> tip.

Orientations follow OpenXR: each joint's -Z points along its bone towards the finger tip
(tips reuse the last bone), +Y points out of the back of the hand (the palm normal).

Placement: the metric world landmarks give the hand's shape and size; fitting their
projection to the image landmarks (weak perspective) gives the scale in pixels per metre,
hence the depth (f / scale) and the hand's position in the camera frame. The camera frame
is then re-expressed around the viewer: the user faces the camera at ``viewer_distance``,
so a hand pushed towards the screen moves away from the viewer's eyes.
"""

from __future__ import annotations

import math

import numpy as np

from interaction.frame import JOINT_COUNT, Joint
from scenes.transforms import look_at, matrix_to_pose, transform_points

#: share of the wrist -> knuckle distance at which a finger's metacarpal joint sits
METACARPAL_FRACTION = 0.25
#: MediaPipe landmark index of each OpenXR joint (-1: derived)
_MP_OF_JOINT = np.array(
    [-1, 0, 1, 2, 3, 4, -1, 5, 6, 7, 8, -1, 9, 10, 11, 12, -1, 13, 14, 15, 16, -1, 17, 18, 19, 20]
)
_KNUCKLES = np.array([5, 9, 13, 17])  # MediaPipe index/middle/ring/little MCP
_METACARPALS = np.array(
    [
        Joint.INDEX_METACARPAL,
        Joint.MIDDLE_METACARPAL,
        Joint.RING_METACARPAL,
        Joint.LITTLE_METACARPAL,
    ]
)

# The bone each joint's -Z follows: from joint _BONE_FROM[j] to joint _BONE_TO[j].
_BONE_FROM = np.arange(JOINT_COUNT)
_BONE_TO = _BONE_FROM + 1
_TIPS = np.array(
    [Joint.THUMB_TIP, Joint.INDEX_TIP, Joint.MIDDLE_TIP, Joint.RING_TIP, Joint.LITTLE_TIP]
)
_BONE_FROM[_TIPS] = _TIPS - 1
_BONE_TO[_TIPS] = _TIPS
_BONE_FROM[[Joint.PALM, Joint.WRIST]] = Joint.WRIST
_BONE_TO[[Joint.PALM, Joint.WRIST]] = Joint.MIDDLE_PROXIMAL

#: joint radii (m) of an adult hand whose wrist -> middle knuckle is NOMINAL_HAND_SIZE
NOMINAL_HAND_SIZE = 0.09
_NOMINAL_RADII = np.array(
    [0.025, 0.02, 0.019, 0.015, 0.012, 0.01]
    + [0.02, 0.011, 0.009, 0.008, 0.007] * 3
    + [0.02, 0.009, 0.008, 0.007, 0.006]
)

#: thumb-tip to index-tip distance, as a share of the hand size, at full and at no pinch
PINCH_CLOSED_RATIO = 0.25
PINCH_OPEN_RATIO = 0.6
#: summed joint bend (rad) of a relaxed open finger and of a finger in a fist
#: (open hands in the test photos: 55-100 deg; fists: 170-280 deg)
_CURL_OPEN = math.radians(100.0)
_CURL_FIST = math.radians(170.0)
#: a shoulder in the viewer's head frame (x for the right hand; mirrored for the left)
_SHOULDER = np.array([0.18, -0.22, 0.05])


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (..., 3) arrays; np.cross costs ~20 µs of axis juggling."""
    return np.stack(
        [
            a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
            a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
            a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0],
        ],
        axis=-1,
    )


def openxr_positions(mp: np.ndarray) -> np.ndarray:
    """(21, 3) MediaPipe landmarks -> (26, 3) joint positions in the same frame."""
    mp = np.asarray(mp, dtype=np.float64)
    out = np.empty((JOINT_COUNT, 3))
    direct = _MP_OF_JOINT >= 0
    out[direct] = mp[_MP_OF_JOINT[direct]]
    wrist = mp[0]
    out[_METACARPALS] = wrist + METACARPAL_FRACTION * (mp[_KNUCKLES] - wrist)
    out[Joint.PALM] = 0.5 * (out[Joint.MIDDLE_METACARPAL] + out[Joint.MIDDLE_PROXIMAL])
    return out


def back_of_hand(positions: np.ndarray, right: bool) -> np.ndarray:
    """(3,) unit normal out of the back of the hand, from (26, 3) joints in a right-handed frame."""
    wrist = positions[Joint.WRIST]
    n = _cross(positions[Joint.LITTLE_PROXIMAL] - wrist, positions[Joint.INDEX_PROXIMAL] - wrist)
    n = n if right else -n
    return n / max(np.linalg.norm(n), 1e-12)


def quats_from_matrices(m: np.ndarray) -> np.ndarray:
    """(n, 3, 3) rotations -> (n, 4) unit quaternions (x, y, z, w), w >= 0.

    The batched form of ``scenes.transforms.matrix_to_quat``: 26 joints per hand per frame
    in one NumPy pass instead of 26 Python calls.
    """
    d = np.stack([m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]], axis=1)
    w = 0.5 * np.sqrt(np.maximum(0.0, 1.0 + d.sum(axis=1)))
    x = 0.5 * np.sqrt(np.maximum(0.0, 1.0 + d[:, 0] - d[:, 1] - d[:, 2]))
    y = 0.5 * np.sqrt(np.maximum(0.0, 1.0 - d[:, 0] + d[:, 1] - d[:, 2]))
    z = 0.5 * np.sqrt(np.maximum(0.0, 1.0 - d[:, 0] - d[:, 1] + d[:, 2]))
    x = np.copysign(x, m[:, 2, 1] - m[:, 1, 2])
    y = np.copysign(y, m[:, 0, 2] - m[:, 2, 0])
    z = np.copysign(z, m[:, 1, 0] - m[:, 0, 1])
    q = np.stack([x, y, z, w], axis=1)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def joint_frames(positions: np.ndarray, right: bool) -> np.ndarray:
    """(26, 3, 3) joint rotations (columns x, y, z): -Z along the bone, +Y out of the back."""
    bone = positions[_BONE_TO] - positions[_BONE_FROM]
    z = -bone / np.maximum(np.linalg.norm(bone, axis=1, keepdims=True), 1e-12)
    dorsal = back_of_hand(positions, right)
    y = dorsal - (z @ dorsal)[:, None] * z
    y /= np.maximum(np.linalg.norm(y, axis=1, keepdims=True), 1e-12)
    x = _cross(y, z)
    return np.stack([x, y, z], axis=2)


def hand_size(world: np.ndarray) -> float:
    """Wrist -> middle knuckle distance (m) of (21, 3) MediaPipe world landmarks."""
    return float(np.linalg.norm(world[9] - world[0]))


def joint_rows(positions: np.ndarray, right: bool, size: float) -> np.ndarray:
    """(26, 8) float32 rows ``[x, y, z, qx, qy, qz, qw, radius]`` for InputFrame."""
    rows = np.empty((JOINT_COUNT, 8), dtype=np.float32)
    rows[:, :3] = positions
    rows[:, 3:7] = quats_from_matrices(joint_frames(positions, right))
    rows[:, 7] = _NOMINAL_RADII * np.clip(size / NOMINAL_HAND_SIZE, 0.6, 1.4)
    return rows


def focal_length_px(width: int, horizontal_fov_deg: float) -> float:
    """Pinhole focal length in pixels for an image ``width`` wide seeing ``horizontal_fov_deg``."""
    return 0.5 * width / math.tan(math.radians(horizontal_fov_deg) / 2.0)


def place_in_camera(pixels: np.ndarray, world: np.ndarray, focal: float) -> np.ndarray:
    """(21, 3) camera-frame positions (m; x right, y down, z away from the camera).

    ``pixels``: (21, 2) landmarks relative to the principal point; ``world``: (21, 3) metric
    landmarks in camera axes. A weak-perspective fit ``pixels ~ s * (world.xy + t)`` gives
    the scale s (pixels per metre at the hand's depth), so depth = focal / s.
    """
    p = pixels - pixels.mean(axis=0)
    w = world[:, :2] - world[:, :2].mean(axis=0)
    s = float(np.sum(p * w) / max(np.sum(w * w), 1e-12))
    s = max(s, 1e-6)
    offset = np.empty(3)
    offset[:2] = pixels.mean(axis=0) / s - world[:, :2].mean(axis=0)
    offset[2] = focal / s
    return world + offset


def camera_to_viewer(points: np.ndarray, viewer_distance: float) -> np.ndarray:
    """Camera frame of a mirrored (selfie) image -> the viewer's head frame (x right, y up, -z ahead).

    The viewer sits ``viewer_distance`` in front of the camera, facing it; mirroring the
    image and flipping y together keep the geometry right-handed (no mirrored hands).
    """
    out = np.asarray(points, dtype=np.float64).copy()
    out[..., 1] *= -1.0
    out[..., 2] -= viewer_distance
    return out


def pinch_ratio(world: np.ndarray) -> float:
    """Thumb tip -> index tip distance over the hand size (scale-free)."""
    return float(np.linalg.norm(world[4] - world[8]) / max(hand_size(world), 1e-9))


def pinch_strength(ratio: float) -> float:
    """0 (fingers apart) .. 1 (touching), linear between the open and closed ratios."""
    return float(
        np.clip((PINCH_OPEN_RATIO - ratio) / (PINCH_OPEN_RATIO - PINCH_CLOSED_RATIO), 0.0, 1.0)
    )


def grab_strength(world: np.ndarray) -> float:
    """0 (open hand) .. 1 (fist) from the least curled of the four fingers.

    Each finger's curl is the summed bend of its three joints (MediaPipe world landmarks).
    The least curled finger decides, so pointing (index straight, three fingers curled)
    is not a grab, while a fist or a thumbs-up is.
    """
    chains = np.array([[0, k, k + 1, k + 2, k + 3] for k in (5, 9, 13, 17)])
    bones = np.diff(world[chains], axis=1)  # (4, 4, 3): wrist->knuckle, then three phalanges
    bones /= np.maximum(np.linalg.norm(bones, axis=2, keepdims=True), 1e-12)
    cos = np.clip(np.sum(bones[:, 1:] * bones[:, :-1], axis=2), -1.0, 1.0)
    curl = float(np.arccos(cos).sum(axis=1).min())
    return float(np.clip((curl - _CURL_OPEN) / (_CURL_FIST - _CURL_OPEN), 0.0, 1.0))


def aim_pose(positions: np.ndarray, right: bool, head: np.ndarray) -> np.ndarray:
    """(7,) aim pose like OpenXR's hand interaction profile: a ray from the shoulder
    through a point between the thumb and index knuckles (which stays put while
    pinching, so pinching does not jerk the ray), looking along -Z.

    ``positions`` are scene-space joints, ``head`` the (4, 4) head-to-scene matrix.
    """
    shoulder = _SHOULDER * np.array([1.0 if right else -1.0, 1.0, 1.0])
    shoulder = transform_points(head, shoulder[None])[0]
    origin = 0.5 * (positions[Joint.INDEX_PROXIMAL] + positions[Joint.THUMB_PROXIMAL])
    direction = origin - shoulder
    if np.linalg.norm(direction) < 1e-6:
        direction = -head[:3, 2]
    return matrix_to_pose(look_at(origin, origin + direction, tuple(head[:3, 1])))
