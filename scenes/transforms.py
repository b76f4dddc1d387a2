"""Small rigid-transform helpers shared by every layer.

Poses are (7,) float64 arrays ``[px, py, pz, qx, qy, qz, qw]`` (OpenXR's order: position,
then a unit quaternion with w last). Matrices are (4, 4) float64, column vectors.
Hand-written NumPy rather than scipy's Rotation: these run in the engine tick, where a
scipy call costs ~10 µs and these cost a few µs. The hottest ones (quaternion to matrix,
pose to matrix) do their scalar arithmetic on Python floats: on 4 numbers, every NumPy
call's fixed cost outweighs the arithmetic, and IEEE doubles give the same bits either way.
"""

from __future__ import annotations

import math

import numpy as np

IDENTITY_POSE = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0])
#: Largest magnitude of a coordinate (metres or file units), a scale factor or a quaternion
#: component read from a file: a kilometre-scale scene in millimetre file units still fits,
#: 1e308 (whose square, or product with another, is infinite) does not. Scenario poses and
#: points use the same bound (scenes/scenario.py), so a part a model places can be placed
#: by a scenario too.
MAX_COORDINATE = 1e7


def _unit_quat(q: np.ndarray) -> list[float]:
    """``q / np.linalg.norm(q)`` as four floats, bit for bit, without the norm's call
    layers (for a contiguous float64 (4,) array the norm is exactly sqrt(q.dot(q)))."""
    a = np.asarray(q)
    if a.dtype == np.float64 and a.shape == (4,) and a.flags.c_contiguous:
        norm = math.sqrt(float(a.dot(a)))
        return [x / norm for x in a.tolist()]
    return (np.asarray(q, dtype=np.float64) / np.linalg.norm(q)).tolist()


def _rotation_rows(x: float, y: float, z: float, w: float) -> list[list[float]]:
    return [
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ]


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """(4,) quaternion (x, y, z, w) -> (3, 3) rotation matrix."""
    return np.array(_rotation_rows(*_unit_quat(q)))


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """(3, 3) or (4, 4) rotation (scale removed first) -> (4,) unit quaternion, w >= 0."""
    r = np.asarray(m, dtype=np.float64)[:3, :3]
    r = r / np.linalg.norm(r, axis=0)
    t = np.trace(r)
    if t > 0:
        s = np.sqrt(t + 1.0) * 2
        q = np.array([(r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s, 0.25 * s])
    else:
        i = int(np.argmax(np.diag(r)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = np.sqrt(1.0 + r[i, i] - r[j, j] - r[k, k]) * 2
        q = np.empty(4)
        q[i] = 0.25 * s
        q[j] = (r[j, i] + r[i, j]) / s
        q[k] = (r[k, i] + r[i, k]) / s
        q[3] = (r[k, j] - r[j, k]) / s
    q /= np.linalg.norm(q)
    return -q if q[3] < 0 else q


def pose_to_matrix(pose: np.ndarray) -> np.ndarray:
    """(7,) pose -> (4, 4) matrix."""
    pose = np.asarray(pose)
    (r0, r1, r2), (px, py, pz) = _rotation_rows(*_unit_quat(pose[3:7])), pose[:3].tolist()
    return np.array([[*r0, px], [*r1, py], [*r2, pz], [0.0, 0.0, 0.0, 1.0]])


def matrix_to_pose(m: np.ndarray) -> np.ndarray:
    """(4, 4) rigid matrix -> (7,) pose."""
    return np.concatenate([np.asarray(m, dtype=np.float64)[:3, 3], matrix_to_quat(m)])


def quat_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b of (x, y, z, w) quaternions."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def quat_from_axis_angle(axis: np.ndarray, angle: float) -> np.ndarray:
    axis = np.asarray(axis, dtype=np.float64)
    axis = axis / np.linalg.norm(axis)
    return np.concatenate([axis * np.sin(angle / 2), [np.cos(angle / 2)]])


def rotation_angle_between(r_a: np.ndarray, r_b: np.ndarray) -> float:
    """Angle in radians of the rotation taking (3, 3) rotation r_a to r_b."""
    c = (np.trace(r_a.T @ r_b) - 1.0) / 2.0
    return float(np.arccos(np.clip(c, -1.0, 1.0)))


def transform_points(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply (4, 4) matrix to (n, 3) points."""
    return points @ m[:3, :3].T + m[:3, 3]


def posed_box(m: np.ndarray, corners: np.ndarray) -> tuple[list[float], list[float]]:
    """Lower and upper corner of the box around ``transform_points(m, corners)``, bit for bit
    (rounding is monotonic, so the translation may be added after the min / max), on Python
    floats: this runs on every part move, where NumPy reductions of 8 points cost more."""
    xs, ys, zs = zip(*(corners @ m[:3, :3].T).tolist(), strict=True)
    tx, ty, tz = m[:3, 3].tolist()
    return [min(xs) + tx, min(ys) + ty, min(zs) + tz], [max(xs) + tx, max(ys) + ty, max(zs) + tz]


def look_at(eye: np.ndarray, target: np.ndarray, up: tuple[float, float, float] = (0.0, 1.0, 0.0)) -> np.ndarray:
    """(4, 4) camera-to-world matrix of a camera at eye looking at target (-Z forward)."""
    f = np.asarray(target, float) - np.asarray(eye, float)
    f /= np.linalg.norm(f)
    s = np.cross(f, up)
    if np.linalg.norm(s) < 1e-9:
        s = np.cross(f, [0.0, 0.0, 1.0])
    s /= np.linalg.norm(s)
    u = np.cross(s, f)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = s, u, -f, eye
    return m
