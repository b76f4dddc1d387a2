"""The axes of a part's cylinders, from its B-rep faces: where a bolt, shaft or hole points.

A mesh guesses a part's axis from the spread of its vertices (principal axes), which a
bolt's hexagonal head or a bracket's odd outline can tilt. The B-rep knows: cascadio
(``include_brep``) tells, per triangle, which B-rep face it came from, and for analytic
faces their surface (type, axis, origin, radius, angular extent). Faces it cannot name
(B-spline surfaces: AS1 stores every cylinder that way) are tested here: a face is a
cylinder when its facet normals all lie in one plane (the axis is that plane's normal)
and its vertices lie on a circle around the axis (a least-squares circle fit, within 1 %
of the radius).

Not every cylinder is an axis: the fillet along an edge is a cylinder too, a quarter
turn. Faces on one axis line (the two halves of a hole) are grouped; a group is a
*feature* -- a shaft, bolt, pin or hole -- when together its faces turn at least half way
round. Features pointing the same way (a plate's four holes) add up; the result, per
mesh, is the distinct directions, the most surface first:

    axes : list[CylinderAxis]   direction (unit, sign fixed: largest component > 0),
                                a point on the heaviest feature's axis, its radius, and
                                the features' area in m² (all in the mesh's coordinates)

Runs in the converter's worker (scenes/step_post.py); the axes travel in the converted
GLB's mesh extras (read back by scenes/gltf.py into ``Scene.axis_hints``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenes.model import Scene

#: two axes closer than this (cosine of 2°) point the same way
SAME_DIRECTION = float(np.cos(np.radians(2.0)))
#: a group of coaxial faces turning at least this far round (radians) is a feature
MIN_COVERAGE = np.pi * 0.95
#: normals this far out of their best plane (smallest eigenvalue of their scatter) are no
#: cylinder's; at least this much spread inside it, or the face is flat
MAX_OFF_PLANE, MIN_SPREAD = 1e-3, 1e-2
#: vertices off the fitted circle by more than this share of its radius: not a cylinder
CIRCLE_TOLERANCE = 0.01
#: at most this many directions per mesh (the heaviest)
MAX_AXES = 8


@dataclass(frozen=True)
class CylinderAxis:
    direction: tuple[float, float, float]
    point: tuple[float, float, float]
    radius: float
    area: float


@dataclass
class _Face:
    axis: np.ndarray
    point: np.ndarray
    radius: float
    coverage: float  # radians the face turns round its axis
    area: float


def cylinder_axes(positions: np.ndarray, triangles: np.ndarray, face_of: np.ndarray,
                  faces: list[Any]) -> list[CylinderAxis]:
    """The distinct cylinder axes of one mesh (see the module doc).

    positions : (n, 3) float vertices; triangles : (m, 3) int; face_of : (m,) int, the
    B-rep face of each triangle; faces : cascadio's face descriptions (a dict with
    "type" and its surface, or None for a face it cannot name)."""
    positions = np.asarray(positions, dtype=np.float64)
    triangles = np.asarray(triangles, dtype=np.intp).reshape(-1, 3)
    face_of = np.asarray(face_of, dtype=np.intp).ravel()
    if len(face_of) != len(triangles) or not len(triangles):
        return []
    tri = positions[triangles]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    twice = np.linalg.norm(cross, axis=1)
    order = np.argsort(face_of, kind="stable")
    bounds = np.flatnonzero(np.diff(face_of[order])) + 1
    found: list[_Face] = []
    for group in np.split(order, bounds):
        f = int(face_of[group[0]])
        spec = faces[f] if 0 <= f < len(faces) else None
        area = float(twice[group].sum()) / 2
        if area <= 0:
            continue
        face = _analytic(spec, area) if isinstance(spec, dict) else None
        if face is None and (spec is None or (isinstance(spec, dict) and spec.get("type") not in
                                              ("plane", "cone", "sphere", "torus", "cylinder"))):
            face = _fitted(tri[group], cross[group], twice[group], area)
        if face is not None:
            found.append(face)
    return _directions(_features(found))


def _analytic(spec: dict[str, Any], area: float) -> _Face | None:
    if spec.get("type") != "cylinder":
        return None
    try:
        axis = np.array(spec["axis"], dtype=np.float64).reshape(3)
        point = np.array(spec["origin"], dtype=np.float64).reshape(3)
        radius = float(spec["radius"])
        lo, hi = (float(a) for a in spec["extent_angle"])
    except (KeyError, TypeError, ValueError):
        return None
    norm = float(np.linalg.norm(axis))
    if not (np.isfinite(norm) and norm > 0 and np.isfinite(point).all() and radius > 0
            and np.isfinite(hi - lo)):
        return None
    return _Face(axis / norm, point, radius, min(abs(hi - lo), 2 * np.pi), area)


def _fitted(tri: np.ndarray, cross: np.ndarray, twice: np.ndarray, area: float) -> _Face | None:
    """A cylinder through a face's facets, or None when they are not on one."""
    keep = twice > 0
    if keep.sum() < 4:
        return None
    unit = cross[keep] / twice[keep, None]
    weights = twice[keep] / twice[keep].sum()
    scatter = (unit * weights[:, None]).T @ unit
    values, vectors = np.linalg.eigh(scatter)
    if values[0] > MAX_OFF_PLANE or values[1] < MIN_SPREAD:
        return None
    axis = vectors[:, 0]
    u = np.cross(axis, (1.0, 0.0, 0.0) if abs(axis[0]) < 0.9 else (0.0, 1.0, 0.0))
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    points = np.unique(tri[keep].reshape(-1, 3), axis=0)
    xy = np.stack([points @ u, points @ v], axis=1)
    shift = xy.mean(axis=0)
    xy = xy - shift
    # Kasa fit: x² + y² = 2 a x + 2 b y + c
    a_mat = np.column_stack([2 * xy, np.ones(len(xy))])
    solution, *_ = np.linalg.lstsq(a_mat, (xy**2).sum(axis=1), rcond=None)
    centre, c = solution[:2], solution[2]
    r2 = c + float(centre @ centre)
    if not r2 > 0:
        return None
    radius = float(np.sqrt(r2))
    off = np.abs(np.linalg.norm(xy - centre, axis=1) - radius)
    if float(off.max()) > CIRCLE_TOLERANCE * radius:
        return None
    centre = centre + shift
    point = centre[0] * u + centre[1] * v + float((points @ axis).mean()) * axis
    angles = np.sort(np.arctan2(unit @ v, unit @ u))
    gaps = np.diff(np.concatenate([angles, angles[:1] + 2 * np.pi]))
    return _Face(axis, point, radius, float(2 * np.pi - gaps.max()), area)


