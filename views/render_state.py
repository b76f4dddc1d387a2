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


@dataclass(frozen=True)
class CameraBackdrop:
    """Desktop AR: a camera picture behind the scene, and the camera it was taken with.

    The scene is drawn through that camera (``view``, ``projection``) instead of the
    viewport's own, so the model lands on the picture where the real part is. The
    picture keeps its aspect ratio: it is fitted into the viewport (``backdrop_rect``)
    and the scene is drawn into the same rectangle.

    image      : (h, w, 3) uint8, row 0 at the top, lens distortion already removed (the
                 camera device does that; views never import OpenCV)
    projection : (4, 4) eye -> clip of that camera for the picture's full size
                 (``CameraIntrinsics.gl_projection``)
    view       : (4, 4) world -> eye of the camera when the picture was taken; None when
                 its pose is unknown (marker lost): the picture alone is drawn
    bgr        : the channel order of ``image`` (OpenCV's BGR unless False)

    The same ``image`` object drawn again is not uploaded again: a new picture must be a
    new array (as every camera frame is), never the old one changed in place.
    """

    image: np.ndarray
    projection: np.ndarray
    view: np.ndarray | None = None
    bgr: bool = True


def backdrop_rect(viewport: tuple[int, int, int, int], width: int, height: int) -> tuple[int, int, int, int]:
    """The largest rectangle of a ``width`` x ``height`` picture's aspect ratio centred in
    ``viewport`` (x, y, w, h): where a camera backdrop and the scene over it are drawn."""
    x, y, vw, vh = viewport
    scale = min(vw / max(width, 1), vh / max(height, 1))
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    return x + (vw - w) // 2, y + (vh - h) // 2, w, h


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
    camera_backdrop : desktop AR: a camera picture behind the scene, whose camera the
                     scene is then drawn through (no grid over it); None: the viewport's
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
    camera_backdrop: CameraBackdrop | None = None

    def draws_as(self, other: RenderState) -> bool:
        """Whether ``other`` draws the same picture: an idle session still steps 90 times a
        second, and a view that repainted each unchanged state kept a core busy on
        software OpenGL. A camera backdrop is the same only as the same object (a new
        picture is always a new array)."""
        if self is other:
            return True
        if (self.highlights != other.highlights or self.overlay_xray_alpha != other.overlay_xray_alpha
                or self.background != other.background or self.background_gradient != other.background_gradient
                or self.show_grid != other.show_grid or self.camera_backdrop is not other.camera_backdrop):
            return False
        if self.part_poses.keys() != other.part_poses.keys() or not all(
                np.array_equal(pose, other.part_poses[part]) for part, pose in self.part_poses.items()):
            return False
        if len(self.ghosts) != len(other.ghosts) or not all(
                a[0] == b[0] and a[2] == b[2] and np.array_equal(a[1], b[1]) for a, b in zip(self.ghosts, other.ghosts, strict=True)):
            return False
        if not all(np.array_equal(getattr(self, name), getattr(other, name))
                   for name in ("lines", "line_colors", "points", "point_radii", "point_colors")):
            return False
        return len(self.labels) == len(other.labels) and all(
            a.lines == b.lines and a.rgba == b.rgba and np.array_equal(a.position, b.position)
            for a, b in zip(self.labels, other.labels, strict=True))
