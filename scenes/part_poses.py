"""Where the parts of a ``SceneIndex`` stand: pose bookkeeping and posed world bounds.

Pickable parts (those with triangles) have a slot ``k``; their poses, lazily computed
inverses and world boxes live in (n, ...) arrays indexed by slot, and ``moved`` holds the
slots away from their authored pose (the queries answer every other part with one all-parts
structure at the authored poses). Parts without triangles keep only a pose, for
``pose_of`` and their bounds. Every container here is updated in place and never rebound:
the query objects hold this one ``PartPoses`` and read them on every query.
"""

from __future__ import annotations

import math

import numpy as np

from scenes.model import Scene
from scenes.transforms import posed_box, transform_points


def invertible(m: np.ndarray) -> bool:
    """Finite, with a 3x3 determinant beyond 1e-300 (a pose validity check, run on every
    part move: on Python floats it costs a fraction of ``np.linalg.det``'s call layers;
    LAPACK's determinant only where the cofactor products overflow)."""
    rows = np.asarray(m, dtype=np.float64).tolist()
    if not all(math.isfinite(x) for row in rows for x in row):
        return False
    (a, b, c, *_), (d, e, f, *_), (g, h, i, *_) = rows[:3]
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    if not math.isfinite(det):
        det = float(np.linalg.det(np.asarray(m, dtype=np.float64)[:3, :3]))
    return abs(det) > 1e-300


def box_corners(bounds: np.ndarray) -> np.ndarray:
    """(8, 3) corners of a (2, 3) box."""
    idx = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)])
    return bounds[idx, [0, 1, 2]]


class PartPoses:
    """Poses of a scene's parts; slot k is pickable part ``ids[k]``, with part-frame box
    ``bounds[k]`` and authored world matrix ``authored[k]``."""

    def __init__(
        self, scene: Scene, ids: list[str], bounds: list[np.ndarray], authored: list[np.ndarray]
    ) -> None:
        self.scene = scene
        self.ids = ids
        self.slot = {pid: k for k, pid in enumerate(ids)}
        self.known = {p.id for p in scene.parts}
        self.authored = authored
        n = len(ids)
        self.pose = np.array(authored).reshape(n, 4, 4)
        self.authored_rows = [m.tolist() for m in authored]
        self.inv = np.linalg.inv(self.pose) if n else np.zeros((0, 4, 4))
        #: slots whose ``inv`` is out of date: inverted on the first query that needs it
        #: (a held part moves every frame, most frames no ray reaches it)
        self.inv_stale: set[int] = set()
        self.corners = np.array([box_corners(b) for b in bounds]).reshape(n, 8, 3)
        self.world_bounds = np.zeros((n, 2, 3))
        #: poses of parts without triangles
        self.extra: dict[str, np.ndarray] = {}
        for k in range(n):
            self._update_bounds(k)
        #: slots away from their authored pose
        self.moved: set[int] = set()

    def set(self, part_id: str, world: np.ndarray) -> None:
        """Place a part (its node's world matrix); see ``SceneIndex.set_part_pose``."""
        world = np.asarray(world, dtype=np.float64)
        if world.shape != (4, 4) or not invertible(world):
            raise ValueError("a part pose must be a finite, invertible 4x4 matrix")
        k = self.slot.get(part_id)
        if k is None:
            if part_id not in self.known:
                raise KeyError(part_id)
            self.extra[part_id] = world.copy()  # a part without triangles
            return
        self.pose[k] = world
        self.inv_stale.add(k)
        self._update_bounds(k)
        if world.tolist() == self.authored_rows[k]:
            self.moved.discard(k)
        else:
            self.moved.add(k)

    def inverse(self, k: int) -> np.ndarray:
        """(4, 4) inverse of part k's pose (computed when first needed after a move)."""
        if k in self.inv_stale:
            self.inv[k] = np.linalg.inv(self.pose[k])
            self.inv_stale.discard(k)
        return self.inv[k]

    def pose_of(self, part_id: str) -> np.ndarray:
        """A copy of the part's world matrix (its authored one until it is set)."""
        k = self.slot.get(part_id)
        if k is not None:
            return self.pose[k].copy()
        if part_id not in self.known:
            raise KeyError(part_id)
        pose = self.extra.get(part_id)
        return (
            pose.copy()
            if pose is not None
            else self.scene.world_matrix(self.scene.part(part_id).node).copy()
        )

    def reset(self) -> None:
        """Every part back to its authored pose."""
        self.extra.clear()
        for k, pose in enumerate(self.authored):
            self.set(self.ids[k], pose)

    def bounds_of(self, part_id: str) -> np.ndarray:
        """(2, 3) world bounds of the posed part; see ``SceneIndex.part_world_bounds``."""
        k = self.slot.get(part_id)
        if k is not None:
            return self.world_bounds[k].copy()
        part = self.scene.part(part_id)
        pose = self.pose_of(part_id)
        authored = self.scene.node_bounds(self.scene.part_nodes(part))  # world, authored pose
        world = self.scene.world_matrix(part.node)
        if authored is None or not invertible(world):
            return np.repeat(pose[None, :3, 3], 2, axis=0)
        corners = transform_points(pose @ np.linalg.inv(world), box_corners(authored))
        return np.stack([corners.min(0), corners.max(0)])

    def _update_bounds(self, k: int) -> None:
        self.world_bounds[k] = posed_box(self.pose[k], self.corners[k])
