"""Angle-weighted vertex normals of a welded triangle surface: what an inset needs.

Both the engine's collision inset (interaction/collision.py) and the disassembly planner's
sample points (scenes/disassembly.py) move a surface along its normals by a small depth;
they share this one computation so the planner insets a part exactly as the engine does.
"""

from __future__ import annotations

import numpy as np


def welded_normals(
    vertices: np.ndarray, faces: np.ndarray, tri: np.ndarray, unit: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weld ``vertices`` (n, 3) by position (to 1e-7 of the extent) and average the unit
    face normals ``unit`` (m, 3) of triangles ``tri`` (m, 3, 3) = ``vertices[faces]`` at
    each welded vertex, weighted by the corner angle.

    Returns positions (w, 3) of the welded vertices, corners (m, 3) into them, their unit
    normals (w, 3), and ``lowest`` (w,): the smallest cosine between a vertex normal and
    the faces through it — moving a vertex ``d / lowest`` along its normal moves every
    face plane through it by ``d``.
    """
    extent = float(np.ptp(vertices, axis=0).max()) if len(vertices) else 1.0
    keys = np.round(vertices / max(extent * 1e-7, 1e-12)).astype(np.int64)
    welded, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    positions = np.zeros((len(welded), 3))
    positions[inverse] = vertices
    corners = inverse[faces]  # (m, 3) welded vertex ids
    normals = np.zeros((len(welded), 3))
    for k in range(3):
        a = tri[:, (k + 1) % 3] - tri[:, k]
        b = tri[:, (k + 2) % 3] - tri[:, k]
        cos = np.einsum("ij,ij->i", a, b) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-300)
        np.add.at(normals, corners[:, k], unit * np.arccos(np.clip(cos, -1.0, 1.0))[:, None])
    norm = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, norm, out=np.zeros_like(normals), where=norm > 0)
    lowest = np.ones(len(welded))
    for k in range(3):
        np.minimum.at(lowest, corners[:, k], np.einsum("ij,ij->i", unit, normals[corners[:, k]]))
    return positions, corners, normals, lowest
