"""Embree BVHs built in slices a background build can share the interpreter with.

embreex holds the GIL while it copies a mesh into Embree and while Embree builds the BVH
(about 0.2 s per million triangles, all cores): one call over a 1.2 M-triangle model kept
the window from running for 0.3-0.5 s even though the build ran on another thread. Large
inputs are therefore split: meshes into pieces of at most ``PIECE_TRIANGLES`` (one copy
call each) and the pieces into Embree scenes of at most ``GROUP_TRIANGLES`` (one BVH build
each), so no single call holds the GIL for more than a few tens of milliseconds. A query
asks each scene whose box the ray reaches before its nearest hit so far, and answers as
one Embree scene would: ``geomID`` is the mesh's position in the input list and
``primID`` the triangle's index in that mesh.

A mesh is either (m, 3, 3) float32 triangles or a (vertices (n, 3) float32, faces (m, 3)
int32) pair. The pair is copied into Embree in about half the time: embreex copies
element by element in Python-object steps (about 0.16 µs a coordinate here), and a
triangle soup has three corners a triangle where a CAD mesh shares most of them
(measured: 0.9 µs a triangle as soup, 0.45-0.6 µs indexed).

Inputs up to ``GROUP_TRIANGLES`` stay one Embree scene with one geometry per mesh, queried
directly: the small scenes that interaction runs on most keep their single-call latency.

Large batches (``WHOLE_AFTER_RAYS`` rays and more: a heatmap, a sampler, a report) are
not interactive, and there the slices cost: a ray crosses about 1.7 of the 9 slice BVHs of
a 1.2 M-triangle model, 0.55 µs a ray against 0.28 µs through one BVH of the whole. So the
first such batch builds one whole-model Embree scene (one GIL-holding call, ~0.3 s per
million triangles), and batches use it from then on.
"""

from __future__ import annotations

from typing import Union

import numpy as np
from embreex import rtcore_scene
from embreex.mesh_construction import TriangleMesh

#: most triangles copied into Embree by one call (~14 ms indexed, ~25 ms as soup here,
#: unloaded; a loaded machine stretches a call severalfold, hence the margin)
PIECE_TRIANGLES = 25_000
#: most triangles in one Embree scene, whose BVH one call builds (~35 ms here)
GROUP_TRIANGLES = 150_000
#: a batch of at least this many rays goes through one whole-model BVH, built for it once
WHOLE_AFTER_RAYS = 4096

#: (m, 3, 3) triangles, or (vertices (n, 3), faces (m, 3))
Mesh = Union[np.ndarray, tuple[np.ndarray, np.ndarray]]


def triangle_count(mesh: Mesh) -> int:
    return len(mesh[1]) if isinstance(mesh, tuple) else len(mesh)


def _add(scene: rtcore_scene.EmbreeScene, mesh: Mesh) -> None:
    """One Embree geometry for a mesh (soup or indexed)."""
    if isinstance(mesh, tuple):
        TriangleMesh(scene, mesh[0], mesh[1])
    else:
        TriangleMesh(scene, mesh)


def _slice(mesh: Mesh, start: int, stop: int) -> tuple[Mesh, np.ndarray]:
    """Triangles start:stop of a mesh as a mesh of their own, and their (2, 3) box."""
    if not isinstance(mesh, tuple):
        piece = mesh[start:stop]
        flat = piece.reshape(-1, 3)
        return piece, np.stack([flat.min(0), flat.max(0)])
    vertices, faces = mesh
    f = faces[start:stop]
    lo, hi = int(f.min()), int(f.max()) + 1
    if (start == 0 and stop == len(faces)) or hi - lo <= len(f):
        v, f = vertices[lo:hi], (f - lo).astype(np.int32)
    else:  # more corners in reach than a shared mesh has (~0.6 a triangle): copy only those used
        used, inverse = np.unique(f, return_inverse=True)
        v, f = vertices[used], inverse.reshape(-1, 3).astype(np.int32)
    v = np.ascontiguousarray(v, dtype=np.float32)
    return (v, np.ascontiguousarray(f)), np.stack([v.min(0), v.max(0)])


