"""The pickable triangles of each part, in the part's own frame.

A part's triangles come from the part node and its mesh-carrying descendants, expressed in
the part node's frame, so moving the part only changes its pose. Only triangles are
pickable; lines and points are drawn, never hit.

They are kept as shared vertices and faces, as the primitives hold them: that is what
Embree copies fastest (scenes.embree_groups), and the triangle soup and face normals,
which only proximity searches and hits need, are made from them on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scenes.embree_groups import GroupedBVH
from scenes.model import Scene
from scenes.near_search import NearSearch
from scenes.part_poses import invertible
from scenes.transforms import transform_points


@dataclass
class PartTriangles:
    """Triangles of one part in its local frame, with what the queries need.

    ``bvh`` and ``near`` are the part's own Embree BVH and proximity search, both in its
    frame: only a moved part needs them (unmoved parts are answered by the index's
    all-parts structures), so ``SceneIndex`` builds them on first need, or ahead of it in
    ``prepare_part``, and publishes each by one assignment (another thread may build one
    meanwhile; both give the same structure). ``triangles`` and ``face_normals`` are made
    on first use and published the same way.
    """

    vertices: np.ndarray  # (n, 3) float64, part frame
    faces: np.ndarray  # (m, 3) int32 indices into vertices
    face_nodes: np.ndarray  # (m,) node index that carries each triangle
    bounds: np.ndarray  # (2, 3) part-frame bounds of its triangles
    bvh: GroupedBVH | None = None
    near: NearSearch | None = None
    _triangles: np.ndarray | None = field(default=None, repr=False)
    _face_normals: np.ndarray | None = field(default=None, repr=False)

    @property
    def triangle_count(self) -> int:
        return len(self.faces)

    @property
    def vertices32(self) -> np.ndarray:
        """(n, 3) float32 vertices: the coordinates every query uses."""
        return self.vertices.astype(np.float32)

    @property
    def triangles(self) -> np.ndarray:
        """(m, 3, 3) float32 triangles, part frame."""
        if self._triangles is None:
            self._triangles = self.vertices32[self.faces]
        return self._triangles

    @property
    def face_normals(self) -> np.ndarray:
        """(m, 3) float64 unit face normals (zero for degenerate triangles), from the
        float64 corners."""
        if self._face_normals is None:
            tri = self.vertices[self.faces]
            normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
            length = np.linalg.norm(normals, axis=1, keepdims=True)
            self._face_normals = np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)
        return self._face_normals


def part_triangles(scene: Scene, part_node: int, nodes: list[int]) -> PartTriangles | None:
    """The triangles of ``nodes`` in the frame of ``part_node``, or None when there are none
    (lines/points only) or the part's transform cannot be inverted."""
    world = scene.world_matrix(part_node)
    if not invertible(world):
        return None  # scaled to nothing (or to infinity): nothing there to pick
    to_part = np.linalg.inv(world)
    verts, faces, owners = [], [], []
    base = 0
    for i in nodes:
        mesh = scene.nodes[i].mesh
        if mesh is None:
            continue
        local = to_part @ scene.world_matrix(i)
        for prim in scene.meshes[mesh].primitives:
            if prim.mode != "triangles" or prim.triangle_count == 0:
                continue
            verts.append(transform_points(local, prim.positions.astype(np.float64)))
            faces.append(prim.indices.reshape(-1, 3).astype(np.int64) + base)
            owners.append(np.full(prim.triangle_count, i, dtype=np.int64))
            base += len(prim.positions)
    if not faces:
        return None
    vertices = np.concatenate(verts)
    face_array = np.concatenate(faces)
    if base > np.iinfo(np.int32).max:
        raise ValueError("a part with more than 2**31 vertices")
    face_array = face_array.astype(np.int32)
    used = np.zeros(len(vertices), bool)
    used[face_array.ravel()] = True
    corners = vertices[used].astype(np.float32)
    bounds = np.stack([corners.min(0), corners.max(0)]).astype(np.float64)
    return PartTriangles(vertices, face_array, np.concatenate(owners), bounds)


def authored_world_meshes(
    parts: list[PartTriangles], authored: list[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every part at its authored pose as (world vertices (n, 3) float32, faces (m, 3)):
    the all-parts BVH's meshes, geomID == slot."""
    return [
        (transform_points(authored[k], g.vertices32.astype(np.float64)).astype(np.float32), g.faces)
        for k, g in enumerate(parts)
    ]


def world_triangles_of(meshes: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(the meshes' triangles (t, 3, 3) float32, owning slot per triangle)."""
    tris = np.concatenate([np.zeros((0, 3, 3), np.float32)] + [v[f] for v, f in meshes])
    owner = np.repeat(np.arange(len(meshes)), [len(f) for _, f in meshes])
    return tris, owner


def authored_world_triangles(
    parts: list[PartTriangles], authored: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(every part's triangles in world space at its authored pose (t, 3, 3) float32, owning
    slot per triangle): what the all-parts proximity search is built from."""
    return world_triangles_of(authored_world_meshes(parts, authored))
