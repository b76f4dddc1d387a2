"""Gaze heatmap on the model: where the gaze met the geometry, drawn by the real renderer.

The hits come from re-running each recording through the engine (``GazeTrace``): the first
surface along each gaze ray, with parts where they were at that moment, then carried along
with their part to where it ended, so one picture of the model as it ended holds every
trial's gaze. Each hit's local density (neighbours within 2 % of the model's size, k-d tree)
picks a colour from matplotlib's ``inferno`` map; the renderer draws the model at its final
part poses with the hits as sphere overlays, looking along the mean gaze direction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: at most this many hits are drawn (evenly subsampled); density uses all of them
MAX_DRAWN = 6000


def density_colors(hits: np.ndarray, radius: float) -> np.ndarray:
    """(n, 4) float32 RGBA from each hit's neighbour count (normalised to the maximum)."""
    from matplotlib import colormaps
    from scipy.spatial import cKDTree

    if len(hits) == 0:
        return np.zeros((0, 4), np.float32)
    counts = cKDTree(hits).query_ball_point(hits, radius, return_length=True).astype(np.float64)
    level = np.log1p(counts) / np.log1p(counts.max())
    return colormaps["inferno"](0.25 + 0.75 * level).astype(np.float32)


def render_gaze_heatmap(
    scene: Any, traces: Sequence[Any], out: Path, size: tuple[int, int] = (960, 720)
) -> Path | None:
    """Write the heatmap PNG from ``interaction.recording_rerun.GazeTrace`` objects of
    recordings on ``scene``; None when no gaze hit the model.

    Raises app.gui.DisplayUnavailable when no OpenGL context can be made here.
    """
    from app.offscreen import OffscreenTarget
    from views.camera import Camera
    from views.qimage import array_to_image
    from views.render_state import RenderState
    from views.renderer import Renderer

    hits = np.concatenate([t.hits_final for t in traces])
    hits = hits[np.isfinite(hits).all(axis=1)]
    if len(hits) == 0:
        return None
    view_dirs = np.concatenate([(t.hits - t.origins)[np.isfinite(t.hits).all(axis=1)] for t in traces])
    direction = view_dirs.mean(axis=0)
    direction /= max(float(np.linalg.norm(direction)), 1e-12)
    extent = float(np.linalg.norm(scene.bounds[1] - scene.bounds[0]))
    colors = density_colors(hits, 0.02 * extent)
    drawn = np.linspace(0, len(hits) - 1, min(len(hits), MAX_DRAWN)).astype(int)
    state = RenderState(
        part_poses=dict(traces[-1].final_poses),
        points=hits[drawn].astype(np.float32),
        point_radii=np.full(len(drawn), 0.006 * extent, np.float32),
        point_colors=colors[drawn],
        show_grid=False,
    )
    width, height = size
    camera = Camera()
    camera.pitch = float(np.clip(math.asin(float(np.clip(direction[1], -1, 1))), -1.5, 1.5))
    camera.yaw = math.atan2(-direction[0], -direction[2])
    camera.frame(scene.bounds, width / height)
    with OffscreenTarget(width, height) as target:
        renderer = Renderer()
        renderer.set_scene(scene)
        view, proj = camera.view_matrix(), camera.projection_matrix(width / height)
        pixels = target.render(lambda fb: renderer.draw(view, proj, (0, 0, width, height), fb, state))
        target.make_current()
        renderer.release()
    if not array_to_image(pixels).save(str(out), "PNG"):
        raise OSError(f"{out}: could not write the PNG")
    return out
