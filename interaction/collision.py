"""Interpenetration of held parts with the rest of the scene, via python-fcl.

Each part gets an FCL BVH (OBB-RSS) of its triangles in its rigid frame, built once, when
a test first needs it (boxes meet; about 4 s per million triangles, so not at load: the
app's warm-up thread builds them ahead through ``Engine.prepare``); moving a part only
changes its FCL transform. Why FCL rather than rays through Embree:
a triangle-mesh vs triangle-mesh test is what FCL's BVH traversal does natively
(~10-100 µs for our parts), while a ray-based test samples edges and misses faces.

Touching is not colliding: mated CAD parts share faces, and FCL's mesh-mesh
``penetration_depth`` is not a usable depth (it reports ~1 for two boxes that merely
touch). So the *moving* part is tested as an inset copy — its surface offset inward by
the tolerance along vertex normals — against the other parts' exact surfaces:
faces that touch (or overlap by less than the tolerance) do not meet; a real
interpenetration deeper than the tolerance does.
"""

from __future__ import annotations

import weakref

import fcl
import numpy as np

from interaction.part_geometry import PartGeometry
from scenes.transforms import posed_box
from scenes.vertex_normals import welded_normals

_CORNERS = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=float)


def bvh_model(vertices: np.ndarray, faces: np.ndarray) -> fcl.BVHModel:
    model = fcl.BVHModel()
    model.beginModel(len(vertices), len(faces))
    model.addSubModel(np.ascontiguousarray(vertices, dtype=np.float64), np.ascontiguousarray(faces, dtype=np.int32))
    model.endModel()
    return model


def inset_triangles(vertices: np.ndarray, faces: np.ndarray, depth: float) -> tuple[np.ndarray, np.ndarray]:
    """The surface offset inward by about ``depth``: vertices are welded by position, then
    each moves ``depth`` against its angle-weighted vertex normal. Faces and edges that
    merely touch another surface are then lifted off it: each vertex goes as far as
    needed for every face plane through it to move by ``depth`` (capped at 3x), whatever the triangle shapes (CAD slivers included).

    Inward is decided by the sign of the mesh's volume (so inverted windings work).
    """
    tri = vertices[faces]  # (m, 3, 3)
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    signed_volume = float(np.einsum("ij,ij->", tri[:, 0], cross)) / 6.0
    length = np.linalg.norm(cross, axis=1, keepdims=True)
    unit = np.divide(cross, length, out=np.zeros_like(cross), where=length > 0)
    positions, corners, normals, lowest = welded_normals(vertices, faces, tri, unit)
    # stretch so every incident face plane moves by the full depth (3x at most, sharp edges)
    reach = depth / np.clip(lowest, 1.0 / 3.0, 1.0)
    inward = -1.0 if signed_volume >= 0 else 1.0
    return positions + inward * reach[:, None] * normals, corners.astype(np.int32)


#: BVHs are immutable, so every CollisionWorld built on the same PartGeometry (engines are
#: rebuilt on tolerance or scenario edits) shares them; building them is the slow part.
#: Entries are computed, then published by one assignment: a warm-up thread
#: (Engine.prepare) and the step may both build one, and get the same model.
_EXACT: weakref.WeakKeyDictionary[PartGeometry, fcl.BVHModel] = weakref.WeakKeyDictionary()
_INSET: weakref.WeakKeyDictionary[PartGeometry, dict[float, fcl.BVHModel | None]] = weakref.WeakKeyDictionary()


def exact_bvh(g: PartGeometry) -> fcl.BVHModel:
    """The part's surface BVH in its rigid frame (shared by identical parts: ``g.shape``)."""
    g = g.shape
    model = _EXACT.get(g)
    if model is None:
        model = _EXACT[g] = bvh_model(g.vertices, g.faces)
    return model


def inset_bvh(g: PartGeometry, depth: float) -> fcl.BVHModel | None:
    """The inset BVH (None when nothing is left of the part after insetting); shared by
    identical parts (``g.shape``)."""
    g = g.shape
    per_depth = _INSET.setdefault(g, {})
    if depth not in per_depth:
        soup, faces = inset_triangles(g.vertices, g.faces, depth)
        per_depth[depth] = bvh_model(soup, faces) if len(faces) else None
    return per_depth[depth]


