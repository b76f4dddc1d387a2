"""Gaze heatmap on the model: the density of gaze hits over the model's surface, on a picture
of the whole model drawn by the real renderer.

What is drawn: every part at the pose it is given (the report gives the scenario's target
poses: the assembled model, the one reference that every trial shares however far it got),
seen along the mean gaze direction and framed on the bounds of all parts at those poses.

The hits come from re-running each recording through the engine (``GazeTrace``): the first
surface along each gaze ray, carried along with their part to where it ended
(``hits_final``). Each hit is then moved with its part from that end pose to the pose
drawn here, so a hit on a bolt that was left on the tray lands on the bolt in the assembly.
(``GazeTrace`` does not say which part a hit was on, so that part is found again as the
part whose surface holds the hit at the trial's end poses.)

Density: each hit is a 2-D Gaussian on the surface with a standard deviation of
``GAZE_ACCURACY_DEG`` of visual angle at its viewing distance (at least ``MIN_SPREAD`` of
the model's size), so the unit is gaze samples per square metre. It is evaluated at the
surface point under every pixel (read back from the depth buffer), so it lies on the
visible surfaces only and hits on a hidden face do not bleed through the part in front.
The model is drawn in grey, the density over it on a log scale with matplotlib's
``COLORMAP``: from ``1 / 10**LOG_DECADES`` of the peak (dark purple) to the peak (pale
yellow); below that the surface stays grey.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: standard deviation of a gaze sample on the surface, in degrees of visual angle (typical
#: eye-tracker accuracy is 0.5-1.5 deg; webcam iris gaze is worse)
GAZE_ACCURACY_DEG = 1.0
#: ... but at least this share of the model's size (bounding box diagonal)
MIN_SPREAD = 0.005
#: the colour scale spans this many decades below the peak density
LOG_DECADES = 2.0
COLORMAP = "inferno"
#: the part of the colour map used, low end (1 % of the peak) to high end (the peak)
COLORMAP_RANGE = (0.2, 1.0)
#: (r, g, b) 0-255 behind the model
BACKGROUND = (255, 255, 255)
#: hits closer than this share of the model size to a part's surface are on that part
_ON_SURFACE = 1e-4


@dataclass(frozen=True)
class Heatmap:
    """A written heatmap and how it was made (matrices to project world points onto it)."""

    path: Path
    view: np.ndarray  # (4, 4) world -> eye
    proj: np.ndarray  # (4, 4) eye -> clip
    size: tuple[int, int]  # width, height in pixels
    bounds: np.ndarray  # (2, 3) world bounds of the model as drawn
    samples: int  # gaze hits on the model, all trials
    hidden: int  # of them, hits on surfaces this view does not show


def model_bounds(scene: Any, poses: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """(2, 3) world bounds of every part, each at ``poses[part id]`` (else where authored)."""
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    for part in scene.parts:
        box = scene.node_bounds(scene.part_nodes(part))
        if box is None:
            continue
        corners = np.array([[box[i][0], box[j][1], box[k][2]] for i in (0, 1) for j in (0, 1) for k in (0, 1)])
        pose = poses.get(part.id)
        if pose is not None:
            move = np.asarray(pose, dtype=np.float64) @ np.linalg.inv(scene.world_matrix(part.node))
            corners = corners @ move[:3, :3].T + move[:3, 3]
        lo, hi = np.minimum(lo, corners.min(axis=0)), np.maximum(hi, corners.max(axis=0))
    return np.stack([lo, hi]) if np.all(np.isfinite(lo)) else scene.bounds


def hits_at_poses(scene: Any, trace: Any, poses: Mapping[str, np.ndarray], size: float) -> np.ndarray:
    """(n, 3) the trace's gaze hits (finite ones, in frame order) moved with their part from
    its pose at the trial's end to ``poses``; hits on parts already there stay."""
    hits = np.asarray(trace.hits_final, dtype=np.float64)
    hits = hits[np.isfinite(hits).all(axis=1)]
    final = {pid: np.asarray(m, dtype=np.float64) for pid, m in trace.final_poses.items()}
    moves = {pid: np.asarray(poses[pid], dtype=np.float64) @ np.linalg.inv(m)
             for pid, m in final.items() if pid in poses and not np.allclose(m, poses[pid], rtol=0, atol=1e-9)}
    if not moves or not len(hits):
        return hits
    from scenes.index import SceneIndex

    index = SceneIndex(scene)
    for pid, m in final.items():
        try:
            index.set_part_pose(pid, m)
        except (KeyError, ValueError):
            continue  # not a part of this scene, or a degenerate pose: its hits stay put
    unique, inverse = np.unique(hits, axis=0, return_inverse=True)
    moved = unique.copy()
    for k, p in enumerate(unique):
        near = index.parts_near(p, _ON_SURFACE * size)
        move = moves.get(near[0][0]) if near else None
        if move is not None:
            moved[k] = move[:3, :3] @ p + move[:3, 3]
    return moved[inverse.reshape(-1)]


