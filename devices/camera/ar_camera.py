"""Desktop AR: the camera's pose in the model, from the scenario's marker, frame by frame.

The architecture's plan for desktop AR is that the camera's pose, found from a printed
marker, is the InputFrame's head pose and the MediaPipe hands live in the same camera
frame; then the engine, recordings and reports need no change at all (they only ever see
InputFrames). This module does the camera half, per frame, Qt-free:

1. the marker (or board) of the scenario's ``anchor:`` block is tracked in the picture as
   captured, with the calibrated lens model (``TargetTracker``: smoothing, HOLDING through
   short gaps, LOST after ``lost_after_s``);
2. the picture is undistorted with maps built once per calibration and frame size
   (``cv2.initUndistortRectifyMap``) and one ``cv2.remap`` per frame, keeping the camera
   matrix, so the picture is a plain pinhole image of that matrix: the view draws it
   behind the scene with ``CameraIntrinsics.gl_projection`` and the model's edges land on
   the part's (views never import OpenCV, so this happens here);
3. the camera's pose in the model: ``world_from_camera = model_from_target @
   inv(camera_from_target)`` (OpenCV axes), whose ``head_matrix`` is the head pose.

``ArView`` carries one frame's result to the view (picture, matrices, state, residual).
The camera device (device.py) runs this before MediaPipe and places the hands in the same
camera (tracker.SceneCamera). Pictures stay in memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from devices.camera.intrinsics import CameraIntrinsics, gl_view_matrix, head_matrix
from devices.camera.marker_tracking import (
    PoseSmoothing,
    TargetTracker,
    TrackState,
    tracker_for_anchor,
)
from devices.camera.tracker import SceneCamera
from scenes.model import Scene
from scenes.scenario_anchor import Anchor


@dataclass(frozen=True)
class ArSetup:
    """What AR needs besides the pictures: the anchor, where it is in the model, and the
    camera's intrinsics (None: approximate ones from ``horizontal_fov_deg`` at the first
    frame's size; poses are then off by several per cent, ``ArView.approximate`` says so)."""

    anchor: Anchor
    #: (4, 4) the marker's (board's) frame in scene coordinates (``Anchor.model_from_target``)
    model_from_target: np.ndarray
    intrinsics: CameraIntrinsics | None = None
    smoothing: PoseSmoothing | None = None
    horizontal_fov_deg: float = 60.0

    @classmethod
    def for_scene(cls, anchor: Anchor, scene: Scene, intrinsics: CameraIntrinsics | None = None,
                  smoothing: PoseSmoothing | None = None, horizontal_fov_deg: float = 60.0) -> ArSetup:
        """The setup for a scenario's anchor on its scene (KeyError: the anchor's node is
        not in ``scene``; a loaded scenario has checked that already)."""
        return cls(anchor, anchor.model_from_target(scene), intrinsics, smoothing, horizontal_fov_deg)

    @property
    def target_name(self) -> str:
        """How the status line names the target: "marker 23" or "board charuco:5x7:..."."""
        a = self.anchor
        return f"board {a.board}" if a.board is not None else f"marker {a.marker_id}"


class Undistorter:
    """Removes lens distortion, keeping the camera matrix (see the module docstring)."""

    def __init__(self, intrinsics: CameraIntrinsics) -> None:
        import cv2  # only in the camera device (PITFALLS.md: cv2 changes Qt's environment)

        self._cv2 = cv2
        self.intrinsics = intrinsics
        self._size: tuple[int, int] | None = None
        self._sized = intrinsics
        self._maps: tuple[np.ndarray, np.ndarray] | None = None

    def __call__(self, bgr: np.ndarray) -> tuple[np.ndarray, CameraIntrinsics]:
        """(the undistorted picture, its pinhole intrinsics: no distortion). A lens without
        distortion returns ``bgr`` itself, uncopied. ValueError (a sentence) for frames of
        another aspect ratio than the calibration's."""
        h, w = bgr.shape[:2]
        if self._size != (w, h):
            sized = self.intrinsics.for_size(w, h)
            self._sized = replace(sized, distortion=np.zeros(5))
            self._maps = None
            if np.any(sized.distortion):
                cv2 = self._cv2
                self._maps = cv2.initUndistortRectifyMap(sized.matrix, sized.distortion, None, sized.matrix,
                                                         (w, h), cv2.CV_16SC2)
            self._size = (w, h)
        if self._maps is None:
            return bgr, self._sized
        return self._cv2.remap(bgr, self._maps[0], self._maps[1], self._cv2.INTER_LINEAR), self._sized


