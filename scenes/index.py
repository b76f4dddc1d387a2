"""Spatial queries on a scene: first ray hit, and parts near a point.

One Embree BVH per part (embreex, called directly: it is the structure trimesh's
``RayMeshIntersector`` wraps, without the per-call Python layers, measured in
bench/bench_pick.py), in the part's own frame, from the part node and its mesh-carrying
descendants. Moving a part only changes its 4x4 pose: rays are taken into the part frame
instead of rebuilding anything. Only triangles are pickable; lines and points are drawn,
never hit.

Both kinds of query first ask one structure holding every part at its authored pose (one
call answers for all parts that have not moved), then only the parts that moved, each in
its own frame. embreex copies meshes into Embree one coordinate at a time (~0.5 s per
million triangles here, from shared vertices), so the load builds only the all-parts BVH:
that is what picking needs. The all-parts proximity search (about 0.8 s for 1.2 M
triangles) waits for the first ``parts_near`` or ``prepare_part`` (the app's warm-up
thread, which calls it for every part before a grab needs it); a part's own BVH and
proximity search are built when it has first moved and a query reaches it, or ahead of
that by ``prepare_part``.

``SceneIndex`` is the one public face; the work is split by concern:

- ``scenes.part_triangles``: each part's triangles in its own frame (``PartTriangles``);
- ``scenes.part_poses``: part poses, their inverses, posed world bounds, which parts moved;
- ``scenes.ray_picking``: single and batched rays (``RayPicker``);
- ``scenes.ray_hits``: what a pick returns (``RayHit``, ``RayPoint``);
- ``scenes.parts_near`` and ``scenes.near_search``: proximity.

Every acceleration structure is built here (``GroupedBVH``, ``_NearSearch``, and the
first-need builders handed to the query objects), so that building is in one place: what
the load builds, what waits for first need, and what ``prepare_part`` builds ahead.
"""

from __future__ import annotations

import threading
from collections.abc import Collection

import numpy as np

from scenes.embree_groups import GroupedBVH
from scenes.model import Scene
from scenes.near_search import NearSearch as _NearSearch
from scenes.part_poses import PartPoses
from scenes.part_triangles import (
    PartTriangles,
    authored_world_meshes,
    part_triangles,
    world_triangles_of,
)
from scenes.parts_near import PartsNear
from scenes.ray_hits import RayHit, RayHits, RayPoint, make_hit
from scenes.ray_picking import MAX_STEP_OVERS, RayPicker

__all__ = ["MAX_STEP_OVERS", "RayHit", "RayHits", "RayPoint", "SceneIndex"]


def _part_bvh(part: PartTriangles) -> GroupedBVH:
    """The part's own Embree BVH, built on first need and published by one assignment."""
    if part.bvh is None:
        part.bvh = GroupedBVH([(part.vertices32, part.faces)])
    return part.bvh


def _part_near(part: PartTriangles) -> _NearSearch:
    """The part's own proximity search, built on first need; computed, then published by one
    assignment, so another thread may build it meanwhile (both give the same search)."""
    if part.near is None:
        part.near = _NearSearch(part.triangles)
    return part.near


class _AuthoredNear:
    """The all-parts proximity search, built on first need (``ready``); the constructor is
    taken when the index is made, as the other builders are looked up then."""

    def __init__(self, build: type[_NearSearch], triangles: np.ndarray) -> None:
        self._build = build
        self._triangles = triangles
        self._search: _NearSearch | None = None
        self._lock = threading.Lock()

    def ready(self) -> _NearSearch:
        search = self._search
        if search is None:
            with self._lock:  # one build, whichever thread asks first (the other waits)
                if self._search is None:
                    self._search = self._build(self._triangles)
                search = self._search
        return search

    def near(self, p: np.ndarray, r: float) -> np.ndarray:
        return self.ready().near(p, r)


