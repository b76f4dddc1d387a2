"""Spatial queries on a scene: first ray hit, and parts near a point.

One Embree BVH per part (embreex, called directly: it is the structure trimesh's
``RayMeshIntersector`` wraps, without the per-call Python layers, measured in
bench/bench_pick.py), in the part's own frame, from the part node and its mesh-carrying
descendants. Moving a part only changes its 4x4 pose: rays are taken into the part frame
instead of rebuilding anything. Only triangles are pickable; lines and points are drawn,
never hit.

Single rays are latency-bound (several per 90 Hz frame) and on small arrays every NumPy
call costs microseconds, so ``ray`` first asks one Embree scene holding every part at its
authored pose (one call answers for all parts that have not moved), and then only the
parts that moved, each in its own frame after a box test. Measured on PM4: 35 us per ray
against 93 us for box-culling every part per ray. embreex copies triangles into Embree one
at a time (~1 s per million here), so the load builds only the all-parts scene; a part's
own BVH is built when it has first moved and a ray reaches its box, or ahead of that by
``prepare_part`` (the app's warm-up thread). Batched ``rays`` use the same split, one
Embree call per scene or part for all rays.

Proximity (``parts_near``) uses exact point-triangle distances (trimesh) on candidate
triangles found with SciPy k-d trees over triangle centroids, one per triangle size class
so CAD slivers do not widen every search, then box and bound pruning; like rays, one
search covers all unmoved parts at their authored poses, moved parts their own frames.
The all-parts trees are built with the index; a moved part's own tree on first need.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from embreex import rtcore_scene
from embreex.mesh_construction import TriangleMesh
from scipy.spatial import cKDTree
from trimesh.triangles import closest_point

from scenes.model import Scene
from scenes.transforms import posed_box, transform_points

#: Surfaces of moved/excluded parts the one-scene query may step over before ``ray``
#: falls back to asking every part separately.
MAX_STEP_OVERS = 8


@dataclass
class RayHit:
    """The first surface a ray meets. ``normal`` is the unit face normal, turned towards the ray."""

    node: int
    part: str | None
    point: np.ndarray
    normal: np.ndarray
    distance: float


class RayPoint(NamedTuple):
    """Where a ray first meets a part (``SceneIndex.ray_point``): the part of a RayHit that
    interaction needs every frame, without the normal's cost."""

    part: str
    point: np.ndarray
    distance: float


@dataclass
class _PartGeometry:
    """Triangles of one part in its local frame, with what the queries need."""

    triangles: np.ndarray  # (m, 3, 3) float32, part frame
    face_normals: np.ndarray  # (m, 3) float64
    face_nodes: np.ndarray  # (m,) node index that carries each triangle
    bounds: np.ndarray  # (2, 3) part-frame bounds
    _bvh: rtcore_scene.EmbreeScene | None = field(default=None)
    _near: _NearSearch | None = field(default=None)

    def bvh(self) -> rtcore_scene.EmbreeScene:
        """The part's own Embree BVH, in its frame: only a moved part needs one (unmoved
        parts are answered by the index's all-parts BVH), so it is built on first need and,
        like ``near_search``, published by one assignment."""
        if self._bvh is None:
            self._bvh = _embree_scene([self.triangles])
        return self._bvh

    def near_search(self) -> _NearSearch:
        """Built on first need; computed, then published by one assignment, so another
        thread may build it meanwhile (both give the same search)."""
        if self._near is None:
            self._near = _NearSearch(self.triangles)
        return self._near