def _features(faces: list[_Face]) -> list[_Face]:
    """Coaxial faces grouped; the groups that turn far enough round (see the module doc).
    Plain floats: a cover has a thousand faces, and NumPy's cost per 3-vector call would
    be most of the conversion's post-processing."""
    groups: list[list[_Face]] = []
    heads: list[tuple[tuple[float, ...], tuple[float, ...], float]] = []
    for face in faces:
        ax, pt = tuple(face.axis.tolist()), tuple(face.point.tolist())
        for group, (h_ax, h_pt, h_r) in zip(groups, heads, strict=True):
            along = ax[0] * h_ax[0] + ax[1] * h_ax[1] + ax[2] * h_ax[2]
            if abs(along) < SAME_DIRECTION:
                continue
            arm = (pt[0] - h_pt[0], pt[1] - h_pt[1], pt[2] - h_pt[2])
            t = arm[0] * h_ax[0] + arm[1] * h_ax[1] + arm[2] * h_ax[2]
            off = [arm[k] - t * h_ax[k] for k in range(3)]
            if math.sqrt(off[0] ** 2 + off[1] ** 2 + off[2] ** 2) <= 0.01 * max(face.radius, h_r) + 1e-6:
                group.append(face)
                break
        else:
            groups.append([face])
            heads.append((ax, pt, face.radius))
    out = []
    for group in groups:
        if sum(f.coverage for f in group) >= MIN_COVERAGE:
            big = max(group, key=lambda f: f.area)
            out.append(_Face(big.axis, big.point, big.radius, 2 * np.pi, sum(f.area for f in group)))
    return out


def _directions(features: list[_Face]) -> list[CylinderAxis]:
    """Features pointing the same way merged (their areas add up), heaviest first."""
    merged: list[tuple[np.ndarray, _Face, float]] = []
    for f in sorted(features, key=lambda f: -f.area):
        d = f.axis if f.axis[np.argmax(np.abs(f.axis))] > 0 else -f.axis
        for k, (axis, big, area) in enumerate(merged):
            if abs(float(d @ axis)) >= SAME_DIRECTION:
                merged[k] = (axis, big, area + f.area)
                break
        else:
            merged.append((d, f, f.area))
    merged.sort(key=lambda m: (-m[2], tuple(m[0])))
    return [CylinderAxis(tuple(float(x) for x in axis), tuple(float(x) for x in big.point),  # type: ignore[arg-type]
                         float(big.radius), float(area)) for axis, big, area in merged[:MAX_AXES]]


def hinted_axes(scene: Scene, nodes: list[int], to_frame: np.ndarray, most: int = 3) -> np.ndarray:
    """(k, 3) unit axes of the nodes' CAD cylinders (``Scene.axis_hints``) in the frame
    ``to_frame`` maps world into (identity: world), distinct, at most ``most``: the
    part's own mesh first, then its descendants', each mesh's heaviest first."""
    out: list[np.ndarray] = []
    for i in nodes:
        mesh = scene.nodes[i].mesh
        if mesh is None or mesh not in scene.axis_hints:
            continue
        linear = (to_frame @ scene.world_matrix(i))[:3, :3]
        for a in scene.axis_hints[mesh]:
            d = linear @ a
            norm = float(np.linalg.norm(d))
            if norm > 0 and all(abs(float(d @ c)) / norm < SAME_DIRECTION for c in out):
                out.append(d / norm)
    return np.array(out[:most]).reshape(-1, 3)