class SceneIndex:
    """Ray picking and proximity for the parts of one scene, with movable part poses."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        ids: list[str] = []
        parts: list[PartTriangles] = []
        authored: list[np.ndarray] = []
        for part in scene.parts:
            geom = part_triangles(scene, part.node, scene.part_nodes(part))
            if geom is None:
                continue  # lines/points only: drawn, not pickable
            ids.append(part.id)
            parts.append(geom)
            authored.append(scene.world_matrix(part.node).copy())
        self._parts = parts
        self._poses = PartPoses(scene, ids, [g.bounds for g in parts], authored)
        # every part at its authored pose, in one BVH (geomID == slot), built now so that
        # the first pick does not stall, and in one proximity search, built on first need
        meshes = authored_world_meshes(parts, authored)
        world_triangles, owner = world_triangles_of(meshes)
        self._authored_near = _AuthoredNear(_NearSearch, world_triangles)
        self._near = PartsNear(
            self._poses, parts, self._authored_near, owner, world_triangles, _part_near
        )
        self._rays = RayPicker(self._poses, parts, GroupedBVH(meshes), _part_bvh)

    # -- poses ------------------------------------------------------------------------
    def set_part_pose(self, part_id: str, world: np.ndarray) -> None:
        """Place a part (its node's world matrix); no acceleration structure is rebuilt.

        Raises ValueError for a pose that is not a finite, invertible 4x4 matrix and
        KeyError for an unknown part.
        """
        self._poses.set(part_id, world)

    def prepare_part(self, part_id: str) -> None:
        """Build the part's own BVH and proximity search now rather than at the first query
        after it moved (a caller's warm-up; each is published by one assignment)."""
        self._authored_near.ready()
        k = self._poses.slot.get(part_id)
        if k is not None:
            _part_bvh(self._parts[k])
            _part_near(self._parts[k])

    def part_pose(self, part_id: str) -> np.ndarray:
        """A copy of the part's world matrix (its authored one until it is set)."""
        return self._poses.pose_of(part_id)

    def reset_poses(self) -> None:
        """Every part back to its authored pose."""
        self._poses.reset()

    def part_world_bounds(self, part_id: str) -> np.ndarray:
        """(2, 3) world bounds of the posed part.

        Parts without triangles (lines/points only, or scaled to nothing) use the box of
        what they have, or their origin when they have nothing.
        """
        return self._poses.bounds_of(part_id)

    # -- rays ---------------------------------------------------------------------------
    def ray(
        self,
        origin: np.ndarray,
        direction: np.ndarray,
        max_distance: float = np.inf,
        exclude: Collection[str] = (),
    ) -> RayHit | None:
        """The first triangle the ray hits within ``max_distance`` (world units), or None."""
        found = self._rays.first(origin, direction, max_distance, exclude)
        return None if found is None else make_hit(self._poses, self._parts, *found)

    def ray_point(
        self,
        origin: np.ndarray,
        direction: np.ndarray,
        max_distance: float = np.inf,
        exclude: Collection[str] = (),
    ) -> RayPoint | None:
        """``ray`` without the surface normal: the part and point hit (the same bits)."""
        found = self._rays.first(origin, direction, max_distance, exclude)
        if found is None:
            return None
        k, _, o, d, t = found
        return RayPoint(self._poses.ids[k], o + t * d, t)

    def rays(self, origins: np.ndarray, directions: np.ndarray) -> list[RayHit | None]:
        """First hits of many rays at once (no exclusions), one RayHit or None each; for
        many rays ``ray_hits`` is faster (no object per ray)."""
        return self._rays.rays(origins, directions)

    def ray_hits(self, origins: np.ndarray, directions: np.ndarray) -> RayHits:
        """First hits of many rays at once (no exclusions) as arrays: origins and
        directions (n, 3); see ``RayHits``."""
        return self._rays.ray_hits(origins, directions)

    # -- proximity ------------------------------------------------------------------------
    def parts_near(
        self, point: np.ndarray, radius: float, exclude: Collection[str] = ()
    ) -> list[tuple[str, float]]:
        """Parts whose surface is within ``radius`` of ``point``: (part id, distance), nearest first."""
        return self._near.parts_near(point, radius, exclude)
