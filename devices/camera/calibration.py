"""Camera calibration from views of a board: which views to keep, and the fit.

OpenCV's ``calibrateCamera`` does the fitting (Zhang's method: a pinhole with five
distortion coefficients); what is ours is choosing the views. Photos the person chose
are all used; from a video or a live camera a view is kept only when the board moved
noticeably since every view already kept, so a board held still for two seconds does
not count sixty times and pull the fit towards one pose. Frames never leave memory.

A video can show far more distinct poses than a fit needs: up to ``POOL_FACTOR`` times
``max_views`` are gathered, and the ``max_views`` most unlike each other are used
(farthest-point sampling), so the fit sees the whole video, not its first seconds.

A calibration needs at least ``MIN_VIEWS`` views (the focal lengths, principal point and
distortion are not separable from fewer); the RMS reprojection error tells how well the
model fits (under 0.5 px is a good webcam calibration, over 1 px usually means a blurred
view or a board spec that does not match the printed board).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from devices.camera.boards import BoardDetector, BoardSpec
from devices.camera.intrinsics import CameraIntrinsics
from devices.camera.markers import cv2_module, to_gray

MIN_VIEWS = 3
#: views kept at most from a video or camera (the fit takes seconds beyond ~50)
DEFAULT_MAX_VIEWS = 30
#: a view from a video must differ from every kept one by this share of the image diagonal
#: (mean displacement of the board points both show): 20 px at 640x480, where a board
#: held still jitters by a pixel or two
MIN_CHANGE = 0.025
#: distinct video views gathered per view used
POOL_FACTOR = 6


@dataclass
class CalibrationView:
    """One view of the board: its name (``file`` or ``file#frame``) and matching points
    (object (n, 3) float32 in the board frame, image (n, 2) float32 pixels)."""

    name: str
    object_points: np.ndarray
    image_points: np.ndarray


@dataclass
class Calibration:
    """The fitted camera and how well each view agrees with it."""

    intrinsics: CameraIntrinsics
    #: (name, RMS reprojection error in pixels) per view used
    per_view_rms_px: list[tuple[str, float]] = field(default_factory=list)


class ViewCollector:
    """Collects board views from frames (see the module docstring)."""

    def __init__(self, board: BoardSpec, max_views: int = DEFAULT_MAX_VIEWS) -> None:
        self.board = board
        self.max_views = max_views
        self.detector = BoardDetector(board)
        self._photos: list[CalibrationView] = []
        self._pool: list[CalibrationView] = []
        #: names of the frames offered in which the board was not found
        self.missed: list[str] = []
        self.image_size: tuple[int, int] | None = None
        self._first_name = ""

    @property
    def full(self) -> bool:
        """No further frame can add a view."""
        return len(self._photos) >= self.max_views or len(self._pool) >= POOL_FACTOR * self.max_views

    @property
    def distinct_video_views(self) -> int:
        return len(self._pool)

    @property
    def views(self) -> list[CalibrationView]:
        """The views to calibrate with: every photo, then the video views most unlike
        each other, ``max_views`` in all."""
        room = self.max_views - len(self._photos)
        return self._photos + self._spread(room)

    def offer(self, name: str, image: np.ndarray, moved_only: bool = False) -> bool:
        """Look for the board in ``image``; keep the view unless the collector is full or
        (``moved_only``: frames of a video or camera) it nearly repeats a kept one.
        Returns whether it was kept. ValueError when the image size differs from the
        first view's (one camera, one size)."""
        size = (int(image.shape[1]), int(image.shape[0]))
        if self.image_size is None:
            self.image_size, self._first_name = size, name
        elif size != self.image_size:
            w, h = self.image_size
            raise ValueError(f"{name}: {size[0]}x{size[1]} pixels, but {self._first_name} is {w}x{h}: "
                             "calibrate with images from one camera at one size")
        if self.full:
            return False
        found = self.detector.find(to_gray(image))
        if found is None:
            self.missed.append(name)
            return False
        view = CalibrationView(name, found.object_points, found.image_points)
        if not moved_only:
            self._photos.append(view)
            return True
        limit = MIN_CHANGE * float(np.hypot(*self.image_size))
        if any(_shift(view, kept) < limit for kept in self._photos + self._pool):
            return False
        self._pool.append(view)
        return True

    def _spread(self, count: int) -> list[CalibrationView]:
        """``count`` pool views chosen one by one as the farthest from those chosen."""
        pool = self._pool
        if len(pool) <= count:
            return list(pool)
        chosen = [0]
        nearest = np.array([_shift(v, pool[0]) for v in pool])
        while len(chosen) < count:
            i = int(np.argmax(nearest))
            chosen.append(i)
            nearest = np.minimum(nearest, [_shift(v, pool[i]) for v in pool])
        return [pool[i] for i in sorted(chosen)]


def _shift(a: CalibrationView, b: CalibrationView) -> float:
    """Mean image distance (pixels) between the board points two views both show; inf
    when they share fewer than 4 (ChArUco views of different parts of the board)."""
    if len(a.object_points) == len(b.object_points) and np.array_equal(a.object_points, b.object_points):
        return float(np.linalg.norm(a.image_points - b.image_points, axis=1).mean())
    keys = {tuple(p): i for i, p in enumerate(np.round(a.object_points, 6).tolist())}
    pairs = [(keys[tuple(p)], j) for j, p in enumerate(np.round(b.object_points, 6).tolist()) if tuple(p) in keys]
    if len(pairs) < 4:
        return float("inf")
    i, j = np.array(pairs).T
    return float(np.linalg.norm(a.image_points[i] - b.image_points[j], axis=1).mean())


def calibrate(views: list[CalibrationView], image_size: tuple[int, int]) -> Calibration:
    """Fit intrinsics to the views (at least ``MIN_VIEWS``; ValueError otherwise or when
    OpenCV cannot fit them). ``image_size``: (width, height)."""
    if len(views) < MIN_VIEWS:
        raise ValueError(f"the board was found in {len(views)} view(s); at least {MIN_VIEWS} are needed")
    cv2 = cv2_module()
    objects = [v.object_points.reshape(-1, 1, 3).astype(np.float32) for v in views]
    images = [v.image_points.reshape(-1, 1, 2).astype(np.float32) for v in views]
    try:
        rms, k, dist, _, _, _, _, per_view = cv2.calibrateCameraExtended(objects, images, image_size, None, None)
    except cv2.error as err:
        raise ValueError(f"OpenCV could not fit a camera to these views ({str(err).strip().splitlines()[-1]})") from None
    k, dist = np.asarray(k, dtype=np.float64), np.asarray(dist, dtype=np.float64).ravel()
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(dist)) and k[0, 0] > 0 and k[1, 1] > 0):
        raise ValueError("the fit diverged (views too alike, or the board spec does not match the board)")
    intrinsics = CameraIntrinsics(k, dist, image_size[0], image_size[1], rms_px=float(rms), images_used=len(views))
    errors = [(v.name, float(e)) for v, e in zip(views, np.ravel(per_view), strict=True)]
    return Calibration(intrinsics, errors)


def calibrate_frames(
    frames: Iterable[tuple[str, np.ndarray]], board: BoardSpec, moved_only: bool = False,
    max_views: int = DEFAULT_MAX_VIEWS,
) -> tuple[Calibration, ViewCollector]:
    """Collect views from (name, image) pairs and calibrate; ValueError as ``calibrate``."""
    collector = ViewCollector(board, max_views)
    for name, image in frames:
        collector.offer(name, image, moved_only)
        if collector.full:
            break
    if collector.image_size is None:
        raise ValueError("no frames to calibrate with")
    return calibrate(collector.views, collector.image_size), collector
