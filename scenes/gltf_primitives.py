"""Turning raw vertex/index arrays into :class:`~scenes.model.Primitive` s.

glTF's seven draw modes become the model's three (triangles, lines, points): strips,
fans and loops are unrolled into plain lists so the renderer and the spatial index see
one layout. Missing normals are filled with flat (per-face) normals, which is what CAD
parts need: their hard edges must stay hard. The trimesh-based loaders reuse this.
"""

from __future__ import annotations

import numpy as np

from scenes.model import Primitive

#: glTF primitive.mode -> model mode
MODE_NAMES = {
    0: "points",
    1: "lines",
    2: "lines",
    3: "lines",
    4: "triangles",
    5: "triangles",
    6: "triangles",
}


def unroll(indices: np.ndarray, mode: int) -> np.ndarray:
    """(n,) glTF index list in ``mode`` -> (m, k) uint32 list of points, lines or triangles."""
    idx = np.asarray(indices, dtype=np.uint32).ravel()
    n = len(idx)
    if mode == 0:
        return idx.reshape(-1, 1)
    if mode == 1:
        return idx[: n - n % 2].reshape(-1, 2)
    if mode in (2, 3):  # line loop / strip
        if n < 2:
            return np.zeros((0, 2), np.uint32)
        lines = np.stack([idx[:-1], idx[1:]], axis=1)
        return np.vstack([lines, [[idx[-1], idx[0]]]]).astype(np.uint32) if mode == 2 else lines
    if mode == 4:
        return idx[: n - n % 3].reshape(-1, 3)
    if n < 3:
        return np.zeros((0, 3), np.uint32)
    if mode == 5:  # strip: every other triangle flips to keep the winding
        tri = np.stack([idx[:-2], idx[1:-1], idx[2:]], axis=1)
        tri[1::2] = tri[1::2][:, [1, 0, 2]]
        return tri
    # mode 6, fan
    return np.stack([np.full(n - 2, idx[0]), idx[1:-1], idx[2:]], axis=1).astype(np.uint32)


def face_normals(positions: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(m, 3) float32 unit normals of the triangles (zero for degenerate ones)."""
    v = positions[triangles.astype(np.intp)]
    n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0]).astype(np.float32)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return np.divide(n, length, out=np.zeros_like(n), where=length > 0)


def flat_shaded(
    positions: np.ndarray,
    triangles: np.ndarray,
    uvs: np.ndarray | None,
    colors: np.ndarray | None = None,
) -> Primitive:
    """A triangle primitive with one normal per face: vertices are unwelded (3 per face)."""
    corners = triangles.astype(np.intp).ravel()
    normals = np.repeat(face_normals(positions, triangles), 3, axis=0)
    return Primitive(
        positions=np.ascontiguousarray(positions[corners], dtype=np.float32),
        indices=np.arange(len(corners), dtype=np.uint32).reshape(-1, 3),
        normals=normals,
        uvs=None if uvs is None else np.ascontiguousarray(uvs[corners], dtype=np.float32),
        colors=None if colors is None else np.ascontiguousarray(colors[corners], dtype=np.float32),
    )


def vertex_colors(colors: np.ndarray | None, n: int) -> np.ndarray | None:
    """(n, 3 or 4) colours in [0, 1] -> (n, 4) float32 RGBA; None when absent, of the wrong
    shape, or all one colour (that is the material's job, and saves the renderer nothing)."""
    if colors is None:
        return None
    colors = np.asarray(colors, dtype=np.float32)
    if colors.ndim != 2 or len(colors) != n or colors.shape[1] not in (3, 4) or n == 0:
        return None
    if colors.shape[1] == 3:
        colors = np.concatenate([colors, np.ones((n, 1), np.float32)], axis=1)
    colors = np.clip(np.nan_to_num(colors, nan=1.0), 0.0, 1.0)
    return None if np.all(colors == colors[0]) else colors


def build_primitive(
    positions: np.ndarray,
    elements: np.ndarray,
    mode: str,
    normals: np.ndarray | None,
    uvs: np.ndarray | None,
    material: int | None,
    colors: np.ndarray | None = None,
) -> Primitive:
    """One model primitive; triangles without normals get flat ones. ``colors``: (n, 4)
    float32 per-vertex RGBA (see ``vertex_colors``) or None."""
    if mode == "triangles" and normals is None:
        prim = flat_shaded(positions, elements, uvs, colors)
        prim.material = material
        return prim
    return Primitive(
        positions=np.ascontiguousarray(positions, dtype=np.float32),
        indices=np.ascontiguousarray(elements, dtype=np.uint32),
        normals=None if normals is None else np.ascontiguousarray(normals, dtype=np.float32),
        uvs=None if uvs is None else np.ascontiguousarray(uvs, dtype=np.float32),
        material=material,
        mode=mode,
        colors=colors,
    )