class CollisionWorld:
    """FCL objects for every part; poses are rigid (4, 4) frames (see part_geometry)."""

    def __init__(self, geometries: dict[str, PartGeometry], tolerance_m: float) -> None:
        self.tolerance_m = tolerance_m
        self._ids = list(geometries)
        self._geom = geometries
        #: parts with triangles: the only ones that can collide
        self._solid = {pid for pid, g in geometries.items() if g.triangle_count}
        #: exact-surface objects, made on first need (see ``_object``)
        self._objects: dict[str, fcl.CollisionObject] = {}
        self._inset: dict[str, fcl.CollisionObject] = {}
        n = len(self._ids)
        #: per part, the 8 corners of its box in its rigid frame (posed by ``set_frame``)
        self._local_corners = np.zeros((n, 8, 3))
        #: per part, its posed world box as [min, -max]: box j overlaps box i exactly when
        #: ``boxes[j] <= probes[i]`` (= [max_i, -min_i]) on all six, one comparison for all
        #: parts (the broad phase runs every frame, and on small arrays each NumPy call costs
        #: microseconds). +inf for parts without triangles: they overlap nothing.
        self._boxes = np.full((n, 6), np.inf)
        self._probes = np.zeros((n, 6))
        self._row = {pid: i for i, pid in enumerate(self._ids)}
        self._frames: dict[str, np.ndarray] = {}
        #: scratch transform, refilled per move (FCL objects copy it)
        self._tf = fcl.Transform()
        self._no_inset: set[str] = set()
        #: a yes/no answer is all we need: FCL stops at the first intersecting triangle pair
        self._request = fcl.CollisionRequest(num_max_contacts=1, enable_contact=False)
        for i, pid in enumerate(self._ids):
            g = geometries[pid]
            if g.triangle_count:
                lo, hi = g.vertices.min(axis=0), g.vertices.max(axis=0)
                self._local_corners[i] = lo + _CORNERS * (hi - lo)
            self.set_frame(pid, g.authored_rigid)

    def set_frame(self, part_id: str, frame: np.ndarray) -> None:
        self._frames[part_id] = frame
        if part_id not in self._solid:
            return
        i = self._row[part_id]
        lo, hi = posed_box(frame, self._local_corners[i])
        self._boxes[i] = lo + [-x for x in hi]
        self._probes[i] = hi + [-x for x in lo]
        obj, inset = self._objects.get(part_id), self._inset.get(part_id)
        if obj is not None or inset is not None:
            tf = self._transform(frame)
            if obj is not None:
                obj.setTransform(tf)
            if inset is not None:
                inset.setTransform(tf)

    def _transform(self, frame: np.ndarray) -> fcl.Transform:
        """The scratch transform set to ``frame`` (FCL objects copy it)."""
        tf = self._tf
        tf.setRotation(frame[:3, :3])
        tf.setTranslation(frame[:3, 3])
        return tf

    def _object(self, part_id: str) -> fcl.CollisionObject:
        """The part's exact-surface object at its frame (made, with its BVH, on first need)."""
        obj = self._objects.get(part_id)
        if obj is None:
            obj = fcl.CollisionObject(exact_bvh(self._geom[part_id]))
            obj.setTransform(self._transform(self._frames[part_id]))
            self._objects[part_id] = obj
        return obj

    def _inset_object(self, part_id: str) -> fcl.CollisionObject | None:
        obj = self._inset.get(part_id)
        if obj is None:
            model = inset_bvh(self._geom[part_id], self.tolerance_m)
            if model is None:  # only degenerate triangles: nothing can penetrate
                self._no_inset.add(part_id)
                return None
            obj = fcl.CollisionObject(model)
            obj.setTransform(self._transform(self._frames[part_id]))
            self._inset[part_id] = obj
        return obj

    def colliding_with(self, part_id: str, ignore: frozenset[str] = frozenset()) -> list[str]:
        """Parts the (moving) part interpenetrates by more than the tolerance, sorted."""
        if part_id not in self._solid or part_id in self._no_inset:
            return []
        i = self._row[part_id]
        moving = self._inset_object(part_id)
        if moving is None:
            return []
        overlap = (self._boxes <= self._probes[i]).all(axis=1)
        hits = []
        for j in overlap.nonzero()[0].tolist():
            other = self._ids[j]
            if j == i or other in ignore:
                continue
            if fcl.collide(moving, self._object(other), self._request, fcl.CollisionResult()):
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
        if a not in self._solid or b not in self._solid:
            return float("nan")
        result = fcl.DistanceResult()
        d = fcl.distance(self._object(a), self._object(b), fcl.DistanceRequest(), result)
        return max(0.0, float(d))