class _Group:
    """One Embree scene over pieces of meshes: geometry g is triangles
    ``base[g]:base[g] + count`` of mesh ``mesh[g]``; ``bounds`` (2, 3) is its box."""

    def __init__(self, pieces: list[tuple[int, int, Mesh, np.ndarray]]) -> None:
        self.scene = rtcore_scene.EmbreeScene()
        for _, _, piece, _ in pieces:
            _add(self.scene, piece)
        self.mesh = np.array([m for m, _, _, _ in pieces], np.int32)
        self.base = np.array([b for _, b, _, _ in pieces], np.int32)
        boxes = np.array([box for _, _, _, box in pieces], np.float64)
        self.bounds = np.stack([boxes[:, 0].min(0), boxes[:, 1].max(0)])
        _build(self.scene)


def _build(scene: rtcore_scene.EmbreeScene) -> None:
    """Build the BVH now (Embree builds it on the first query otherwise)."""
    scene.run(np.zeros((1, 3), np.float32), np.ones((1, 3), np.float32))


class GroupedBVH:
    """First hits against triangle meshes (see ``Mesh`` and the module docstring).
    ``run(origins, directions, dists=None, output=1)`` is Embree's."""

    def __init__(self, meshes: list[Mesh]) -> None:
        if sum(triangle_count(m) for m in meshes) <= GROUP_TRIANGLES:
            scene = rtcore_scene.EmbreeScene()
            for mesh in meshes:
                _add(scene, mesh)
            _build(scene)
            self.groups: list[_Group] = []
            self.run = scene.run
            return
        self.groups = [_Group(pieces) for pieces in _grouped(meshes)]
        self._meshes = meshes  # for the whole-model BVH of large batches, built on first need
        self._whole: rtcore_scene.EmbreeScene | None = None
        #: (g, 2, 3) the groups' boxes, slightly grown so rounding never skips a hit
        bounds = np.array([g.bounds for g in self.groups])
        pad = 1e-5 * max(float(np.max(bounds[:, 1] - bounds[:, 0])), 1e-12)
        self.bounds = bounds + np.array([-pad, pad])[None, :, None]
        self._box_lists = [(b[0].tolist(), b[1].tolist()) for b in self.bounds]
        self.run = self._run_groups

    def _run_groups(
        self,
        origins: np.ndarray,
        directions: np.ndarray,
        dists: np.ndarray | None = None,
        output: int = 1,
    ) -> dict[str, np.ndarray]:
        """Each group asked, nearest boxes first, for only the rays that reach its box
        before their nearest hit so far (on a 1.2 M-triangle model a ray reaches about 1.7
        of the 9 boxes: one ray-box test for all rays and groups costs less than asking
        every group for every ray)."""
        origins = np.asarray(origins, np.float32).reshape(-1, 3)
        directions = np.asarray(directions, np.float32).reshape(-1, 3)
        n = len(origins)
        best_t = np.full(n, np.inf, np.float32) if dists is None else np.array(dists, np.float32).reshape(n)
        if n == 1:
            return self._run_one(origins, directions, best_t)
        if n >= WHOLE_AFTER_RAYS:
            hit = self._whole_scene().run(origins, directions, dists=best_t, output=1)
            return {"geomID": hit["geomID"], "primID": hit["primID"], "tfar": hit["tfar"]}
        mesh = np.full(n, -1, np.int32)
        prim = np.full(n, -1, np.int32)
        entry, reach = _box_entries(origins, directions, self.bounds)  # (g, n) each
        reach &= entry <= best_t
        # nearest boxes first, so that later groups search up to a nearer hit
        first = np.where(reach, entry, np.inf).min(axis=1)
        for g in np.argsort(first, kind="stable"):
            if not np.isfinite(first[g]):
                break
            alive = reach[g] & (entry[g] <= best_t)
            rows = np.flatnonzero(alive)
            if not len(rows):
                continue
            scene = self.groups[g].scene
            if len(rows) == n:
                hit = scene.run(origins, directions, dists=best_t, output=1)
                at = np.flatnonzero(hit["geomID"] >= 0)
                found = at
            else:
                hit = scene.run(origins[rows], directions[rows], dists=best_t[rows], output=1)
                at = np.flatnonzero(hit["geomID"] >= 0)
                found = rows[at]
            if len(found):
                group = self.groups[g]
                gf = hit["geomID"][at]
                mesh[found] = group.mesh[gf]
                prim[found] = hit["primID"][at] + group.base[gf]
                best_t[found] = hit["tfar"][at]
        return {"geomID": mesh, "primID": prim, "tfar": best_t}


    def _whole_scene(self) -> rtcore_scene.EmbreeScene:
        """One Embree scene over every mesh, as an ungrouped input gets (geometry = mesh)."""
        if self._whole is None:
            scene = rtcore_scene.EmbreeScene()
            for mesh in self._meshes:
                _add(scene, mesh)
            _build(scene)
            self._whole = scene
        return self._whole

    def _run_one(self, origin: np.ndarray, direction: np.ndarray, best_t: np.ndarray) -> dict[str, np.ndarray]:
        """One ray (the latency-bound case): boxes tested on Python floats, where NumPy's
        per-call cost would exceed the test, then the groups it reaches, in their order."""
        o, d = origin[0].tolist(), direction[0].tolist()
        mesh, prim, t = -1, -1, float(best_t[0])
        for group, (lo, hi) in zip(self.groups, self._box_lists, strict=True):
            near, far = 0.0, t
            for a in range(3):
                if d[a] == 0.0:
                    if o[a] < lo[a] or o[a] > hi[a]:
                        far = -1.0
                        break
                    continue
                t1, t2 = (lo[a] - o[a]) / d[a], (hi[a] - o[a]) / d[a]
                near, far = max(near, min(t1, t2)), min(far, max(t1, t2))
            if near > far:
                continue
            hit = group.scene.run(origin, direction, dists=np.array([t], np.float32), output=1)
            g = int(hit["geomID"][0])
            if g >= 0:
                mesh, prim = int(group.mesh[g]), int(hit["primID"][0]) + int(group.base[g])
                t = float(hit["tfar"][0])
        return {
            "geomID": np.array([mesh], np.int32),
            "primID": np.array([prim], np.int32),
            "tfar": np.array([t], np.float32),
        }


