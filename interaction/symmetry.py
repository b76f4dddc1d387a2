"""Rotational symmetry of a part's shape, so a nut turned by 60 degrees still snaps.

A user cannot tell a hex nut from the same nut turned by a sixth of a turn, nor a pin
from a pin spun about its axis; the angle tolerance must not punish that. A rotation
about an axis through the part's centre is a symmetry when every vertex, rotated, lands
within ``tol`` of the part's *surface* (not of a vertex: CAD tessellations are not
symmetric even when the shapes are — AS1's nuts, bolts and rod have only 2-fold
symmetric vertex sets). Axes tried: the axes of the part's cylinders where CAD gives
them (a STEP import: a bolt's shank, a nut's bore; exact, where the mesh's principal axes
are tilted by its facets), then the principal axes of the vertices and the frame's own
axes; orders tried from 64-fold (a round part) down to 2-fold, the first that holds wins.
Where the tessellation's own error is known (a STEP import's deflection), a vertex may
land farther off by about that much: it lies on the true surface, which the facets only
approximate.
Computed lazily (only when a release could change outcome) and cached per shape.
"""

from __future__ import annotations

import weakref

import numpy as np
from scipy.spatial import cKDTree
from trimesh.triangles import closest_point

from interaction.part_geometry import PartGeometry
from scenes.transforms import quat_from_axis_angle, quat_to_matrix

ORDERS = (64, 48, 36, 32, 24, 16, 12, 10, 8, 6, 5, 4, 3, 2)
MAX_SAMPLES = 96
#: multiples of the known tessellation error a rotated vertex may land off the facets
#: (PM4's 3.8 mm balls at 0.1 mm: up to 0.16 mm off, inside the 0.08 mm tolerance plus it)
SLACK_FACTOR = 1.0
#: computed, then published by one assignment (a warm-up thread may fill it, see Engine.prepare)
_CACHE: weakref.WeakKeyDictionary[PartGeometry, dict[float, np.ndarray]] = weakref.WeakKeyDictionary()


def symmetry_rotations(g: PartGeometry, tol: float) -> np.ndarray:
    """(k, 3, 3) rotations about ``g.centre`` (rigid frame) that map the shape onto
    itself within ``tol``; the identity first. Identical parts share one search (``g.shape``)."""
    g = g.shape
    per_tol = _CACHE.setdefault(g, {})
    if tol not in per_tol:
        per_tol[tol] = _find(g, tol)
    return per_tol[tol]


def _find(g: PartGeometry, tol: float) -> np.ndarray:
    found = [np.eye(3)]
    if g.triangle_count == 0:
        return np.array(found)
    tol = tol + SLACK_FACTOR * g.slack
    v = np.unique(g.vertices, axis=0) - g.centre
    tri = g.vertices[g.faces] - g.centre
    centroid = tri.mean(axis=1)
    reach = float(np.linalg.norm(tri - centroid[:, None], axis=2).max()) + tol
    tree = cKDTree(centroid)
    sample = v[:: max(1, len(v) // MAX_SAMPLES)]
    _, vectors = np.linalg.eigh(np.cov(v.T) if len(v) > 3 else np.eye(3))
    axes: list[np.ndarray] = []
    for axis in [*g.axes, *vectors.T, *np.eye(3)]:
        if all(abs(float(axis @ a)) < 0.999 for a in axes):
            axes.append(axis / np.linalg.norm(axis))
    for axis in axes:
        # points far from the axis move most: test them first, so a miss fails fast
        radial = np.linalg.norm(sample - np.outer(sample @ axis, axis), axis=1)
        ordered = sample[np.argsort(-radial, kind="stable")]
        for order in ORDERS:
            step = quat_to_matrix(quat_from_axis_angle(axis, 2 * np.pi / order))
            if _on_surface(ordered @ step.T, tri, tree, reach, tol):
                r = np.eye(3)
                for _ in range(order - 1):
                    r = step @ r
                    found.append(r)
                break
    return np.array(found)


def _on_surface(points: np.ndarray, tri: np.ndarray, tree: cKDTree, reach: float, tol: float) -> bool:
    """True when every point lies within ``tol`` of a triangle (fails fast)."""
    for p in points:
        near = tree.query_ball_point(p, reach)
        if not near:
            return False
        near = np.asarray(near)
        d = np.linalg.norm(closest_point(tri[near], np.repeat(p[None], len(near), axis=0)) - p, axis=1)
        if float(d.min()) > tol:
            return False
    return True


def symmetric_angle_deg(frame_r: np.ndarray, target_r: np.ndarray, rotations: np.ndarray) -> float:
    """Smallest angle between target and the frame turned by any of the symmetries."""
    m = target_r.T @ frame_r
    c = (np.einsum("ij,kji->k", m, rotations) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(c.max(), -1.0, 1.0))))
