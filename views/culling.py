"""Which parts can be seen: bounding boxes against the view frustum, NumPy only.

When the viewer stands inside a large assembly (a headset trial, fly mode) most parts
are behind or beside them; skipping them saves vertex work, which is what limits a
software rasteriser. Boxes are tested in clip space, so no planes are extracted. Also here:
the index runs that draw a set of parts.
"""

from __future__ import annotations

import numpy as np

_CORNER_PICK = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)])


def box_corners(bounds: np.ndarray) -> np.ndarray:
    """(n, 2, 3) boxes -> (n, 8, 3) corners."""
    axes = np.arange(3)
    return bounds[:, _CORNER_PICK, axes]


def visible_in_frustum(local_bounds: np.ndarray, worlds: np.ndarray, view_proj: np.ndarray) -> np.ndarray:
    """(n,) bool: may part i's local (2, 3) box under world matrix worlds[i] (n, 4, 4) be
    on screen for the (4, 4) clip-from-world matrix? Conservative: True when unsure
    (non-finite boxes, boxes crossing a plane)."""
    n = len(local_bounds)
    if n == 0:
        return np.zeros(0, dtype=bool)
    finite = np.all(np.isfinite(local_bounds.reshape(n, -1)), axis=1)
    safe = np.where(finite[:, None, None], local_bounds, 0.0)
    corners = np.concatenate([box_corners(safe), np.ones((n, 8, 1))], axis=2)  # (n, 8, 4)
    clip = np.einsum("ij,njk,nck->nci", view_proj, worlds, corners)  # (n, 8, 4)
    w = clip[:, :, 3:4]
    outside = (clip[:, :, :3] < -w).all(axis=1) | (clip[:, :, :3] > w).all(axis=1)  # (n, 3)
    return ~outside.any(axis=1) | ~finite


def index_runs(part_ranges: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, counts) of the index ranges of parts ``order`` in that order, a part that
    follows its neighbour in the index buffer merged into its run."""
    ranges = part_ranges[order]
    ranges = ranges[ranges[:, 1] > 0]
    if not len(ranges):
        return ranges[:, 0], ranges[:, 1]
    ends = ranges[:, 0] + ranges[:, 1]
    new_run = np.r_[True, ranges[1:, 0] != ends[:-1]]
    run = np.cumsum(new_run) - 1
    starts = ranges[new_run, 0]
    counts = np.bincount(run, weights=ranges[:, 1]).astype(np.int64)
    return starts, counts
