"""Ray queries of a ``SceneIndex``: the first hit of one ray, or of a batch.

Single rays are latency-bound (several per 90 Hz frame) and on small arrays every NumPy
call costs microseconds, so a ray first asks one Embree scene holding every part at its
authored pose (one call answers for all parts that have not moved), and then only the
parts that moved, each in its own frame after a box test. Measured on PM4: 35 us per ray
against 93 us for box-culling every part per ray. Batched rays use the same split, one
Embree call per scene or part for all rays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection

import numpy as np

from scenes.embree_groups import GroupedBVH
from scenes.part_poses import PartPoses
from scenes.part_triangles import PartTriangles
from scenes.ray_hits import HitTable, RayHit, RayHits, make_ray_hits

#: Surfaces of moved/excluded parts the one-scene query may step over before ``ray``
#: falls back to asking every part separately.
MAX_STEP_OVERS = 8

#: (slot, triangle, origin, unit direction, distance) of a first hit
FirstHit = tuple[int, int, np.ndarray, np.ndarray, float]


class RayPicker:
    """First hits against the all-parts scene ``static`` (geomID == slot, authored poses)
    and the moved parts' own BVHs, which ``part_bvh`` returns, building one on first need."""

    def __init__(
        self,
        poses: PartPoses,
        parts: list[PartTriangles],
        static: GroupedBVH,
        part_bvh: Callable[[PartTriangles], GroupedBVH],
    ) -> None:
        self.poses = poses
        self.parts = parts
        self.static = static
        self.part_bvh = part_bvh
        n = len(parts)
        bounds = poses.world_bounds
        size = 0.0 if not n else float(np.max(bounds[:, 1].max(0) - bounds[:, 0].min(0)))
        #: how far past a skipped surface the static query resumes
        self.step = max(size, 1e-9) * 1e-6
        #: every part's triangles in one table, for batches' hits (made on first need)
        self._table: HitTable | None = None

    def first(
        self, origin: np.ndarray, direction: np.ndarray, max_distance: float, exclude: Collection[str]
    ) -> FirstHit | None:
        """(slot, triangle, origin, unit direction, distance) of the first hit, or None."""
        o = np.asarray(origin, dtype=np.float64).reshape(3)
        d = np.asarray(direction, dtype=np.float64).reshape(3)
        d = d / math.sqrt(float(d.dot(d)))  # .dot: the same BLAS call as @, a third of its cost
        poses = self.poses
        if not poses.ids:
            return None
        excluded = {poses.slot[pid] for pid in exclude if pid in poses.slot}
        skip = poses.moved | excluded
        best_t, best = min(float(max_distance), 3.0e38), None
        # Python floats for the per-ray scalar work (the same IEEE arithmetic, none of
        # NumPy's per-call cost on 3-vectors)
        o_list, d_list = o.tolist(), d.tolist()
        d32 = np.array([d_list], np.float32)
        # 1. unmoved parts: one query; a hit on a moved/excluded part is stepped over
        start, resolved, stepped = 0.0, False, []
        for _ in range(MAX_STEP_OVERS):
            hit = self.static.run(
                np.array([[a + start * b for a, b in zip(o_list, d_list, strict=True)]], np.float32),
                d32,
                dists=np.array([best_t - start], np.float32),
                output=1,
            )
            g = int(hit["geomID"][0])
            if g < 0 or g not in skip:
                if g >= 0:
                    best_t, best = start + float(hit["tfar"][0]), (g, int(hit["primID"][0]))
                resolved = True
                break
            stepped.append(start + float(hit["tfar"][0]))
            start = stepped[-1] + self.step
        # 2. moved parts one by one; also unmoved parts touching a stepped-over surface
        #    (a coplanar face of theirs was skipped with it), or all if stepping did not settle
        todo = set(poses.moved) if resolved else set(range(len(poses.ids)))
        if stepped and resolved:
            pts = o + np.array(stepped)[:, None] * d
            lo, hi = poses.world_bounds[:, 0] - self.step, poses.world_bounds[:, 1] + self.step
            touching = (
                ((pts[None] >= lo[:, None]) & (pts[None] <= hi[:, None])).all(axis=2).any(axis=1)
            )
            todo.update(np.flatnonzero(touching).tolist())
        for k in todo:
            if k in excluded or not self._box_hit(k, o_list, d_list, best_t):
                continue
            inv = poses.inverse(k)
            hit = self.part_bvh(self.parts[k]).run(
                (inv[:3, :3] @ o + inv[:3, 3]).astype(np.float32)[None],
                (inv[:3, :3] @ d).astype(np.float32)[None],
                dists=np.array([best_t], np.float32),
                output=1,
            )
            if hit["primID"][0] >= 0 and hit["tfar"][0] < best_t:
                best_t, best = float(hit["tfar"][0]), (k, int(hit["primID"][0]))
        if best is None:
            return None
        return best[0], best[1], o, d, best_t

    def _box_hit(self, k: int, o: list[float], d: list[float], max_t: float) -> bool:
        """Does the ray (origin and direction as floats) reach part k's posed bounds before ``max_t``?"""
        lo, hi = self.poses.world_bounds[k].tolist()
        near, far = 0.0, max_t
        for a in range(3):
            if abs(d[a]) < 1e-300:
                if o[a] < lo[a] or o[a] > hi[a]:
                    return False
                continue
            t1, t2 = (lo[a] - o[a]) / d[a], (hi[a] - o[a]) / d[a]
            near, far = max(near, min(t1, t2)), min(far, max(t1, t2))
        return near <= far

    def rays(self, origins: np.ndarray, directions: np.ndarray) -> list[RayHit | None]:
        """First hits of many rays at once (no exclusions), one RayHit or None each."""
        return self.ray_hits(origins, directions).to_list()

    def ray_hits(self, origins: np.ndarray, directions: np.ndarray) -> RayHits:
        """First hits of many rays at once (no exclusions), as arrays.

        One query of the authored-pose scene answers every ray whose first hit is on an
        unmoved part; moved parts, and rays that first met a moved part's old place, are
        then asked part by part, one Embree call per part for all rays reaching its box.
        """
        o = np.asarray(origins, dtype=np.float64).reshape(-1, 3)
        d = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
        d = d / np.sqrt(np.einsum("ij,ij->i", d, d))[:, None]
        n, poses = len(o), self.poses
        if n == 0 or not poses.ids:
            return RayHits.empty(n, poses.ids)
        hit = self.static.run(o.astype(np.float32), d.astype(np.float32), output=1)
        geom_id = hit["geomID"].astype(np.intp)
        found = geom_id >= 0
        if not poses.moved:  # the authored-pose scene's answer is the answer
            best_t = np.where(found, hit["tfar"].astype(np.float64), np.inf)
            best_slot, best_prim = np.where(found, geom_id, -1), hit["primID"]
        else:
            moved = np.zeros(len(poses.ids) + 1, bool)  # last entry: "no hit" (geomID -1)
            moved[list(poses.moved)] = True
            kept = found & ~moved[geom_id]
            best_t = np.where(kept, hit["tfar"].astype(np.float64), np.inf)
            best_slot = np.where(kept, geom_id, -1)
            best_prim = np.where(kept, hit["primID"], -1)
            redo = found & moved[geom_id]
            near, far = self._slab(o, d, np.arange(len(poses.ids)))
            reach = far >= np.maximum(near, 0.0)
            for k in range(len(poses.ids)):
                rows = np.flatnonzero(reach[:, k] & (near[:, k] < best_t) & (moved[k] | redo))
                if len(rows):
                    self._query_part(k, o, d, rows, best_t, best_slot, best_prim)
        if self._table is None:
            self._table = HitTable(self.parts)
        return make_ray_hits(poses, self._table, o, d, best_t, best_slot, best_prim)

    def _slab(
        self, origins: np.ndarray, directions: np.ndarray, slots: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Entry/exit distances of rays (r, 3) against the posed boxes of ``slots``: (r, s) each."""
        # A zero direction component becomes tiny, so 0 * inf never makes a NaN.
        d = np.where(np.abs(directions) < 1e-300, 1e-300, directions)
        inv_d = (1.0 / d)[:, None, :]
        bounds = self.poses.world_bounds
        lo = (bounds[slots, 0][None] - origins[:, None, :]) * inv_d
        hi = (bounds[slots, 1][None] - origins[:, None, :]) * inv_d
        return np.minimum(lo, hi).max(axis=2), np.maximum(lo, hi).min(axis=2)

    def _query_part(
        self,
        k: int,
        o: np.ndarray,
        d: np.ndarray,
        rows: np.ndarray,
        best_t: np.ndarray,
        best_slot: np.ndarray,
        best_prim: np.ndarray,
    ) -> None:
        """Rays ``rows`` against part k in its frame; improves the best-so-far arrays in place."""
        inv = self.poses.inverse(k)
        hit = self.part_bvh(self.parts[k]).run(
            (o[rows] @ inv[:3, :3].T + inv[:3, 3]).astype(np.float32),
            (d[rows] @ inv[:3, :3].T).astype(np.float32),
            dists=np.minimum(best_t[rows], 3.0e38).astype(np.float32),
            output=1,
        )
        better = (hit["primID"] >= 0) & (hit["tfar"] < best_t[rows])
        rows = rows[better]
        best_t[rows] = hit["tfar"][better]
        best_slot[rows] = k
        best_prim[rows] = hit["primID"][better]