class _NearSearch:
    """Triangles within a distance of a point: candidates by k-d tree, then a box test.

    Triangles are grouped by size (spread = largest centroid-to-corner distance, classes a
    factor 2 apart), each class with a k-d tree over centroids searched with radius + its
    largest spread: CAD slivers across a whole face then do not widen the search for the
    many small triangles. Tiny classes are box-tested directly. Boxes are precomputed.
    """

    def __init__(self, triangles: np.ndarray) -> None:
        centroids = triangles.mean(axis=1)
        arm = triangles - centroids[:, None]
        spread = np.sqrt(_corner_reduce(np.maximum, np.einsum("ijk,ijk->ij", arm, arm)))
        self.lo = _corner_reduce(np.minimum, triangles)
        self.hi = _corner_reduce(np.maximum, triangles)
        top = max(float(spread.max()), 1e-12) if len(spread) else 1e-12
        level = np.floor(np.log2(np.maximum(spread, 1e-12) / top)).clip(-24, 0)
        self.trees: list[tuple[cKDTree, np.ndarray, float]] = []
        few: list[np.ndarray] = []
        for lv in np.unique(level):
            ids = np.flatnonzero(level == lv)
            if len(ids) < 64:
                few.append(ids)
            else:
                self.trees.append((cKDTree(centroids[ids]), ids, float(spread[ids].max())))
        self.few_ids = np.concatenate(few) if few else np.zeros(0, np.intp)

    def near(self, p: np.ndarray, r: float) -> np.ndarray:
        """Ids of triangles whose bounding box lies within r of p (a superset of the answer)."""
        found = [
            ids[tree.query_ball_point(p, r + reach, return_sorted=False)]
            for tree, ids, reach in self.trees
        ]
        found.append(self.few_ids)
        ids = np.concatenate(found)
        gap = np.maximum(self.lo[ids] - p, 0.0) + np.maximum(p - self.hi[ids], 0.0)
        return ids[np.einsum("ij,ij->i", gap, gap) <= r * r]


def _corner_reduce(op: np.ufunc, per_corner: np.ndarray) -> np.ndarray:
    """``op`` over the 3 corners (axis 1) of per-triangle data, as two elementwise calls:
    NumPy reduces a length-3 axis 3-4x slower (measured on 1.2M triangles)."""
    return op(op(per_corner[:, 0], per_corner[:, 1]), per_corner[:, 2])


def _part_geometry(scene: Scene, part_node: int, nodes: list[int]) -> _PartGeometry | None:
    world = scene.world_matrix(part_node)
    if not _invertible(world):
        return None  # scaled to nothing (or to infinity): nothing there to pick
    to_part = np.linalg.inv(world)
    tris, owners = [], []
    for i in nodes:
        mesh = scene.nodes[i].mesh
        if mesh is None:
            continue
        local = to_part @ scene.world_matrix(i)
        for prim in scene.meshes[mesh].primitives:
            if prim.mode != "triangles" or prim.triangle_count == 0:
                continue
            verts = transform_points(local, prim.positions.astype(np.float64))
            tris.append(verts[prim.indices.astype(np.intp)])
            owners.append(np.full(len(prim.indices), i, dtype=np.int64))
    if not tris:
        return None
    triangles = np.concatenate(tris)
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)
    triangles = triangles.astype(np.float32)
    flat = triangles.reshape(-1, 3)
    bounds = np.stack([flat.min(0), flat.max(0)]).astype(np.float64)
    return _PartGeometry(triangles, normals, np.concatenate(owners), bounds)


def _embree_scene(meshes: list[np.ndarray]) -> rtcore_scene.EmbreeScene:
    """An Embree scene of (m, 3, 3) float32 triangle meshes (geomID = list position), with
    its BVH built now (Embree builds it on the first query otherwise)."""
    scene = rtcore_scene.EmbreeScene()
    for triangles in meshes:
        TriangleMesh(scene, triangles)
    scene.run(np.zeros((1, 3), np.float32), np.ones((1, 3), np.float32))
    return scene


def _invertible(m: np.ndarray) -> bool:
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


def _box_corners(bounds: np.ndarray) -> np.ndarray:
    """(8, 3) corners of a (2, 3) box."""
    idx = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)])
    return bounds[idx, [0, 1, 2]]


