"""Frames from a webcam, a video file or a still image, via OpenCV, in memory only.

A source either plays in real time (a video file standing in for a camera: frames arrive
at the file's own rate, and a slow consumer skips frames rather than falling behind) or
yields every frame as fast as it is read (tests, the CLI, benchmarks). Failures become a
``SceneError`` naming the source and the problem in one line: no camera or camera busy,
a camera that stops delivering frames (unplugged), a file that is not an image or video.
Nothing is ever written to disk.

Damaged files, by class rather than by symptom:

- nothing usable (empty, a folder, text, random bytes, an MP4 cut before its index, a
  video whose first frame does not decode, a truncated image): a ``SceneError``;
- a video that decodes for a while, then stops short of the frame count its container
  announces (truncated, a zeroed or corrupted stretch: OpenCV stops at the first packet
  FFmpeg cannot split or decode): its frames are used and ``warning`` says how many of how
  many were read;
- a still image under a video's name (a photo renamed .mp4): a one-frame image source,
  and ``warning`` says so.

Frames over the image pixel budget (scenes/image_budget.py) are refused from the size the
container declares, before any frame is converted to an image. FFmpeg's own log lines are
silenced (unless ``OPENCV_FFMPEG_LOGLEVEL`` is set): we report damage in one line instead.
"""

from __future__ import annotations

import math
import os
import stat
import struct
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from scenes.image_budget import check_size, header_size, over_budget
from scenes.model import SceneError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
#: consecutive failed camera reads before the camera counts as gone
MAX_READ_FAILURES = 15
#: leading bytes of the still images a video path may hold by mistake; GIF is not among
#: them: an animated GIF is a video to FFmpeg
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM", b"II*\x00", b"MM\x00*")
#: ISO media boxes read at most, per level, to explain why an MP4/MOV does not open
MAX_BOXES = 1000
#: AV_LOG_QUIET: FFmpeg prints nothing on its own (it would print a line per damaged packet)
FFMPEG_LOGLEVEL = "-8"


def _cv2():
    # FFmpeg reads this when OpenCV first opens a video file, so it is set before cv2 is
    # used for anything; a user who sets it (to debug a codec) keeps their own level
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", FFMPEG_LOGLEVEL)
    import cv2  # only in the camera device: importing cv2 changes Qt's environment

    cv2.setLogLevel(0)  # silent: a missing camera is reported by us, in one line
    return cv2


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a video or image source before anything reads it (no such
    file, a folder, a FIFO or device that would block, not readable, empty), or None."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "no such file"
    except (OSError, ValueError) as err:  # a folder on the way not readable, a name too long
        return f"cannot be read ({getattr(err, 'strerror', None) or err})"
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a video or image file"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a pipe or device cannot be a video source)"
    try:
        path.open("rb").close()  # a regular file: opening it cannot block
    except OSError as err:
        return f"cannot be read ({err.strerror or type(err).__name__})"
    if info.st_size == 0:
        return "is empty (0 bytes)"
    return None


def _is_still_image(path: Path) -> bool:
    """A still image whatever its name says: the leading bytes of one, and a header PIL
    reads. A photo renamed .mp4 is then tracked as the photo it is, not by FFmpeg."""
    with path.open("rb") as f:
        head = f.read(12)
    webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if not (webp or head.startswith(_IMAGE_MAGIC)):
        return False
    return header_size(path) is not None


def _image_complete(path: Path) -> bool:
    """False when the image is cut short or damaged. OpenCV decodes a truncated JPEG into
    grey rows and says so only on stderr, so PIL checks it first: JPEG decoded at 1/8 scale
    (cheap, yet every byte of the scan is read), PNG through its chunk checksums."""
    try:
        # PIL warns (two lines, no file name) about damaged metadata such as EXIF tags it
        # skips; the pixels are what is checked here, and they decode or they do not
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with Image.open(path) as img:
                if img.format == "JPEG":
                    img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
                    img.load()
                elif img.format == "PNG":
                    img.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return True