def _box_entries(origins: np.ndarray, directions: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(entry distance, reaches) (g, n) of rays (n, 3) into boxes (g, 2, 3): where a ray
    meets a box (entry clamped to 0 for an origin inside it). One axis at a time, boxes
    by rows, so every NumPy loop runs along the rays (an (n, g) layout ran 3x slower)."""
    d = np.where(np.abs(directions) < 1e-30, np.float32(1e-30), directions)
    inv = np.ascontiguousarray((np.float32(1.0) / d).T)  # a zero component becomes huge: no 0 * inf
    o = np.ascontiguousarray(origins.T)
    lo, hi = bounds[:, 0].astype(np.float32), bounds[:, 1].astype(np.float32)
    near = far = None
    for axis in range(3):
        a = lo[:, axis, None] - o[axis][None, :]
        a *= inv[axis]
        b = hi[:, axis, None] - o[axis][None, :]
        b *= inv[axis]
        t0 = np.minimum(a, b)
        t1 = np.maximum(a, b, out=a)
        near = t0 if near is None else np.maximum(near, t0, out=near)
        far = t1 if far is None else np.minimum(far, t1, out=far)
    np.maximum(near, 0.0, out=near)
    return near, far >= near


def _grouped(meshes: list[Mesh]) -> list[list[tuple[int, int, Mesh, np.ndarray]]]:
    """(mesh index, first triangle, piece, its box) pieces, gathered into groups in mesh
    order (neighbouring parts tend to be neighbours in space, so groups stay compact)."""
    groups: list[list[tuple[int, int, Mesh, np.ndarray]]] = [[]]
    count = 0
    for m, mesh in enumerate(meshes):
        n = triangle_count(mesh)
        for start in range(0, n, PIECE_TRIANGLES):
            piece, box = _slice(mesh, start, min(start + PIECE_TRIANGLES, n))
            size = triangle_count(piece)
            if count and count + size > GROUP_TRIANGLES:
                groups.append([])
                count = 0
            groups[-1].append((m, start, piece, box))
            count += size
    return groups
