"""The engine-tick transform helpers give the bits of their plain NumPy forms."""

from __future__ import annotations

import numpy as np

from scenes.transforms import pose_to_matrix, posed_box, quat_to_matrix, transform_points


def _reference_pose_to_matrix(pose: np.ndarray) -> np.ndarray:
    q = np.asarray(pose[3:7], dtype=np.float64) / np.linalg.norm(pose[3:7])
    x, y, z, w = q
    m = np.eye(4)
    m[:3, :3] = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ]
    m[:3, 3] = pose[:3]
    return m


def test_pose_to_matrix_bit_for_bit():
    rng = np.random.default_rng(0)
    for _ in range(2000):
        pose = rng.normal(size=7) * rng.choice([1e-3, 1.0, 1e3])
        for p in (pose, pose.astype(np.float32), list(pose)):
            expected = _reference_pose_to_matrix(np.asarray(p))
            assert pose_to_matrix(p).tobytes() == expected.tobytes()
            assert quat_to_matrix(np.asarray(p)[3:7]).tobytes() == expected[:3, :3].tobytes()


def test_posed_box_is_the_box_of_the_moved_corners():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        corners = rng.normal(size=(8, 3)) * rng.choice([1e-3, 1.0, 1e3])
        m = pose_to_matrix(rng.normal(size=7))
        m[:3, :3] *= rng.uniform(0.001, 1000.0)
        moved = transform_points(m, corners)
        lo, hi = posed_box(m, corners)
        assert np.array_equal(lo, moved.min(axis=0)) and np.array_equal(hi, moved.max(axis=0))
