"""Frames from a webcam, a video file or a still image, via OpenCV, in memory only.

A source either plays in real time (a video file standing in for a camera: frames arrive
at the file's own rate, and a slow consumer skips frames rather than falling behind) or
yields every frame as fast as it is read (tests, the CLI, benchmarks). Failures become a
``SceneError`` naming the source and the problem in one line: no camera or camera busy,
a camera that stops delivering frames (unplugged), a file that is not an image or video.
Nothing is ever written to disk.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from scenes.image_budget import check_size, header_size
from scenes.model import SceneError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
#: consecutive failed camera reads before the camera counts as gone
MAX_READ_FAILURES = 15


def _cv2():
    import cv2  # only in the camera device: importing cv2 changes Qt's environment

    cv2.setLogLevel(0)  # silent: a missing camera is reported by us, in one line
    return cv2


def parse_source(spec: str | int | Path) -> int | Path:
    """A camera index ("0", 0) or a file path."""
    if isinstance(spec, (int, Path)):
        return spec
    return int(spec) if spec.strip().isdigit() else Path(spec)


class FrameSource:
    """An opened camera, video or image; iterate ``frames()`` for (t, bgr) pairs.

    ``t`` is the video's timestamp (s), or seconds since the camera opened.
    """

    def __init__(self, spec: str | int | Path) -> None:
        self.spec = parse_source(spec)
        self.name = f"camera {self.spec}" if isinstance(self.spec, int) else str(self.spec)
        self._cap = None
        self._image: np.ndarray | None = None
        self.fps = 0.0
        self.frame_count = 0
        cv2 = _cv2()
        if isinstance(self.spec, int):
            self.kind = "camera"
            cap = cv2.VideoCapture(self.spec)
            if not cap.isOpened():
                cap.release()
                raise SceneError(
                    self.name, "no camera with this index, or it is in use by another program"
                )
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not a queue of old ones
            self.fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
            self._cap = cap
            return
        path = self.spec
        if not path.is_file():
            raise SceneError(path, "no such file")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            self.kind = "image"
            # the pixel budget from the header before OpenCV decodes anything; an image
            # PIL cannot read the header of is not decoded at all
            size = header_size(path)
            if size is None:
                raise SceneError(path, "not a readable image")
            check_size(path, "image", *size)
            self._image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if self._image is None:
                raise SceneError(path, "not a readable image")
            self.frame_count = 1
            return
        self.kind = "video"
        cap = cv2.VideoCapture(str(path))
        ok = cap.isOpened() and cap.grab()
        if not ok:
            cap.release()
            raise SceneError(path, "not a readable video (or an unsupported codec)")
        cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        self.fps = fps if 1.0 <= fps <= 1000.0 else 30.0
        self.frame_count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self._cap = cap

    def release(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def frames(
        self, realtime: bool = False, loop: bool = False, step: int = 1
    ) -> Iterator[tuple[float, np.ndarray]]:
        """(t, bgr) frames. ``realtime``: a video plays at its own rate, skipping frames
        when the consumer is slow; ``loop``: a video starts over at its end; ``step``:
        use every step-th frame of a video (fast tests)."""
        if self.kind == "image":
            yield 0.0, self._image
            return
        if self.kind == "camera":
            yield from self._camera_frames()
            return
        offset = 0.0  # a looped video's clock goes on, as a camera's does: filters
        while self._cap is not None:  # downstream see time move forward, never back
            end = offset
            for t, bgr in self._video_pass(realtime, step):
                end = offset + t
                yield end, bgr
            if not loop:
                return
            offset = end + 1.0 / self.fps
            self._cap.set(_cv2().CAP_PROP_POS_FRAMES, 0)

    def _camera_frames(self) -> Iterator[tuple[float, np.ndarray]]:
        start = time.perf_counter()
        failures = 0
        while self._cap is not None:
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                failures += 1
                if failures >= MAX_READ_FAILURES:
                    raise SceneError(
                        self.name,
                        "stopped delivering frames (unplugged or taken by another program)",
                    )
                time.sleep(0.01)
                continue
            failures = 0
            yield time.perf_counter() - start, bgr

    def _video_pass(self, realtime: bool, step: int) -> Iterator[tuple[float, np.ndarray]]:
        cap = self._cap
        start = time.perf_counter()
        index = 0
        while cap is not None:
            if realtime:
                due = int((time.perf_counter() - start) * self.fps)
                while index < due:  # behind: drop frames without decoding them into images
                    if not cap.grab():
                        return
                    index += 1
                wait = start + index / self.fps - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            ok, bgr = cap.read()
            if not ok or bgr is None:
                return
            yield index / self.fps, bgr
            index += 1
            for _ in range(step - 1):
                if not cap.grab():
                    return
                index += 1