def _boxes(f: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, start, end) of the ISO media boxes (MP4, MOV) between ``start`` and ``end``,
    from their headers alone; a box that runs past ``end`` is cut off there. At most
    ``MAX_BOXES``: a hostile file of a million tiny boxes is not walked to its end."""
    at = start
    for _ in range(MAX_BOXES):
        if at + 8 > end:
            return
        f.seek(at)
        length, kind = struct.unpack(">I4s", f.read(8))
        header = 8
        if length == 1 and at + 16 <= end:  # a 64-bit length follows
            (length,) = struct.unpack(">Q", f.read(8))
            header = 16
        if length == 0:  # the box runs to the end
            length = end - at
        if length < header:
            return  # damaged: nothing after this can be trusted
        yield kind, at + header, min(at + length, end)
        at += length


def _mp4_problem(path: Path) -> str | None:
    """Why an MP4/MOV that FFmpeg would not open holds nothing to play, or None (not such
    a file, or not one of these problems): no index ('moov'), which most writers put at the
    end, so a recording or download that did not finish lacks it; or an index without a
    single track, which a recorder that stopped before its first frame leaves."""
    with path.open("rb") as f:
        size = f.seek(0, os.SEEK_END)
        top = list(_boxes(f, 0, size))
        if not top or top[0][0] != b"ftyp":
            return None
        moov = next(((a, b) for kind, a, b in top if kind == b"moov"), None)
        if moov is None and len(top) < MAX_BOXES:
            return (
                "not a readable video: its index ('moov') is missing, the file was cut "
                "short (a recording or download that did not finish?)"
            )
        if moov is not None and not any(kind == b"trak" for kind, _, _ in _boxes(f, *moov)):
            return "not a readable video: it has no tracks (0 frames were recorded)"
    return None


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
        #: frames the container announces (0: unknown, a camera)
        self.frame_count = 0
        #: one line naming the source when it is usable but not whole (see module docstring)
        self.warning: str | None = None
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
        problem = file_problem(path)
        if problem is not None:
            raise SceneError(path, problem)
        if path.suffix.lower() in IMAGE_SUFFIXES:
            self._open_image(path)
        elif _is_still_image(path):
            self._open_image(path)
            self.warning = f"{path}: a still image, not a video; tracked as one frame"
        else:
            self._open_video(path)

    def _open_image(self, path: Path) -> None:
        cv2 = _cv2()
        self.kind = "image"
        # the pixel budget from the header before OpenCV decodes anything; an image
        # PIL cannot read the header of is not decoded at all
        size = header_size(path)
        if size is None:
            raise SceneError(path, "not a readable image")
        check_size(path, "image", *size)
        if not _image_complete(path):
            raise SceneError(path, "not a readable image (truncated or damaged)")
        self._image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if self._image is None:
            raise SceneError(path, "not a readable image")
        self.frame_count = 1

    def _open_video(self, path: Path) -> None:
        cv2 = _cv2()
        self.kind = "video"
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            cap.release()
            problem = _mp4_problem(path)
            raise SceneError(path, problem or "not a readable video (or an unsupported codec)")
        # the budget from the declared frame size, before a frame is converted to an image
        # (OpenCV reports 0 when it does not know; then the first frame is checked instead)
        width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        too_big = over_budget(path, "a video frame", width, height)
        if too_big is not None:
            cap.release()
            raise too_big
        if not cap.grab():
            cap.release()
            raise SceneError(
                path, "not a readable video: no frame decodes (no video frames, or damaged from the start)"
            )
        cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        self.fps = fps if 1.0 <= fps <= 1000.0 else 30.0
        # FFmpeg reports nonsense for streams without a count (-2**63 for a JPEG stream)
        count = float(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = int(count) if math.isfinite(count) and 0 < count < 2**31 else 0
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
            end, passed = offset, 0
            for t, bgr in self._video_pass(realtime, step):
                end, passed = offset + t, passed + 1
                yield end, bgr
            if not loop:
                return
            if passed == 0:  # it would loop forever without a frame
                raise SceneError(self.name, "no frame could be read after starting the video over")
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
        """One pass from the current position to where the video stops delivering frames;
        a stop short of the announced frame count sets ``warning``."""
        cap = self._cap
        start = time.perf_counter()
        index = 0
        while cap is not None:
            if realtime:
                due = int((time.perf_counter() - start) * self.fps)
                while index < due:  # behind: drop frames without decoding them into images
                    if not cap.grab():
                        self._ended_after(index)
                        return
                    index += 1
                wait = start + index / self.fps - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            ok, bgr = cap.read()
            if not ok or bgr is None or bgr.size == 0:
                self._ended_after(index)
                return
            check_size(self.name, "a video frame", bgr.shape[1], bgr.shape[0])
            yield index / self.fps, bgr
            index += 1
            for _ in range(step - 1):
                if not cap.grab():
                    self._ended_after(index)
                    return
                index += 1

    def _ended_after(self, frames: int) -> None:
        """The video stopped delivering after ``frames`` frames. Well short of the count
        its container announces means the rest is damaged or missing (a count estimated
        from the duration may be off by a frame or two: that much is not damage)."""
        missing = self.frame_count - frames
        if missing > max(2, self.frame_count // 50):
            self.warning = (
                f"{self.name}: read {frames} of {self.frame_count} frames; "
                "the rest is damaged or missing"
            )
