"""What changes from frame to frame on top of the uploaded scene.

The renderer draws a Scene uploaded once; everything the interaction layer decides
(moved parts, highlights, target ghosts, hands, rays, gaze, magnet zones) reaches it
through this one plain value, so the desktop viewport, the headset swapchains and
the replay viewer draw the same thing from the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

RGBA = tuple[float, float, float, float]


class Highlight(Enum):
    """Why a part is emphasised; each has its own tint and rim colour."""

    HOVER = "hover"
    SELECTED = "selected"
    GRABBED = "grabbed"
    SNAPPED = "snapped"
    ERROR = "error"


#: highlight -> (r, g, b, strength): strength mixes the tint into the lit colour
HIGHLIGHT_COLORS: dict[Highlight, tuple[float, float, float, float]] = {
    Highlight.HOVER: (0.55, 0.85, 1.0, 0.35),
    Highlight.SELECTED: (1.0, 0.55, 0.05, 0.75),
    Highlight.GRABBED: (0.25, 0.55, 1.0, 0.75),
    Highlight.SNAPPED: (0.2, 0.9, 0.35, 0.75),
    Highlight.ERROR: (1.0, 0.12, 0.12, 0.8),
}

#: a neutral grey-blue; with ``background_gradient`` it fades lighter towards the top
DEFAULT_BACKGROUND: RGBA = (0.32, 0.34, 0.37, 1.0)


@dataclass(frozen=True)
class Label:
    """A short text beside a world point: feedback (snapped, out of tolerance, ...) and the
    carried part's readout. ``lines`` are drawn one under another; ``rgba`` tints the box."""

    position: np.ndarray  # (3,) world
    lines: tuple[str, ...]
    rgba: RGBA = (0.1, 0.11, 0.13, 0.85)


def _empty(shape: tuple[int, ...]) -> np.ndarray:
    return np.zeros(shape, dtype=np.float32)


@dataclass
class RenderState:
    """Per-frame overrides and overlays. All arrays are in world space (metres).

    part_poses     : part id -> (4, 4) world matrix replacing the part's authored pose
    highlights     : part id -> Highlight
    ghosts         : [(part id, (4, 4) world matrix, rgba)] translucent copies (target poses)
    lines          : (n, 2, 3) float32 segment end points, line_colors (n, 4) float32
    points         : (m, 3) float32 sphere centres, point_radii (m,) metres, point_colors (m, 4)
    labels         : [Label] short texts pinned to world points (the desktop view draws them)
    overlay_xray_alpha : lines and points are drawn this faintly through the parts too (0: not)
    background     : clear colour, or None to clear to transparent (AR pass-through)
    """

    part_poses: dict[str, np.ndarray] = field(default_factory=dict)
    highlights: dict[str, Highlight] = field(default_factory=dict)
    ghosts: list[tuple[str, np.ndarray, RGBA]] = field(default_factory=list)
    lines: np.ndarray = field(default_factory=lambda: _empty((0, 2, 3)))
    line_colors: np.ndarray = field(default_factory=lambda: _empty((0, 4)))
    points: np.ndarray = field(default_factory=lambda: _empty((0, 3)))
    point_radii: np.ndarray = field(default_factory=lambda: _empty((0,)))
    point_colors: np.ndarray = field(default_factory=lambda: _empty((0, 4)))
    labels: list[Label] = field(default_factory=list)
    overlay_xray_alpha: float = 0.3
    background: RGBA | None = DEFAULT_BACKGROUND
    background_gradient: bool = True
    show_grid: bool = True
