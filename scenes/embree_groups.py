"""Embree BVHs built in slices a background build can share the interpreter with.

embreex holds the GIL while it copies a mesh into Embree (about 1.2 µs per triangle here)
and while Embree builds the BVH (about 0.2 s per million triangles, all cores): one call
over a 1.2 M-triangle model kept the window from running for 0.3-0.5 s even though the
build ran on another thread. Large inputs are therefore split: meshes into pieces of at
most ``PIECE_TRIANGLES`` (one copy call each) and the pieces into Embree scenes of at most
``GROUP_TRIANGLES`` (one BVH build each), so no single call holds the GIL for more than a
few tens of milliseconds. A query asks each scene in turn, searching only up to the
nearest hit so far, and answers as one Embree scene would: ``geomID`` is the mesh's
position in the input list and ``primID`` the triangle's index in that mesh.

Inputs up to ``GROUP_TRIANGLES`` stay one Embree scene with one geometry per mesh, queried
directly: the small scenes that interaction runs on most keep their single-call latency.
"""

from __future__ import annotations

import numpy as np
from embreex import rtcore_scene
from embreex.mesh_construction import TriangleMesh

#: most triangles copied into Embree by one call (~60 ms here)
PIECE_TRIANGLES = 50_000
#: most triangles in one Embree scene, whose BVH one call builds (~35 ms here)
GROUP_TRIANGLES = 150_000


class _Group:
    """One Embree scene over pieces of meshes: geometry g is triangles
    ``base[g]:base[g] + count`` of mesh ``mesh[g]``."""

    def __init__(self, pieces: list[tuple[int, int, np.ndarray]]) -> None:
        self.scene = rtcore_scene.EmbreeScene()
        for _, _, triangles in pieces:
            TriangleMesh(self.scene, triangles)
        self.mesh = np.array([m for m, _, _ in pieces], np.int32)
        self.base = np.array([b for _, b, _ in pieces], np.int32)
        _build(self.scene)


def _build(scene: rtcore_scene.EmbreeScene) -> None:
    """Build the BVH now (Embree builds it on the first query otherwise)."""
    scene.run(np.zeros((1, 3), np.float32), np.ones((1, 3), np.float32))


class GroupedBVH:
    """First hits against (m, 3, 3) float32 triangle meshes; see the module docstring.
    ``run(origins, directions, dists=None, output=1)`` is Embree's."""

    def __init__(self, meshes: list[np.ndarray]) -> None:
        if sum(len(m) for m in meshes) <= GROUP_TRIANGLES:
            scene = rtcore_scene.EmbreeScene()
            for triangles in meshes:
                TriangleMesh(scene, triangles)
            _build(scene)
            self.groups: list[_Group] = []
            self.run = scene.run
            return
        self.groups = [_Group(pieces) for pieces in _grouped(meshes)]
        self.run = self._run_groups

    def _run_groups(
        self,
        origins: np.ndarray,
        directions: np.ndarray,
        dists: np.ndarray | None = None,
        output: int = 1,
    ) -> dict[str, np.ndarray]:
        n = len(origins)
        best_t = np.full(n, np.inf, np.float32) if dists is None else np.array(dists, np.float32)
        mesh = np.full(n, -1, np.int32)
        prim = np.full(n, -1, np.int32)
        for group in self.groups:
            hit = group.scene.run(origins, directions, dists=best_t, output=1)
            g = hit["geomID"]
            found = np.flatnonzero(g >= 0)
            if len(found):
                gf = g[found]
                mesh[found] = group.mesh[gf]
                prim[found] = hit["primID"][found] + group.base[gf]
                best_t[found] = hit["tfar"][found]
        return {"geomID": mesh, "primID": prim, "tfar": best_t}


def _grouped(meshes: list[np.ndarray]) -> list[list[tuple[int, int, np.ndarray]]]:
    """(mesh index, first triangle, triangles) pieces, gathered into groups in mesh order
    (neighbouring parts tend to be neighbours in space, so groups stay compact)."""
    groups: list[list[tuple[int, int, np.ndarray]]] = [[]]
    count = 0
    for m, triangles in enumerate(meshes):
        for start in range(0, len(triangles), PIECE_TRIANGLES):
            piece = triangles[start : start + PIECE_TRIANGLES]
            if count and count + len(piece) > GROUP_TRIANGLES:
                groups.append([])
                count = 0
            groups[-1].append((m, start, piece))
            count += len(piece)
    return groups
