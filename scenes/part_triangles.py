"""The pickable triangles of each part, in the part's own frame.

A part's triangles come from the part node and its mesh-carrying descendants, expressed in
the part node's frame, so moving the part only changes its pose. Only triangles are
pickable; lines and points are drawn, never hit.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    meanwhile; both give the same structure).
    """

    triangles: np.ndarray  # (m, 3, 3) float32, part frame
    face_normals: np.ndarray  # (m, 3) float64
    face_nodes: np.ndarray  # (m,) node index that carries each triangle
    bounds: np.ndarray  # (2, 3) part-frame bounds
    bvh: GroupedBVH | None = None
    near: NearSearch | None = None


def part_triangles(scene: Scene, part_node: int, nodes: list[int]) -> PartTriangles | None:
    """The triangles of ``nodes`` in the frame of ``part_node``, or None when there are none
    (lines/points only) or the part's transform cannot be inverted."""
    world = scene.world_matrix(part_node)
    if not invertible(world):
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
    return PartTriangles(triangles, normals, np.concatenate(owners), bounds)


def authored_world_triangles(
    parts: list[PartTriangles], authored: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(every part's triangles in world space at its authored pose (t, 3, 3) float32, owning
    slot per triangle): what the all-parts BVH and proximity search are built from."""
    world = [
        transform_points(authored[k], g.triangles.reshape(-1, 3)).reshape(-1, 3, 3)
        for k, g in enumerate(parts)
    ]
    tris = np.concatenate([np.zeros((0, 3, 3))] + world).astype(np.float32)
    owner = np.concatenate(
        [np.zeros(0, np.int64)] + [np.full(len(g.triangles), k) for k, g in enumerate(parts)]
    )
    return tris, owner
