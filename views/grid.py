"""The ground grid under a scene: metric spacing chosen from the scene's size.

A 10 mm bracket gets a millimetre grid, a machine hall a metre grid, so the grid
always tells the viewer the scale at a glance.
"""

from __future__ import annotations

import math

import numpy as np

_MINOR = (0.55, 0.57, 0.6, 0.35)
_MAJOR = (0.7, 0.72, 0.75, 0.6)
_MAX_LINES_PER_AXIS = 201


def grid_step(size: float) -> float:
    """A power-of-ten spacing giving roughly 10 to 100 cells across `size` metres."""
    return 10.0 ** math.floor(math.log10(max(size, 1e-6) / 10.0))


def grid_lines(bounds: np.ndarray) -> np.ndarray:
    """(2, 3) scene bounds -> (2 * n, 7) float32 line vertices (x, y, z, r, g, b, a) on the
    plane y = bounds' bottom, centred under the scene, every tenth line stronger."""
    lo, hi = np.asarray(bounds, dtype=np.float64)
    extent = float(max(hi[0] - lo[0], hi[2] - lo[2], hi[1] - lo[1], 1e-6))
    step = grid_step(extent * 2.0)
    half_cells = min(math.ceil(extent * 1.5 / step), _MAX_LINES_PER_AXIS // 2)
    half = half_cells * step
    cx = round((lo[0] + hi[0]) / 2.0 / (step * 10)) * step * 10
    cz = round((lo[2] + hi[2]) / 2.0 / (step * 10)) * step * 10
    y = lo[1]
    k = np.arange(-half_cells, half_cells + 1)
    colors = np.where((k % 10 == 0)[:, None], _MAJOR, _MINOR)
    along_x = np.zeros((len(k), 2, 7))
    along_x[:, 0, :3] = np.c_[np.full(len(k), cx - half), np.full(len(k), y), cz + k * step]
    along_x[:, 1, :3] = np.c_[np.full(len(k), cx + half), np.full(len(k), y), cz + k * step]
    along_z = np.zeros((len(k), 2, 7))
    along_z[:, 0, :3] = np.c_[cx + k * step, np.full(len(k), y), np.full(len(k), cz - half)]
    along_z[:, 1, :3] = np.c_[cx + k * step, np.full(len(k), y), np.full(len(k), cz + half)]
    for lines in (along_x, along_z):
        lines[:, :, 3:] = colors[:, None, :]
    return np.concatenate([along_x, along_z]).reshape(-1, 7).astype(np.float32)
