"""CameraDevice: webcam (or video file) hand and gaze tracking as an input Device.

MediaPipe takes ~25 ms a frame here, longer than a 90 Hz engine tick, so tracking runs in
a worker thread and ``poll`` never waits: it returns the newest finished frame (restamped
with the session's time), or untracked hands once that frame is older than
``stale_after``. Any failure (no camera, camera unplugged, unreadable video) becomes one
line in ``error`` and a call to ``on_error``; the session then falls back to the desktop
device. A video that is usable but not whole (it stops short of its announced frame count,
or is a still image under a video's name) keeps playing what it has and says so in
``warning``, which the camera dock shows. Frames live in memory only; this module has no
way to write them anywhere.

Desktop AR (``ar=`` or ``set_ar``): each frame first goes through an ``ArTracker``
(ar_camera.py): the scenario's marker gives the camera's pose in the model, which becomes
the InputFrame's head, and the hands are placed in that camera; the snapshot then carries
the undistorted picture and the tracking state (``Snapshot.ar``) for the view to draw the
model over. While the marker is LOST the hands are reported untracked and the head stays
where it was last known.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devices.camera.ar_camera import ArSetup, ArTracker, ArView
from devices.camera.availability import tracking_problem
from devices.camera.gaze import GazeCalibration
from devices.camera.source import FrameSource, file_problem, parse_source
from devices.camera.tracker import MediaPipeTracker, TrackerSettings, TrackResult
from interaction.frame import InputFrame
from scenes.model import SceneError
from scenes.transforms import matrix_to_pose


@dataclass(frozen=True)
class Snapshot:
    """The newest tracked frame with the image it came from, for a live preview."""

    result: TrackResult
    #: (h, w, 3) uint8 BGR as captured (not mirrored); the device's reference, do not modify
    image: np.ndarray
    #: perf_counter() when tracking finished: ``ready_at - result.captured_at`` is the
    #: capture -> InputFrame latency
    ready_at: float
    #: in AR mode: the frame's undistorted picture (``image`` is the same array), camera
    #: pose, tracking state and residual; None otherwise
    ar: ArView | None = None


class CameraDevice:
    """Hands and gaze from a camera index or a video file (see module docstring)."""

    name = "camera"
    #: the window shows its snapshots in the camera dock (capabilities: devices/base.py)
    feeds_camera_dock = True

    def __init__(
        self,
        source: str | int | Path = 0,
        settings: TrackerSettings | None = None,
        realtime: bool = True,
        loop: bool = True,
        stale_after: float = 0.5,
        on_error: Callable[[str], None] | None = None,
        ar: ArSetup | None = None,
    ) -> None:
        """``realtime``: a video plays at its own rate (False: every frame, as fast as
        possible); ``loop``: a video starts over at its end, as a camera would go on;
        ``ar``: start in desktop AR mode (see ``set_ar``)."""
        self.source = parse_source(source)
        self.settings = settings or TrackerSettings()
        self.realtime = realtime
        self.loop = loop
        self.stale_after = stale_after
        self.on_error = on_error
        self.error: str | None = None
        #: one line when the source is usable but not whole (FrameSource.warning); set
        #: once known (a truncated video: when playback first reaches the damage)
        self.warning: str | None = None
        #: a fitted gaze calibration (see gaze.GazeCalibration); applies from the next frame
        self.calibration: GazeCalibration | None = None
        #: set when a video (without loop) has played to its end
        self.finished = threading.Event()
        self._latest: TrackResult | None = None
        self._latest_image: np.ndarray | None = None
        self._latest_at = 0.0
        self._latest_ar: ArView | None = None
        self._ar_setup = ar
        #: the AR head the last frame had (kept for stale polls), None outside AR
        self._ar_head: np.ndarray | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def why_not(self) -> str:
        problem = tracking_problem()
        if problem:
            return problem
        if isinstance(self.source, int):
            if sys.platform.startswith("linux") and not Path(f"/dev/video{self.source}").exists():
                return f"no camera {self.source} (/dev/video{self.source} does not exist)"
        else:
            problem = file_problem(self.source)
            if problem is not None:
                return f"{self.source}: {problem}"
        return ""

    @property
    def available(self) -> bool:
        return not self.why_not

    def start(self) -> None:
        """Open the source and start tracking; on failure set ``error`` (no exception)."""
        if self._thread is not None:
            return
        self.error = self.warning = None
        self._stop.clear()
        self.finished.clear()
        try:
            src = FrameSource(self.source)
        except SceneError as err:
            self._fail(str(err))
            return
        self.warning = src.warning
        self._thread = threading.Thread(
            target=self._run, args=(src,), name="camera-tracker", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def latest(self) -> TrackResult | None:
        """The newest tracked frame (never blocks), or None before the first."""
        with self._lock:
            return self._latest

    def snapshot(self) -> Snapshot | None:
        """The newest tracked frame and its image (never blocks), or None before the first.
        The image is only held in memory, replaced by the next one."""
        with self._lock:
            if self._latest is None or self._latest_image is None:
                return None
            return Snapshot(self._latest, self._latest_image, self._latest_at, self._latest_ar)

    def set_ar(self, setup: ArSetup | None) -> None:
        """Desktop AR on (a scenario's anchor, with intrinsics) or off (None), from the next
        frame on; a new setup starts tracking afresh. Thread-safe (one reference swap)."""
        self._ar_setup = setup

    @property
    def ar_setup(self) -> ArSetup | None:
        return self._ar_setup

    def set_head(self, head: np.ndarray) -> None:
        """Move the viewer's (4, 4) head-to-scene pose (the app follows its viewport);
        hands and gaze are placed relative to it from the next tracked frame."""
        self.settings.head = np.array(head, dtype=np.float64)  # one reference swap: thread-safe

    def poll(self, t: float) -> InputFrame:
        with self._lock:
            result, at = self._latest, self._latest_at
        if result is None or time.perf_counter() - at > self.stale_after:
            head = self._ar_head if self._ar_setup is not None and self._ar_head is not None else self.settings.head
            return InputFrame(t=t, head=matrix_to_pose(head))
        return dataclasses.replace(result.frame, t=t)

    def _fail(self, message: str) -> None:
        self.error = message
        if self.on_error is not None:
            self.on_error(message)

    def _track(self, tracker: MediaPipeTracker, ar: ArTracker | None, bgr: np.ndarray, t: float,
               captured: float) -> ArTracker | None:
        """Track one frame (through the AR tracker first in AR mode) and publish it; returns
        the AR tracker now in use (a new one when AR was switched on or anew)."""
        tracker.calibration = self.calibration
        setup = self._ar_setup
        if (ar.setup if ar is not None else None) is not setup:
            tracker.reset()  # AR on, off or anew: hands are placed in another frame
            ar = ArTracker(setup) if setup is not None else None
        if ar is None:
            view = None
            result = tracker.process(bgr, t, captured)
            image = bgr
        else:
            view = ar.process(bgr, t)
            camera = ar.scene_camera(view, self.settings.head)
            result = tracker.process(view.image, t, captured, scene_camera=camera)
            image = view.image
            self._ar_head = camera.head
        with self._lock:
            self._latest, self._latest_at = result, time.perf_counter()
            self._latest_image, self._latest_ar = image, view
        return ar

    def _run(self, src: FrameSource) -> None:
        tracker = None
        ar: ArTracker | None = None
        try:
            tracker = MediaPipeTracker(self.settings, static=src.kind == "image")
            for t, bgr in src.frames(
                realtime=self.realtime, loop=self.loop and src.kind == "video"
            ):
                captured = time.perf_counter()
                if self._stop.is_set():
                    break
                ar = self._track(tracker, ar, bgr, t, captured)
                self.warning = src.warning  # a looping video: known after its first pass
                # a photo as a camera: held until stopped, and tracked again when AR is
                # switched on, off or anew (so a photo can stand in for an AR camera too)
                while src.kind == "image" and not self._stop.wait(0.05):
                    if self._ar_setup is not (ar.setup if ar is not None else None):
                        ar = self._track(tracker, ar, bgr, t, time.perf_counter())
            else:
                self.warning = src.warning
                self.finished.set()
        except SceneError as err:
            self._fail(str(err))
        except ValueError as err:  # AR: frames of another aspect ratio, a board OpenCV refuses
            self._fail(f"{src.name}: {err}")
        except RuntimeError as err:  # MediaPipe reports graph failures this way
            self._fail(
                f"{src.name}: tracking failed ({str(err).splitlines()[0] if str(err) else type(err).__name__})"
            )
        finally:
            src.release()
            if tracker is not None:
                tracker.close()
