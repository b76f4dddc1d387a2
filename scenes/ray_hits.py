"""What a ray pick returns (``RayHit``, ``RayPoint``), made from Embree's raw answers.

The queries in ``scenes.ray_picking`` find (slot, triangle, distance); only the answer
a caller gets is turned into a hit here, with the world normal of the triangle hit turned
towards the ray.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from scenes.part_poses import PartPoses
from scenes.part_triangles import PartTriangles


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


def make_hit(
    poses: PartPoses,
    parts: list[PartTriangles],
    k: int,
    prim: int,
    origin: np.ndarray,
    direction: np.ndarray,
    t: float,
) -> RayHit:
    """The RayHit of triangle ``prim`` of slot k, at distance t along the (unit) ray."""
    geom = parts[k]
    normal = poses.inverse(k)[:3, :3].T @ geom.face_normals[prim]
    length = math.sqrt(float(normal @ normal)) or 1.0
    normal = normal * (-1.0 / length if float(normal @ direction) > 0 else 1.0 / length)
    return RayHit(
        node=int(geom.face_nodes[prim]),
        part=poses.ids[k],
        point=origin + t * direction,
        normal=normal,
        distance=t,
    )


def make_hits(
    poses: PartPoses,
    parts: list[PartTriangles],
    o: np.ndarray,
    d: np.ndarray,
    t: np.ndarray,
    slot: np.ndarray,
    prim: np.ndarray,
) -> list[RayHit | None]:
    """RayHits for a batch (slot -1: no hit), normals and points computed for all rays at once."""
    hit = np.flatnonzero(slot >= 0)
    out: list[RayHit | None] = [None] * len(o)
    if len(hit) == 0:
        return out
    face_n = np.zeros((len(hit), 3))
    nodes = np.zeros(len(hit), np.int64)
    for k in np.unique(slot[hit]):
        sel = slot[hit] == k
        geom = parts[k]
        face_n[sel] = geom.face_normals[prim[hit][sel]] @ poses.inverse(k)[:3, :3]
        nodes[sel] = geom.face_nodes[prim[hit][sel]]
    face_n /= np.maximum(np.linalg.norm(face_n, axis=1, keepdims=True), 1e-300)
    face_n *= np.where(np.einsum("ij,ij->i", face_n, d[hit]) > 0, -1.0, 1.0)[:, None]
    points = o[hit] + t[hit, None] * d[hit]
    for j, r in enumerate(hit.tolist()):
        out[r] = RayHit(
            node=int(nodes[j]),
            part=poses.ids[slot[r]],
            point=points[j],
            normal=face_n[j],
            distance=float(t[r]),
        )
    return out
