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


class HitTable:
    """Every part's face nodes, and on first need its face normals, in one table indexed by
    ``prim_base[slot] + triangle``: a batch's hits are then gathered in a few array
    operations, whatever parts they fall on."""

    def __init__(self, parts: list[PartTriangles]) -> None:
        self.parts = parts
        self.prim_base = np.cumsum([0] + [g.triangle_count for g in parts])[:-1].astype(np.int64)
        self.face_nodes = np.concatenate([np.zeros(0, np.int64)] + [g.face_nodes for g in parts])
        self._face_normals: np.ndarray | None = None

    @property
    def face_normals(self) -> np.ndarray:
        """(t, 3) float64 every part's ``face_normals`` (part frames), made on first need
        (about 0.1 s for 1.2 M triangles; a RayHit's normal is the same numbers)."""
        if self._face_normals is None:
            self._face_normals = np.concatenate([np.zeros((0, 3))] + [g.face_normals for g in self.parts])
        return self._face_normals


class RayHits:
    """First hits of a batch of n rays as arrays (``SceneIndex.ray_hits``): for many rays
    (heatmaps, sampling) this is what to use. Where a ray met nothing, ``hit`` is False,
    ``slot`` and ``node`` -1 and the float arrays NaN.

    hit      : (n,) bool
    slot     : (n,) int64 index into ``parts`` of the part hit
    point    : (n, 3) float64 world point hit
    distance : (n,) float64 along the (unit) ray
    normal   : (n, 3) float64 unit world face normal, turned towards the ray
    node     : (n,) int64 node that carries the triangle hit
    parts    : part id of each slot

    ``normal`` and ``node`` are made on first access (from the poses the parts had when the
    rays were cast), so a caller that needs only points pays nothing for them.
    """

    def __init__(
        self,
        hit: np.ndarray,
        slot: np.ndarray,
        point: np.ndarray,
        distance: np.ndarray,
        parts: list[str],
        direction: np.ndarray,
        face: np.ndarray,
        inverse: np.ndarray,
        table: HitTable | None,
    ) -> None:
        self.hit, self.slot, self.point, self.distance, self.parts = hit, slot, point, distance, parts
        self._direction, self._face, self._inverse, self._table = direction, face, inverse, table
        self._normal: np.ndarray | None = None
        self._node: np.ndarray | None = None

    @classmethod
    def empty(cls, n: int, parts: list[str]) -> RayHits:
        none = np.full(n, -1, np.int64)
        return cls(none >= 0, none, np.full((n, 3), np.nan), np.full(n, np.nan), parts,
                   np.zeros((n, 3)), none, np.zeros((0, 4, 4)), None)

    @property
    def normal(self) -> np.ndarray:
        if self._normal is None:
            n = len(self.hit)
            normal = np.full((n, 3), np.nan)
            rows = np.flatnonzero(self.hit)
            if len(rows):
                local = self._table.face_normals[self._face[rows]]  # (h, 3) part frames
                # the inverse transpose of the pose applied to the local normal
                world = np.einsum("hi,hij->hj", local, self._inverse[self.slot[rows], :3, :3])
                world /= np.maximum(np.sqrt(np.einsum("ij,ij->i", world, world)), 1e-300)[:, None]
                world *= np.where(np.einsum("ij,ij->i", world, self._direction[rows]) > 0, -1.0, 1.0)[:, None]
                normal[rows] = world
            self._normal = normal
        return self._normal

    @property
    def node(self) -> np.ndarray:
        if self._node is None:
            node = np.full(len(self.hit), -1, np.int64)
            if self._table is not None:
                node[self.hit] = self._table.face_nodes[self._face[self.hit]]
            self._node = node
        return self._node

    def part_ids(self) -> list[str | None]:
        """The part id hit by each ray, or None."""
        return [self.parts[k] if k >= 0 else None for k in self.slot.tolist()]

    def to_list(self) -> list[RayHit | None]:
        """One RayHit (or None) per ray."""
        out: list[RayHit | None] = [None] * len(self.hit)
        ids, nodes, dist, slots = self.parts, self.node.tolist(), self.distance.tolist(), self.slot.tolist()
        normal, point = self.normal, self.point
        for r in np.flatnonzero(self.hit).tolist():
            out[r] = RayHit(node=nodes[r], part=ids[slots[r]], point=point[r], normal=normal[r], distance=dist[r])
        return out


def make_ray_hits(
    poses: PartPoses,
    table: HitTable,
    o: np.ndarray,
    d: np.ndarray,
    t: np.ndarray,
    slot: np.ndarray,
    prim: np.ndarray,
) -> RayHits:
    """RayHits of a batch of unit rays (slot -1: no hit; ``t`` their distances)."""
    hit = slot >= 0
    slot = np.where(hit, slot, -1).astype(np.int64)
    face = np.where(hit, table.prim_base[slot] + prim, -1)
    distance = np.where(hit, t, np.nan)
    point = o + distance[:, None] * d  # NaN where nothing was hit
    for stale in list(poses.inv_stale):
        poses.inverse(stale)
    return RayHits(hit, slot, point, distance, poses.ids, d, face, poses.inv.copy(), table)