def gaze_spread(trace: Any, size: float) -> np.ndarray:
    """(n,) standard deviation (metres) of each finite hit of the trace on the surface."""
    hits = np.asarray(trace.hits_final, dtype=np.float64)
    ok = np.isfinite(hits).all(axis=1)
    distance = np.linalg.norm(np.asarray(trace.hits)[ok] - np.asarray(trace.origins)[ok], axis=1)
    distance = np.nan_to_num(distance, nan=0.0)
    return np.maximum(distance * math.tan(math.radians(GAZE_ACCURACY_DEG)), MIN_SPREAD * size)


def _group(hits: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hits merged on a grid of a third of the smallest spread: (centres, counts, spreads)."""
    cell = float(sigma.min()) / 3.0
    keys = np.floor(hits / cell).astype(np.int64)
    _, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    centres = np.zeros((len(counts), 3))
    spreads = np.zeros(len(counts))
    np.add.at(centres, inverse, hits)
    np.add.at(spreads, inverse, sigma)
    return centres / counts[:, None], counts.astype(np.float64), spreads / counts


def _kernel(d2: np.ndarray, weight: float | np.ndarray, sigma: float | np.ndarray) -> np.ndarray:
    """Samples per square metre of a surface Gaussian, cut off at 3 sigma."""
    s2 = np.square(sigma)
    return np.where(d2 < 9.0 * s2, weight / (2.0 * math.pi * s2) * np.exp(-0.5 * d2 / s2), 0.0)


def density_at_hits(centres: np.ndarray, weights: np.ndarray, spreads: np.ndarray) -> np.ndarray:
    """(k,) density at each group centre from all groups (the peak need not be in view)."""
    from scipy.spatial import cKDTree

    tree = cKDTree(centres)
    pairs = tree.sparse_distance_matrix(tree, 3.0 * float(spreads.max()), output_type="ndarray")
    out = weights / (2.0 * math.pi * np.square(spreads))  # each group on itself (distance 0)
    i, j, d = pairs["i"], pairs["j"], pairs["v"]
    off = i != j
    np.add.at(out, i[off], _kernel(np.square(d[off]), weights[j[off]], spreads[j[off]]))
    return out


def density_on_pixels(
    world: np.ndarray, mask: np.ndarray, view: np.ndarray, proj: np.ndarray,
    centres: np.ndarray, weights: np.ndarray, spreads: np.ndarray,
) -> np.ndarray:
    """(h, w) density at the surface point under each pixel (``world``: (h, w, 3), where
    ``mask``); each group only touches the pixels around its projected 3-sigma sphere."""
    from views.camera import project_points

    h, w = mask.shape
    density = np.zeros((h, w))
    window = project_points(centres, view, proj, w, h)
    depth = -(np.c_[centres, np.ones(len(centres))] @ view.T)[:, 2]  # distance along the view axis
    focal = 0.5 * h * proj[1, 1]
    for c, weight, sigma, (x, y, _), z in zip(centres, weights, spreads, window, depth, strict=True):
        if z <= 3.0 * sigma:
            continue  # at or behind the eye: cannot be on a visible surface
        r = 1.5 * 3.0 * sigma * focal / (z - 3.0 * sigma) + 2.0
        x0, x1 = max(int(x - r), 0), min(int(x + r) + 1, w)
        y0, y1 = max(int(y - r), 0), min(int(y + r) + 1, h)
        if x0 >= x1 or y0 >= y1:
            continue
        d2 = np.square(world[y0:y1, x0:x1] - c).sum(axis=-1)
        density[y0:y1, x0:x1] += _kernel(d2, weight, sigma)
    density[~mask] = 0.0
    return density


def shade(pixels: np.ndarray, depth: np.ndarray, density: np.ndarray, peak: float) -> np.ndarray:
    """(h, w, 3) uint8: the rendered model (RGBA, cleared to transparent) in grey with the
    density over it (see module doc), on ``BACKGROUND``."""
    from matplotlib import colormaps

    rgba = pixels.astype(np.float64) / 255.0
    coverage = rgba[..., 3:4]
    colour = np.where(coverage > 0, rgba[..., :3] / np.maximum(coverage, 1e-6), 0.0)
    luma = colour @ np.array([0.299, 0.587, 0.114])
    grey = np.repeat((0.18 + 0.62 * np.clip(luma, 0, 1))[..., None], 3, axis=-1)  # keeps the shading
    with np.errstate(divide="ignore"):
        level = np.clip(1.0 + np.log10(np.maximum(density, 0.0) / peak) / LOG_DECADES, 0.0, 1.0)
    shown = (density > 0) & (level > 0) & (depth < 1.0)
    low, high = COLORMAP_RANGE
    heat = colormaps[COLORMAP](low + (high - low) * level)[..., :3]
    alpha = np.where(shown, 0.6 + 0.4 * level, 0.0)[..., None]
    model = grey * (1 - alpha) + heat * alpha
    background = np.asarray(BACKGROUND, dtype=np.float64) / 255.0
    out = model * coverage + background * (1 - coverage)
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def render_gaze_heatmap(
    scene: Any,
    traces: Sequence[Any],
    out: Path,
    size: tuple[int, int] = (960, 720),
    poses: Mapping[str, np.ndarray] | None = None,
) -> Heatmap | None:
    """Write the heatmap PNG from ``interaction.recording_rerun.GazeTrace`` objects of
    recordings on ``scene``, every part drawn at ``poses`` (part id -> world matrix; parts
    not in it where authored); None when no gaze hit the model.

    Raises app.display.application.DisplayUnavailable when no OpenGL context can be made here.
    """
    from app.display.offscreen import prefer_egl_without_display

    # before anything imports OpenGL.GL: without a display PyOpenGL must load EGL, not GLX
    prefer_egl_without_display()
    from app.display.offscreen import OffscreenTarget
    from views.camera import Camera
    from views.qimage import array_to_image
    from views.render_state import RenderState

    poses = dict(poses or {})
    bounds = model_bounds(scene, poses)
    if bounds is None:
        return None
    extent = float(np.linalg.norm(bounds[1] - bounds[0]))
    hits = [hits_at_poses(scene, t, poses, extent) for t in traces]
    sigma = np.concatenate([gaze_spread(t, extent) for t in traces])
    hits_all = np.concatenate([np.zeros((0, 3)), *hits])
    if len(hits_all) == 0:
        return None
    directions = np.concatenate([np.asarray(t.hits) - np.asarray(t.origins) for t in traces])
    directions = directions[np.isfinite(directions).all(axis=1)]
    directions /= np.maximum(np.linalg.norm(directions, axis=1, keepdims=True), 1e-12)
    direction = directions.mean(axis=0) if len(directions) else np.array([0.0, -1.0, -1.0])
    direction /= max(float(np.linalg.norm(direction)), 1e-12)

    width, height = size
    camera = Camera()
    camera.pitch = float(np.clip(math.asin(float(np.clip(direction[1], -1, 1))), -1.5, 1.5))
    camera.yaw = math.atan2(-direction[0], -direction[2])
    camera.frame(bounds, width / height)
    view, proj = camera.view_matrix(), camera.projection_matrix(width / height)
    state = RenderState(part_poses=poses, show_grid=False, background=None)
    # the context first: without a display it picks EGL before PyOpenGL is imported
    with OffscreenTarget(width, height) as target:
        from views.renderer import Renderer

        renderer = Renderer()
        renderer.set_scene(scene)
        pixels, depth = target.render_with_depth(
            lambda fb: renderer.draw(view, proj, (0, 0, width, height), fb, state)
        )
        target.make_current()
        renderer.release()

    # the surface point under each pixel, from the depth buffer
    mask = depth < 1.0
    ys, xs = np.mgrid[0:height, 0:width]
    ndc = np.stack([(xs + 0.5) / width * 2 - 1, 1 - (ys + 0.5) / height * 2, depth.astype(np.float64) * 2 - 1,
                    np.ones_like(xs, dtype=np.float64)], axis=-1)
    homo = ndc @ np.linalg.inv(proj @ view).T
    world = homo[..., :3] / homo[..., 3:4]

    centres, weights, spreads = _group(hits_all, sigma)
    on_pixels = density_on_pixels(world, mask, view, proj, centres, weights, spreads)
    peak = max(float(density_at_hits(centres, weights, spreads).max()), float(on_pixels.max()))
    image = shade(pixels, depth, on_pixels, peak)

    # a hit is seen when the surface under its pixel is where it is
    from views.camera import project_points

    where = project_points(centres, view, proj, width, height)
    px = np.clip(where[:, 0].astype(int), 0, width - 1)
    py = np.clip(where[:, 1].astype(int), 0, height - 1)
    inside = (where[:, 0] >= 0) & (where[:, 0] < width) & (where[:, 1] >= 0) & (where[:, 1] < height)
    seen = inside & mask[py, px] & (np.linalg.norm(world[py, px] - centres, axis=1) < 2.0 * spreads)
    hidden = int(weights[~seen].sum())

    if not array_to_image(np.dstack([image, np.full((height, width), 255, np.uint8)])).save(str(out), "PNG"):
        raise OSError(f"{out}: could not write the PNG")
    return Heatmap(out, view, proj, (width, height), bounds, len(hits_all), hidden)
