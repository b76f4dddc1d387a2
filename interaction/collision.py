"""Interpenetration of held parts with the rest of the scene, via python-fcl.

Each part gets an FCL BVH (OBB-RSS) of its triangles in its rigid frame, built once;
moving a part only changes its FCL transform. Why FCL rather than rays through Embree:
a triangle-mesh vs triangle-mesh test is what FCL's BVH traversal does natively
(~10-100 µs for our parts), while a ray-based test samples edges and misses faces.

Touching is not colliding: mated CAD parts share faces, and FCL's mesh-mesh
``penetration_depth`` is not a usable depth (it reports ~1 for two boxes that merely
touch). So the *moving* part is tested as an inset copy — every triangle pushed inward
along its own normal and its edges pulled in by the tolerance — against the other parts' exact surfaces:
faces that touch (or overlap by less than the tolerance) do not meet; a real
interpenetration deeper than the tolerance does.
"""

from __future__ import annotations

import fcl
import numpy as np

from interaction.part_geometry import PartGeometry

_CORNERS = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=float)


def _bvh(vertices: np.ndarray, faces: np.ndarray) -> fcl.BVHModel:
    model = fcl.BVHModel()
    model.beginModel(len(vertices), len(faces))
    model.addSubModel(np.ascontiguousarray(vertices, dtype=np.float64), np.ascontiguousarray(faces, dtype=np.int32))
    model.endModel()
    return model


def inset_triangles(vertices: np.ndarray, faces: np.ndarray, depth: float) -> tuple[np.ndarray, np.ndarray]:
    """A triangle soup shrunk by ``depth``: each triangle moved inward along its normal
    and its edges pulled in by ``depth`` (scaled about its incentre), so faces and edges
    that merely touch another surface no longer reach it.

    Inward is decided by the sign of the mesh's volume (so inverted windings work).
    Slivers narrower than the tolerance (CAD tessellations are full of them) shrink to
    5 % of their size instead of vanishing, so the surface stays closed enough to catch
    penetrations; degenerate triangles are dropped.
    """
    tri = vertices[faces]  # (m, 3, 3)
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    signed_volume = float(np.einsum("ij,ij->", tri[:, 0], normal)) / 6.0
    double_area = np.linalg.norm(normal, axis=1)
    edges = np.stack([np.linalg.norm(tri[:, (k + 1) % 3] - tri[:, (k + 2) % 3], axis=1) for k in range(3)], axis=1)
    perimeter = edges.sum(axis=1)
    keep = double_area > 1e-12 * np.maximum(perimeter, 1e-300) ** 2
    tri, normal, double_area, edges, perimeter = tri[keep], normal[keep], double_area[keep], edges[keep], perimeter[keep]
    unit = normal / double_area[:, None]
    inward = -unit if signed_volume >= 0 else unit
    incentre = np.einsum("ik,ikj->ij", edges, tri) / perimeter[:, None]
    inradius = double_area / perimeter
    shrink = np.clip((inradius - depth) / inradius, 0.05, 1.0)[:, None, None]
    soup = (incentre[:, None, :] + shrink * (tri - incentre[:, None, :]) + depth * inward[:, None, :]).reshape(-1, 3)
    return soup, np.arange(len(soup), dtype=np.int32).reshape(-1, 3)


class CollisionWorld:
    """FCL objects for every part; poses are rigid (4, 4) frames (see part_geometry)."""

    def __init__(self, geometries: dict[str, PartGeometry], tolerance_m: float) -> None:
        self.tolerance_m = tolerance_m
        self._ids = list(geometries)
        self._geom = geometries
        self._objects: dict[str, fcl.CollisionObject] = {}
        self._inset: dict[str, fcl.CollisionObject] = {}
        n = len(self._ids)
        self._local_box = np.zeros((n, 2, 3))
        self._world_box = np.zeros((n, 2, 3))
        self._row = {pid: i for i, pid in enumerate(self._ids)}
        self._has_triangles = np.zeros(n, dtype=bool)
        self._frames: dict[str, np.ndarray] = {}
        self._no_inset: set[str] = set()
        for i, pid in enumerate(self._ids):
            g = geometries[pid]
            if g.triangle_count:
                self._has_triangles[i] = True
                self._objects[pid] = fcl.CollisionObject(_bvh(g.vertices, g.faces))
                self._local_box[i] = [g.vertices.min(axis=0), g.vertices.max(axis=0)]
            self.set_frame(pid, g.authored_rigid)

    def set_frame(self, part_id: str, frame: np.ndarray) -> None:
        self._frames[part_id] = frame
        i = self._row[part_id]
        lo, hi = self._local_box[i]
        corners = (lo + _CORNERS * (hi - lo)) @ frame[:3, :3].T + frame[:3, 3]
        self._world_box[i] = [corners.min(axis=0), corners.max(axis=0)]
        obj = self._objects.get(part_id)
        if obj is not None:
            tf = fcl.Transform(frame[:3, :3], frame[:3, 3])
            obj.setTransform(tf)
            inset = self._inset.get(part_id)
            if inset is not None:
                inset.setTransform(tf)

    def _inset_object(self, part_id: str) -> fcl.CollisionObject | None:
        obj = self._inset.get(part_id)
        if obj is None:
            g = self._geom[part_id]
            soup, faces = inset_triangles(g.vertices, g.faces, self.tolerance_m)
            if len(faces) == 0:  # only degenerate triangles: nothing can penetrate
                self._no_inset.add(part_id)
                return None
            obj = fcl.CollisionObject(_bvh(soup, faces))
            obj.setTransform(self._objects[part_id].getTransform())
            self._inset[part_id] = obj
        return obj

    def colliding_with(self, part_id: str, ignore: frozenset[str] = frozenset()) -> list[str]:
        """Parts the (moving) part interpenetrates by more than the tolerance, sorted."""
        if part_id not in self._objects or part_id in self._no_inset:
            return []
        i = self._row[part_id]
        lo, hi = self._world_box[i]
        overlap = np.all((self._world_box[:, 0] <= hi) & (self._world_box[:, 1] >= lo), axis=1)
        overlap &= self._has_triangles
        overlap[i] = False
        moving = self._inset_object(part_id)
        if moving is None:
            return []
        hits = []
        for j in np.flatnonzero(overlap):
            other = self._ids[j]
            if other in ignore:
                continue
            result = fcl.CollisionResult()
            if fcl.collide(moving, self._objects[other], fcl.CollisionRequest(), result):
                hits.append(other)
        return sorted(hits)

    def colliding_at(self, part_id: str, frame: np.ndarray, ignore: frozenset[str] = frozenset()) -> list[str]:
        """What ``colliding_with`` would say with the part at ``frame`` (a probe for path
        planning: the part's real frame is restored afterwards)."""
        saved = self._frames[part_id]
        self.set_frame(part_id, frame)
        try:
            return self.colliding_with(part_id, ignore)
        finally:
            self.set_frame(part_id, saved)

    def clearance(self, a: str, b: str) -> float:
        """Smallest distance in metres between two parts' surfaces (0 when they meet)."""
        if a not in self._objects or b not in self._objects:
            return float("nan")
        result = fcl.DistanceResult()
        d = fcl.distance(self._objects[a], self._objects[b], fcl.DistanceRequest(), result)
        return max(0.0, float(d))
