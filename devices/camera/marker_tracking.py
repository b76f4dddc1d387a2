"""A marker's or a board's pose over time: smoothing, the lost state, the live residual.

Per-frame poses (markers.py) jitter by millimetres and a degree or two, and a single
square now and then flips to its mirror solution; an overlay drawn from them shakes. So a
``TargetTracker`` keeps, per target:

- the IPPE candidate that agrees with the pose it already holds (when both explain the
  corners about equally well), so the ambiguity does not flip the overlay;
- a One Euro filter over position and orientation (strong smoothing at rest, little lag
  when moving; one_euro.py), restarted after a loss or a jump too large to be motion;
- a state: TRACKING (seen in this frame), HOLDING (unseen for less than ``lost_after_s``:
  a hand passing over the marker, a blurred frame; the last pose is kept) and LOST (hide
  the overlay). Time is passed in by the caller (the frame's timestamp), never read from
  a clock, so replays and tests are exact;
- the residual: how far, in pixels, the drawn pose lands from the points seen in this
  frame (``overlay_residual_px``, the registration check), next to the raw fit's own
  residual (``residual_px``).

Typical use, per camera frame (the window's AR mode)::

    tracker = TargetTracker(intrinsics, MarkerTarget(id=23, size_m=0.05))
    state = tracker.update(bgr, t)
    if state.visible:
        world_from_camera = world_from_marker @ np.linalg.inv(state.camera_from_target)

Several targets of one dictionary share a frame's detection through
``update_detections``; ``tracker_for_anchor`` builds the tracker a scenario's ``anchor:``
block (scenes/scenario_anchor.py) asks for.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field, replace

import numpy as np

from devices.camera.boards import BoardDetector, BoardSpec, parse_board
from devices.camera.intrinsics import CameraIntrinsics
from devices.camera.markers import (
    DEFAULT_DICTIONARY,
    MarkerDetection,
    MarkerDetector,
    PoseFit,
    marker_object_points,
    reprojection_residual,
    resolve_dictionary,
    solve_marker_pose,
    solve_points_pose,
    to_gray,
)
from devices.camera.one_euro import OneEuroFilter
from scenes.scenario_anchor import Anchor
from scenes.transforms import matrix_to_quat, quat_to_matrix, rotation_angle_between


@dataclass(frozen=True)
class MarkerTarget:
    """One square marker: its id, printed side (metres, outer edge of the black border)
    and dictionary."""

    id: int
    size_m: float
    dictionary: str = DEFAULT_DICTIONARY


class TrackState(enum.Enum):
    TRACKING = "tracking"
    HOLDING = "holding"
    LOST = "lost"


@dataclass(frozen=True)
class PoseSmoothing:
    """How a target's pose is smoothed and when it counts as lost.

    One Euro parameters (see one_euro.py) for position (metres) and orientation
    (quaternion components); ``min_cutoff`` 0 turns that filter off. The defaults were
    chosen on a marker 0.7 m away with 0.15 px of corner noise (what a webcam shows):
    orientation jitter 0.65 -> 0.30°, depth jitter 1.7 -> 1.0 mm, while a marker sliding
    at 0.15 m/s is drawn 0.6 px behind on average (2.8 px at most, as it starts).
    Orientation is smoothed the more, since a model far from a small marker magnifies
    it. ``lost_after_s``: unseen this long, the target is LOST;
    ``jump_m`` / ``jump_deg``: a new pose this far from the held one restarts the filter
    (a marker moved while hidden) instead of gliding there; ``ambiguity_ratio``: an IPPE
    candidate whose residual is within this factor (+ 0.3 px) of the best one may be
    chosen for agreeing with the held orientation.
    """

    position_min_cutoff: float = 1.0
    position_beta: float = 100.0
    rotation_min_cutoff: float = 1.0
    rotation_beta: float = 20.0
    lost_after_s: float = 0.25
    jump_m: float = 0.10
    jump_deg: float = 30.0
    ambiguity_ratio: float = 2.0

    @classmethod
    def off(cls, **kwargs: float) -> PoseSmoothing:
        """No smoothing (each frame's own pose), the lost state and ambiguity choice kept."""
        return cls(position_min_cutoff=0.0, rotation_min_cutoff=0.0, **kwargs)


@dataclass
class TargetPose:
    """A target's state after one frame.

    camera_from_target     : (4, 4) smoothed pose to draw with; None when LOST
    raw_camera_from_target : (4, 4) this frame's own fit; None when not seen now
    residual_px            : RMS reprojection error of the raw fit on this frame's points
    overlay_residual_px    : the same for the smoothed pose: how far the overlay sits from
                             what the camera sees now (None when not seen now)
    image_points           : (n, 2) the target's points seen in this frame (pixels)
    last_seen              : time of the last frame it was seen in (None: never)
    """

    state: TrackState
    t: float
    camera_from_target: np.ndarray | None = None
    raw_camera_from_target: np.ndarray | None = None
    residual_px: float | None = None
    overlay_residual_px: float | None = None
    image_points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    last_seen: float | None = None

    @property
    def visible(self) -> bool:
        """Whether an overlay should be drawn (TRACKING or HOLDING)."""
        return self.state is not TrackState.LOST

    @property
    def camera_to_target_m(self) -> float | None:
        return None if self.camera_from_target is None else float(np.linalg.norm(self.camera_from_target[:3, 3]))


class _Filter(OneEuroFilter):
    """A One Euro filter that passes values through when ``min_cutoff`` is 0."""

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        if self.min_cutoff <= 0:
            return np.array(x, dtype=np.float64)
        return super().__call__(x, t)


class PoseFilter:
    """Smoothing, ambiguity choice and the lost state for one target (no OpenCV here)."""

    def __init__(self, smoothing: PoseSmoothing | None = None) -> None:
        self.smoothing = smoothing or PoseSmoothing()
        s = self.smoothing
        self._position = _Filter(s.position_min_cutoff, s.position_beta)
        self._rotation = _Filter(s.rotation_min_cutoff, s.rotation_beta)
        self._held: np.ndarray | None = None
        self._quat: np.ndarray | None = None
        self._last_seen: float | None = None

    def reset(self) -> None:
        """Forget the target (a new camera, another scene)."""
        self._position.reset()
        self._rotation.reset()
        self._held = self._quat = None
        self._last_seen = None

    def choose(self, candidates: list[PoseFit]) -> PoseFit:
        """The candidate to use: the best residual, or one nearly as good that agrees with
        the held orientation (the IPPE ambiguity)."""
        best = candidates[0]
        if self._held is None or len(candidates) == 1:
            return best
        limit = best.residual_px * self.smoothing.ambiguity_ratio + 0.3
        fits = [c for c in candidates if c.residual_px <= limit]
        held = self._held[:3, :3]
        return min(fits, key=lambda c: rotation_angle_between(held, c.camera_from_target[:3, :3]))

    def update(self, t: float, measured: np.ndarray | None) -> tuple[TrackState, np.ndarray | None]:
        """Feed this frame's measured pose (None: not seen) at time ``t`` (s); returns the
        state and the pose to draw (None when LOST)."""
        s = self.smoothing
        if measured is None:
            if self._held is None or self._last_seen is None or t - self._last_seen > s.lost_after_s:
                if self._held is not None:
                    self._position.reset()
                    self._rotation.reset()
                    self._held = self._quat = None
                return TrackState.LOST, None
            return TrackState.HOLDING, self._held.copy()
        if self._held is not None and self._jumped(measured):
            self._position.reset()
            self._rotation.reset()
            self._quat = None
        q = matrix_to_quat(measured)
        if self._quat is not None and float(np.dot(q, self._quat)) < 0:
            q = -q  # the same rotation on the filter's side of the sphere
        position = self._position(measured[:3, 3], t)
        quat = self._rotation(q, t)
        quat /= np.linalg.norm(quat)
        self._quat = quat
        held = np.eye(4)
        held[:3, :3] = quat_to_matrix(quat)
        held[:3, 3] = position
        self._held = held
        self._last_seen = t
        return TrackState.TRACKING, held.copy()

    def _jumped(self, measured: np.ndarray) -> bool:
        assert self._held is not None
        moved = float(np.linalg.norm(measured[:3, 3] - self._held[:3, 3]))
        turned = math.degrees(rotation_angle_between(self._held[:3, :3], measured[:3, :3]))
        return moved > self.smoothing.jump_m or turned > self.smoothing.jump_deg

    @property
    def last_seen(self) -> float | None:
        """Time of the last frame the target was seen in (None: never, or since ``reset``)."""
        return self._last_seen

    @property
    def held(self) -> np.ndarray | None:
        """(4, 4) the pose currently drawn (None when LOST)."""
        return None if self._held is None else self._held.copy()


class TargetTracker:
    """The pose of one marker or board over a stream of frames (see the module docstring).

    ``target``: a ``MarkerTarget``, or a ``BoardSpec`` of a ChArUco or grid board (a
    chessboard has no identity of its own, so it can be calibrated with but not tracked:
    every view of it is ambiguous by a half turn).
    """

    def __init__(
        self, intrinsics: CameraIntrinsics, target: MarkerTarget | BoardSpec,
        smoothing: PoseSmoothing | None = None,
    ) -> None:
        self.intrinsics = intrinsics
        self.target = target
        self.filter = PoseFilter(smoothing)
        self._sized: CameraIntrinsics | None = None
        self._board: BoardDetector | None = None
        if isinstance(target, BoardSpec):
            if target.kind == "chessboard" or not target.metric:
                raise ValueError(f"board {target.text!r}: only ChArUco and grid boards can be tracked")
            self._board = BoardDetector(target)
            self.detector = self._board.markers
        else:
            self.detector = MarkerDetector(resolve_dictionary(target.dictionary))
        assert self.detector is not None

    def set_intrinsics(self, intrinsics: CameraIntrinsics) -> None:
        """Use another calibration from the next frame on (a camera file loaded, the
        field of view changed); the held pose is dropped, it was measured with the old one."""
        self.intrinsics = intrinsics
        self._sized = None
        self.filter.reset()

    def reset(self) -> None:
        """Forget the target (the camera changed): the next frame starts afresh."""
        self.filter.reset()

    @property
    def dictionary(self) -> str:
        assert self.detector is not None
        return self.detector.dictionary

    def intrinsics_for(self, width: int, height: int) -> CameraIntrinsics:
        """The intrinsics for this frame size (cached; ValueError for another aspect ratio)."""
        if self._sized is None or (self._sized.width, self._sized.height) != (width, height):
            self._sized = self.intrinsics.for_size(width, height)
        return self._sized

    def update(self, image: np.ndarray, t: float) -> TargetPose:
        """Detect the target in ``image`` (BGR or grey) taken at time ``t`` (s)."""
        assert self.detector is not None
        gray = to_gray(image)
        return self.update_detections(self.detector.detect(gray), t, gray)

    def update_detections(
        self, markers: list[MarkerDetection], t: float, image: np.ndarray,
    ) -> TargetPose:
        """As ``update``, with this frame's markers already detected in the target's
        dictionary; ``image`` is still needed for its size (and ChArUco corners)."""
        intrinsics = self.intrinsics_for(image.shape[1], image.shape[0])
        obj, img, fit = self._measure(markers, image, intrinsics)
        state, drawn = self.filter.update(t, None if fit is None else fit.camera_from_target)
        pose = TargetPose(state, t, drawn, last_seen=self.filter.last_seen)
        if fit is not None and drawn is not None:
            pose.raw_camera_from_target = fit.camera_from_target
            pose.residual_px = fit.residual_px
            pose.overlay_residual_px = reprojection_residual(obj, img, drawn, intrinsics)
            pose.image_points = np.asarray(img, dtype=np.float64).reshape(-1, 2)
        return pose

    def _measure(
        self, markers: list[MarkerDetection], image: np.ndarray, intrinsics: CameraIntrinsics,
    ) -> tuple[np.ndarray, np.ndarray, PoseFit | None]:
        """This frame's object points, image points and pose fit (None: not seen)."""
        none = np.zeros((0, 3)), np.zeros((0, 2)), None
        if self._board is not None:
            view = self._board.find(image, markers)
            if view is None:
                return none
            fit = solve_points_pose(view.object_points, view.image_points, intrinsics, guess=self.filter.held)
            if fit is None or (self.filter.held is not None and fit.residual_px > 3.0):
                # a guess from a stale pose can fall into a wrong minimum: start afresh
                fit = solve_points_pose(view.object_points, view.image_points, intrinsics) or fit
            return view.object_points, view.image_points, fit
        target = self.target
        assert isinstance(target, MarkerTarget)
        seen = next((m for m in markers if m.id == target.id), None)
        if seen is None:
            return none
        candidates = solve_marker_pose(seen.corners, target.size_m, intrinsics)
        if not candidates:
            return none
        return marker_object_points(target.size_m), seen.corners, self.filter.choose(candidates)


def tracker_for_anchor(anchor: Anchor, intrinsics: CameraIntrinsics,
                       smoothing: PoseSmoothing | None = None) -> TargetTracker:
    """The tracker for a scenario's ``anchor:`` block (its marker or board, and how soon it
    counts as lost). ValueError (a sentence) for a board spec OpenCV cannot build."""
    smoothing = replace(smoothing or PoseSmoothing(), lost_after_s=anchor.lost_after_s)
    if anchor.board is not None:
        return TargetTracker(intrinsics, parse_board(anchor.board), smoothing)
    assert anchor.marker_id is not None and anchor.size_m is not None
    return TargetTracker(intrinsics, MarkerTarget(anchor.marker_id, anchor.size_m, anchor.dictionary), smoothing)