class SceneIndex:
    """Ray picking and proximity for the parts of one scene, with movable part poses."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self._ids: list[str] = []
        self._geom: list[_PartGeometry] = []
        self._authored: list[np.ndarray] = []
        for part in scene.parts:
            geom = _part_geometry(scene, part.node, scene.part_nodes(part))
            if geom is None:
                continue  # lines/points only: drawn, not pickable
            self._ids.append(part.id)
            self._geom.append(geom)
            self._authored.append(scene.world_matrix(part.node).copy())
        self._slot = {pid: k for k, pid in enumerate(self._ids)}
        self._known = {p.id for p in scene.parts}
        n = len(self._ids)
        self._pose = np.array(self._authored).reshape(n, 4, 4)
        self._authored_rows = [m.tolist() for m in self._authored]
        self._inv = np.linalg.inv(self._pose) if n else np.zeros((0, 4, 4))
        #: slots whose ``_inv`` is out of date: inverted on the first query that needs it
        #: (a held part moves every frame, most frames no ray reaches it)
        self._inv_stale: set[int] = set()
        self._corners = np.array([_box_corners(g.bounds) for g in self._geom]).reshape(n, 8, 3)
        self._world_bounds = np.zeros((n, 2, 3))
        self._extra_poses: dict[str, np.ndarray] = {}
        for k in range(n):
            self._update_bounds(k)
        self._moved: set[int] = set()
        self._near_all: tuple[_NearSearch, np.ndarray, np.ndarray] | None = None
        # every part at its authored pose, in one BVH (geomID == slot) and one proximity
        # search, both built now so that the first pick or grab does not stall
        _, _, world_triangles = self._authored_near()
        starts = np.cumsum([0] + [len(g.triangles) for g in self._geom])
        self._static = _embree_scene(
            [world_triangles[a:b] for a, b in zip(starts[:-1], starts[1:], strict=True)]
        )
        size = (
            0.0
            if not n
            else float(np.max(self._world_bounds[:, 1].max(0) - self._world_bounds[:, 0].min(0)))
        )
        #: how far past a skipped surface the static query resumes
        self._step = max(size, 1e-9) * 1e-6

    # -- poses ------------------------------------------------------------------------
    def set_part_pose(self, part_id: str, world: np.ndarray) -> None:
        """Place a part (its node's world matrix); no acceleration structure is rebuilt."""
        world = np.asarray(world, dtype=np.float64)
        if world.shape != (4, 4) or not _invertible(world):
            raise ValueError("a part pose must be a finite, invertible 4x4 matrix")
        k = self._slot.get(part_id)
        if k is None:
            if part_id not in self._known:
                raise KeyError(part_id)
            self._extra_poses[part_id] = world.copy()  # a part without triangles
            return
        self._pose[k] = world
        self._inv_stale.add(k)
        self._update_bounds(k)
        if world.tolist() == self._authored_rows[k]:
            self._moved.discard(k)
        else:
            self._moved.add(k)

    def prepare_part(self, part_id: str) -> None:
        """Build the part's own BVH and proximity search now rather than at the first query
        after it moved (a caller's warm-up; each is published by one assignment)."""
        k = self._slot.get(part_id)
        if k is not None:
            self._geom[k].bvh()
            self._geom[k].near_search()

    def _inverse(self, k: int) -> np.ndarray:
        """(4, 4) inverse of part k's pose (computed when first needed after a move)."""
        if k in self._inv_stale:
            self._inv[k] = np.linalg.inv(self._pose[k])
            self._inv_stale.discard(k)
        return self._inv[k]

    def part_pose(self, part_id: str) -> np.ndarray:
        k = self._slot.get(part_id)
        if k is not None:
            return self._pose[k].copy()
        if part_id not in self._known:
            raise KeyError(part_id)
        pose = self._extra_poses.get(part_id)
        return (
            pose.copy()
            if pose is not None
            else self.scene.world_matrix(self.scene.part(part_id).node).copy()
        )

    def reset_poses(self) -> None:
        """Every part back to its authored pose."""
        self._extra_poses.clear()
        for k, pose in enumerate(self._authored):
            self.set_part_pose(self._ids[k], pose)

    def part_world_bounds(self, part_id: str) -> np.ndarray:
        """(2, 3) world bounds of the posed part.

        Parts without triangles (lines/points only, or scaled to nothing) use the box of
        what they have, or their origin when they have nothing.
        """
        k = self._slot.get(part_id)
        if k is not None:
            return self._world_bounds[k].copy()
        part = self.scene.part(part_id)
        pose = self.part_pose(part_id)
        authored = self.scene.node_bounds(self.scene.part_nodes(part))  # world, authored pose
        world = self.scene.world_matrix(part.node)
        if authored is None or not _invertible(world):
            return np.repeat(pose[None, :3, 3], 2, axis=0)
        corners = transform_points(pose @ np.linalg.inv(world), _box_corners(authored))
        return np.stack([corners.min(0), corners.max(0)])

    def _update_bounds(self, k: int) -> None:
        self._world_bounds[k] = posed_box(self._pose[k], self._corners[k])

    # -- rays ---------------------------------------------------------------------------
    def _slab(
        self, origins: np.ndarray, directions: np.ndarray, slots: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Entry/exit distances of rays (r, 3) against the posed boxes of ``slots``: (r, s) each."""
        # A zero direction component becomes tiny, so 0 * inf never makes a NaN.
        d = np.where(np.abs(directions) < 1e-300, 1e-300, directions)
        inv_d = (1.0 / d)[:, None, :]
        lo = (self._world_bounds[slots, 0][None] - origins[:, None, :]) * inv_d
        hi = (self._world_bounds[slots, 1][None] - origins[:, None, :]) * inv_d
        return np.minimum(lo, hi).max(axis=2), np.maximum(lo, hi).min(axis=2)

    def _slots(self, exclude: Collection[str]) -> np.ndarray:
        if not exclude:
            return np.arange(len(self._ids))
        return np.array([k for k, pid in enumerate(self._ids) if pid not in exclude], dtype=np.intp)

    def ray(
        self,
        origin: np.ndarray,
        direction: np.ndarray,
        max_distance: float = np.inf,
        exclude: Collection[str] = (),
    ) -> RayHit | None:
        """The first triangle the ray hits within ``max_distance`` (world units), or None."""
        found = self._first(origin, direction, max_distance, exclude)
        return None if found is None else self._make_hit(*found)

    def ray_point(
        self,
        origin: np.ndarray,
        direction: np.ndarray,
        max_distance: float = np.inf,
        exclude: Collection[str] = (),
    ) -> RayPoint | None:
        """``ray`` without the surface normal: the part and point hit (the same bits)."""
        found = self._first(origin, direction, max_distance, exclude)
        if found is None:
            return None
        k, _, o, d, t = found
        return RayPoint(self._ids[k], o + t * d, t)

    def _first(
        self, origin: np.ndarray, direction: np.ndarray, max_distance: float, exclude: Collection[str]
    ) -> tuple[int, int, np.ndarray, np.ndarray, float] | None:
        """(slot, triangle, origin, unit direction, distance) of the first hit, or None."""
        o = np.asarray(origin, dtype=np.float64).reshape(3)
        d = np.asarray(direction, dtype=np.float64).reshape(3)
        d = d / math.sqrt(float(d.dot(d)))  # .dot: the same BLAS call as @, a third of its cost
        if not self._ids:
            return None
        excluded = {self._slot[pid] for pid in exclude if pid in self._slot}
        skip = self._moved | excluded
        best_t, best = min(float(max_distance), 3.0e38), None
        # Python floats for the per-ray scalar work (the same IEEE arithmetic, none of
        # NumPy's per-call cost on 3-vectors)
        o_list, d_list = o.tolist(), d.tolist()
        d32 = np.array([d_list], np.float32)
        # 1. unmoved parts: one query; a hit on a moved/excluded part is stepped over
        start, resolved, stepped = 0.0, False, []
        for _ in range(MAX_STEP_OVERS):
            hit = self._static.run(
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
            start = stepped[-1] + self._step
        # 2. moved parts one by one; also unmoved parts touching a stepped-over surface
        #    (a coplanar face of theirs was skipped with it), or all if stepping did not settle
        todo = set(self._moved) if resolved else set(range(len(self._ids)))
        if stepped and resolved:
            pts = o + np.array(stepped)[:, None] * d
            lo, hi = self._world_bounds[:, 0] - self._step, self._world_bounds[:, 1] + self._step
            touching = (
                ((pts[None] >= lo[:, None]) & (pts[None] <= hi[:, None])).all(axis=2).any(axis=1)
            )
            todo.update(np.flatnonzero(touching).tolist())
        for k in todo:
            if k in excluded or not self._box_hit(k, o_list, d_list, best_t):
                continue
            inv = self._inverse(k)
            hit = self._geom[k].bvh().run(
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
        lo, hi = self._world_bounds[k].tolist()
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
        """First hits of many rays at once (no exclusions).

        One query of the authored-pose scene answers every ray whose first hit is on an
        unmoved part; moved parts, and rays that first met a moved part's old place, are
        then asked part by part, one Embree call per part for all rays reaching its box.
        """
        o = np.asarray(origins, dtype=np.float64).reshape(-1, 3)
        d = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
        d = d / np.linalg.norm(d, axis=1, keepdims=True)
        n = len(o)
        if n == 0 or not self._ids:
            return [None] * n
        hit = self._static.run(o.astype(np.float32), d.astype(np.float32), output=1)
        geom_id = hit["geomID"].astype(np.intp)
        moved = np.zeros(len(self._ids) + 1, bool)  # last entry: "no hit" (geomID -1)
        moved[list(self._moved)] = True
        kept = (geom_id >= 0) & ~moved[geom_id]
        best_t = np.where(kept, hit["tfar"].astype(np.float64), np.inf)
        best_slot = np.where(kept, geom_id, -1)
        best_prim = np.where(kept, hit["primID"], -1)
        redo = (geom_id >= 0) & moved[geom_id]
        if self._moved:
            near, far = self._slab(o, d, np.arange(len(self._ids)))
            reach = far >= np.maximum(near, 0.0)
            for k in range(len(self._ids)):
                rows = np.flatnonzero(reach[:, k] & (near[:, k] < best_t) & (moved[k] | redo))
                if len(rows):
                    self._query_part(k, o, d, rows, best_t, best_slot, best_prim)
        return self._make_hits(o, d, best_t, best_slot, best_prim)

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
        inv = self._inverse(k)
        hit = self._geom[k].bvh().run(
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

    def _make_hits(
        self, o: np.ndarray, d: np.ndarray, t: np.ndarray, slot: np.ndarray, prim: np.ndarray
    ) -> list[RayHit | None]:
        """RayHits for a batch, normals and points computed for all rays at once."""
        hit = np.flatnonzero(slot >= 0)
        out: list[RayHit | None] = [None] * len(o)
        if len(hit) == 0:
            return out
        face_n = np.zeros((len(hit), 3))
        nodes = np.zeros(len(hit), np.int64)
        for k in np.unique(slot[hit]):
            sel = slot[hit] == k
            geom = self._geom[k]
            face_n[sel] = geom.face_normals[prim[hit][sel]] @ self._inverse(k)[:3, :3]
            nodes[sel] = geom.face_nodes[prim[hit][sel]]
        face_n /= np.maximum(np.linalg.norm(face_n, axis=1, keepdims=True), 1e-300)
        face_n *= np.where(np.einsum("ij,ij->i", face_n, d[hit]) > 0, -1.0, 1.0)[:, None]
        points = o[hit] + t[hit, None] * d[hit]
        for j, r in enumerate(hit.tolist()):
            out[r] = RayHit(
                node=int(nodes[j]),
                part=self._ids[slot[r]],
                point=points[j],
                normal=face_n[j],
                distance=float(t[r]),
            )
        return out

    def _make_hit(
        self, k: int, prim: int, origin: np.ndarray, direction: np.ndarray, t: float
    ) -> RayHit:
        geom = self._geom[k]
        normal = self._inverse(k)[:3, :3].T @ geom.face_normals[prim]
        length = math.sqrt(float(normal @ normal)) or 1.0
        normal = normal * (-1.0 / length if float(normal @ direction) > 0 else 1.0 / length)
        return RayHit(
            node=int(geom.face_nodes[prim]),
            part=self._ids[k],
            point=origin + t * direction,
            normal=normal,
            distance=t,
        )

    # -- proximity ------------------------------------------------------------------------
    def parts_near(
        self, point: np.ndarray, radius: float, exclude: Collection[str] = ()
    ) -> list[tuple[str, float]]:
        """Parts whose surface is within ``radius`` of ``point``: (part id, distance), nearest first.

        Like ``ray``: one search over every unmoved part at its authored pose, then the moved
        parts in their own frames; all exact distances are computed in one vectorised call
        (per-call NumPy overhead, not arithmetic, is what costs here).
        """
        p = np.asarray(point, dtype=np.float64).reshape(3)
        if not self._ids:
            return []
        skip = np.zeros(len(self._ids), bool)
        skip[[self._slot[pid] for pid in exclude if pid in self._slot]] = True
        moved = np.zeros(len(self._ids), bool)
        moved[list(self._moved)] = True
        # (triangles, query point in their frame, owning slot per triangle, pose or None)
        groups: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]] = []
        search, owner, world_tris = self._authored_near()
        ids = search.near(p, radius)
        ids = ids[~(skip | moved)[owner[ids]]]
        if len(ids):
            tris = world_tris[ids].astype(np.float64)
            keep = _may_be_nearest(tris, p, owner[ids], len(self._ids))
            groups.append((tris[keep], p, owner[ids[keep]], None))
        for k in self._moved:
            lo, hi = self._world_bounds[k]
            if skip[k] or np.any(p < lo - radius) or np.any(p > hi + radius):
                continue
            found = self._candidates(k, p, radius)
            if found is not None:
                groups.append((found[0], found[1], np.full(len(found[0]), k), self._pose[k]))
        if not groups:
            return []
        with np.errstate(invalid="ignore", divide="ignore"):
            closest = closest_point(
                np.concatenate([g[0] for g in groups]),
                np.concatenate([np.broadcast_to(g[1], (len(g[0]), 3)) for g in groups]),
            )
        start, dist = 0, []
        for tris, _, _, pose in groups:
            c = closest[start : start + len(tris)]
            start += len(tris)
            dist.append(
                np.linalg.norm((c if pose is None else transform_points(pose, c)) - p, axis=1)
            )
        # zero-area triangles give NaN; their neighbours cover the same surface
        d = np.nan_to_num(np.concatenate(dist), nan=np.inf)
        owners = np.concatenate([g[2] for g in groups])
        order = np.lexsort((d, owners))  # per owner, nearest first
        first = order[np.r_[True, owners[order][1:] != owners[order][:-1]]]
        return sorted(
            ((self._ids[owners[i]], float(d[i])) for i in first if d[i] <= radius),
            key=lambda item: item[1],
        )

    def _authored_near(self) -> tuple[_NearSearch, np.ndarray, np.ndarray]:
        """(search over all triangles at the authored poses, owning slot, world triangles)."""
        if self._near_all is None:
            world = [
                transform_points(self._authored[k], g.triangles.reshape(-1, 3)).reshape(-1, 3, 3)
                for k, g in enumerate(self._geom)
            ]
            tris = np.concatenate([np.zeros((0, 3, 3))] + world).astype(np.float32)
            owner = np.concatenate(
                [np.zeros(0, np.int64)] + [np.full(len(g.triangles), k) for k, g in enumerate(self._geom)]
            )
            self._near_all = (_NearSearch(tris), owner, tris)
        return self._near_all

    def _candidates(
        self, k: int, p: np.ndarray, radius: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """(triangles (c, 3, 3) in part k's frame that may lie within ``radius`` of p, local p)."""
        inv = self._inverse(k)
        local_p = inv[:3, :3] @ p + inv[:3, 3]
        # the largest stretch the inverse pose applies: a world radius is at most this long locally
        local_r = radius * float(np.linalg.norm(inv[:3, :3], ord=2))
        geom = self._geom[k]
        tris = geom.triangles[geom.near_search().near(local_p, local_r)].astype(np.float64)
        tris = tris[_may_be_nearest(tris, local_p, np.zeros(len(tris), np.intp), 1)]
        return (tris, local_p) if len(tris) else None


def _may_be_nearest(
    tris: np.ndarray, p: np.ndarray, owner: np.ndarray, n_owners: int
) -> np.ndarray:
    """Mask of triangles that can still be their owner's nearest to p.

    A triangle's box distance is a lower bound and its nearest corner an upper bound of its
    true distance; one whose lower bound exceeds the best upper bound of its owner cannot be
    that owner's nearest. In dense meshes this cuts tens of thousands of exact tests to a few.
    (Exact in the frame used; part poses are rigid or uniformly scaled, so order is kept.)
    """
    corner = tris - p
    # box distance, per axis: 0 if p is inside the triangle's extent, else the nearer side
    gap = np.maximum(np.maximum(-corner.max(axis=1), corner.min(axis=1)), 0.0)
    lower = np.einsum("ij,ij->i", gap, gap)
    upper = np.einsum("ijk,ijk->ij", corner, corner).min(axis=1)
    best = np.full(n_owners, np.inf)
    np.minimum.at(best, owner, upper)
    return lower <= best[owner] * (1 + 1e-9)