@dataclass(frozen=True)
class ArView:
    """One AR camera frame, as the view draws it (all from the same picture).

    image             : (h, w, 3) uint8 BGR, undistorted; the device's, do not modify
    intrinsics        : the pinhole of ``image`` (its size, no distortion)
    world_from_camera : (4, 4) the camera in the scene, OpenCV axes (x right, y down, z
                        ahead); None while LOST (and before the target was first seen)
    overlay_residual_px : how far (RMS pixels) the drawn pose lands from the target's
                        points seen in this frame; None when not seen in it
    """

    index: int
    t: float
    state: TrackState
    image: np.ndarray
    intrinsics: CameraIntrinsics
    target_name: str
    world_from_camera: np.ndarray | None = None
    overlay_residual_px: float | None = None
    last_seen: float | None = None
    approximate: bool = False
    #: marker tracking + undistortion of this frame (ms)
    cost_ms: float = 0.0

    @property
    def visible(self) -> bool:
        """Whether the model should be drawn over the picture (TRACKING or HOLDING)."""
        return self.world_from_camera is not None

    @property
    def head(self) -> np.ndarray | None:
        """(4, 4) the camera as an InputFrame head pose (OpenXR axes), None while LOST."""
        return None if self.world_from_camera is None else head_matrix(self.world_from_camera)

    def view_matrix(self) -> np.ndarray | None:
        """(4, 4) OpenGL world -> eye for drawing the scene over ``image``; None while LOST."""
        if self.world_from_camera is None:
            return None
        return gl_view_matrix(np.linalg.inv(self.world_from_camera))

    def projection(self, near: float = 0.01, far: float = 100.0) -> np.ndarray:
        """(4, 4) OpenGL projection of ``image``'s camera (pixel-exact for its full size)."""
        return self.intrinsics.gl_projection(near, far)

    def status(self) -> str:
        """One line for the status bar: the state, and the registration error or how long
        the target has been out of sight."""
        rough = " (approximate intrinsics: calibrate the camera)" if self.approximate else ""
        if self.state is TrackState.TRACKING:
            residual = "" if self.overlay_residual_px is None else f", overlay within {self.overlay_residual_px:.1f} px"
            return f"AR: {self.target_name} tracked{residual}{rough}"
        if self.last_seen is None:
            return f"AR: {self.target_name} not seen yet: show it to the camera"
        gone = max(0.0, self.t - self.last_seen)
        if self.state is TrackState.HOLDING:
            return f"AR: {self.target_name} out of sight for {gone:.1f} s, holding its last pose"
        return f"AR: {self.target_name} lost ({gone:.1f} s out of sight): model hidden, hands off"


class ArTracker:
    """Per camera frame: track the anchor, undistort, and place the camera (see module)."""

    def __init__(self, setup: ArSetup) -> None:
        self.setup = setup
        self._tracker: TargetTracker | None = None
        self._undistort: Undistorter | None = None
        if setup.intrinsics is not None:
            self._start(setup.intrinsics)
        #: (4, 4) the last head pose known (kept while LOST so the head does not jump)
        self.last_head: np.ndarray | None = None
        self._index = 0

    def _start(self, intrinsics: CameraIntrinsics) -> None:
        # ValueError (a sentence) for a board spec OpenCV cannot build
        self._tracker = tracker_for_anchor(self.setup.anchor, intrinsics, self.setup.smoothing)
        self._undistort = Undistorter(intrinsics)

    def process(self, bgr: np.ndarray, t: float) -> ArView:
        """One captured BGR frame at source time ``t`` (s). ValueError (a sentence) when its
        size does not fit the calibration."""
        start = time.perf_counter()
        if self._tracker is None:
            h, w = bgr.shape[:2]
            self._start(CameraIntrinsics.from_fov(w, h, self.setup.horizontal_fov_deg))
        assert self._tracker is not None and self._undistort is not None
        pose = self._tracker.update(bgr, t)
        image, pinhole = self._undistort(bgr)
        world_from_camera = None
        if pose.camera_from_target is not None:
            world_from_camera = self.setup.model_from_target @ np.linalg.inv(pose.camera_from_target)
            self.last_head = head_matrix(world_from_camera)
        view = ArView(
            self._index, t, pose.state, image, pinhole, self.setup.target_name, world_from_camera,
            pose.overlay_residual_px, pose.last_seen, self._tracker.intrinsics.approximate,
            (time.perf_counter() - start) * 1000.0,
        )
        self._index += 1
        return view

    def scene_camera(self, view: ArView, fallback_head: np.ndarray) -> SceneCamera:
        """Where MediaPipe's hands of ``view``'s frame go: its camera, or (LOST) no hands
        and the last head known (``fallback_head`` before the target was ever seen)."""
        k = view.intrinsics
        head = view.head
        if head is None:
            head = self.last_head if self.last_head is not None else np.asarray(fallback_head, dtype=np.float64)
        return SceneCamera(head, k.fx, k.fy, k.cx, k.cy, hands=view.visible)
