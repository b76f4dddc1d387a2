"""MediaPipe hands + face mesh on one BGR frame -> a TrackResult holding an InputFrame.

The stateful part of camera tracking: smoothing filters and pinch / grab hysteresis carry
over between frames, per hand. MediaPipe and cv2 are imported when a tracker is built,
never at module import, so importing the camera device costs nothing and leaves Qt's
environment alone until the camera is actually used (see PITFALLS.md).

Results are mirrored (a selfie view, what a user facing a webcam expects): MediaPipe's
handedness labels assume a mirrored image, so rather than flipping every image (a copy per
frame) the unmirrored results are flipped: x -> width - x, world x -> -x, labels swapped.

Desktop AR is the other way round: the camera looks at the part, over the user's hands,
and its pose in the scene comes from a marker (devices/camera/ar_camera.py). Given a
``SceneCamera`` for a frame, hands are placed in that camera's own frame with its
calibrated pinhole (the frame is undistorted already) and nothing is mirrored: the picture
is seen as the user sees the part, where MediaPipe's labels are right as they are. The
face is not looked for (it is behind the camera).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from devices.camera import gaze as gaze_model
from devices.camera import hand_joints as hj
from devices.camera.one_euro import OneEuroFilter
from interaction.frame import GazeInput, Hand, HandInput, InputFrame, Joint
from interaction.hands import Trigger
from scenes.transforms import look_at, matrix_to_pose, transform_points

#: horizontal fields of view a webcam can have here (degrees): laptop and desk webcams are
#: 60-90, wide ones up to 150; the pinhole head-pose fit degenerates towards 1 (a telescope)
HORIZONTAL_FOV_RANGE_DEG = (30.0, 150.0)


@dataclass
class TrackerSettings:
    """What a user may tune; the defaults suit a laptop webcam at arm's length."""

    horizontal_fov_deg: float = 60.0
    #: how far the user's eyes are from the camera (m)
    viewer_distance: float = 0.6
    #: (4, 4) head-to-scene matrix: where the viewer's eyes are in the scene
    head: np.ndarray = field(
        default_factory=lambda: look_at(np.array([0.0, 0.0, 1.0]), np.zeros(3))
    )
    #: One Euro parameters for hand joints (m) and gaze directions; min_cutoff 0 disables.
    #: Hands: chosen on asl_hand.25fps.mp4 (jitter -76 %, lag 0.7 frames; see bench_camera)
    hand_min_cutoff: float = 1.0
    hand_beta: float = 20.0
    gaze_min_cutoff: float = 0.8
    gaze_beta: float = 0.5
    #: pinch / grab strengths at which the state engages and (lower) lets go
    press: float = 0.7
    release: float = 0.4
    max_hands: int = 2
    track_face: bool = True


@dataclass(frozen=True)
class SceneCamera:
    """One AR frame's camera: where it is in the scene and its pinhole (of the undistorted
    frame). ``hands`` False reports no hands (the camera's pose is unknown: placed from a
    stale pose they would touch the model where the user's hands are not)."""

    #: (4, 4) head pose (OpenXR axes: x right, y up, -z forward) of the camera in the scene
    head: np.ndarray
    fx: float
    fy: float
    cx: float
    cy: float
    hands: bool = True


@dataclass
class TrackedHand:
    handedness: str  # "left" / "right", the user's own hand
    #: the InputFrame slot it fills ("left" / "right"; differs when both have one label)
    slot: str
    score: float
    #: (21, 3) MediaPipe landmarks in scene space (m), smoothed
    landmarks: np.ndarray
    #: the same before smoothing (to measure and tune the filter)
    raw_landmarks: np.ndarray
    #: (21, 2) landmark pixels in the mirrored image (x = width - x of the original); in
    #: AR, of the undistorted picture mirrored likewise (the camera dock mirrors it)
    pixels: np.ndarray
    pinch_strength: float
    grab_strength: float
    pinching: bool
    grabbing: bool
    hand: HandInput


@dataclass
class TrackedGaze:
    #: head + eye angles relative to looking straight at the camera (uncalibrated)
    yaw_deg: float
    pitch_deg: float
    confidence: float
    #: raw features for GazeCalibration (see gaze.GazeEstimate.features)
    features: np.ndarray
    gaze: GazeInput


@dataclass
class TrackResult:
    index: int
    #: source time (s): the video's timestamp, or seconds since the camera started
    t: float
    hands: list[TrackedHand]
    gaze: TrackedGaze | None
    frame: InputFrame
    #: perf_counter() when the frame was captured, for latency measurements
    captured_at: float = 0.0
    mediapipe_ms: float = 0.0
    #: our own work per frame: mirroring, conversions, mapping, smoothing
    overhead_ms: float = 0.0


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence stderr at the file-descriptor level: MediaPipe's C++ logs (glog/absl)
    bypass Python and print banners while its graphs start."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _HandSlot:
    """Per-hand state carried across frames."""

    def __init__(self, s: TrackerSettings) -> None:
        self.filter = OneEuroFilter(s.hand_min_cutoff, s.hand_beta)
        self.pinch = Trigger()
        self.grab = Trigger()

    def reset(self) -> None:
        self.filter.reset()
        self.pinch.down = self.grab.down = False


class MediaPipeTracker:
    """Runs MediaPipe on frames and turns the landmarks into InputFrames (see module doc).

    ``static=True`` treats every frame as an unrelated photo (slower, for images);
    otherwise MediaPipe tracks between frames as on a video stream.
    """

    def __init__(self, settings: TrackerSettings | None = None, static: bool = False) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import cv2
        import mediapipe as mp

        self._cv2 = cv2
        self.settings = settings or TrackerSettings()
        s = self.settings
        with quiet_native_stderr():
            self._hands = mp.solutions.hands.Hands(
                static_image_mode=static,
                max_num_hands=s.max_hands,
                model_complexity=1,
                min_detection_confidence=0.5,
                min_tracking_confidence=0.5,
            )
            self._face = (
                mp.solutions.face_mesh.FaceMesh(
                    static_image_mode=static,
                    max_num_faces=1,
                    refine_landmarks=True,
                    min_detection_confidence=0.5,
                    min_tracking_confidence=0.5,
                )
                if s.track_face
                else None
            )
            # the first frame starts the graphs, which logs; do it now, silenced
            blank = np.zeros((64, 64, 3), np.uint8)
            self._hands.process(blank)
            if self._face is not None:
                self._face.process(blank)
        self._slots = (_HandSlot(s), _HandSlot(s))
        self._gaze_filter = OneEuroFilter(s.gaze_min_cutoff, s.gaze_beta)
        self.calibration: gaze_model.GazeCalibration | None = None
        self._static = static
        self._index = 0

    def reset(self) -> None:
        """Forget the hands' and the gaze's history (smoothing, pinch and grab states):
        the next frame is placed in another frame (AR switched on or off)."""
        for slot in self._slots:
            slot.reset()
        self._gaze_filter.reset()

    def close(self) -> None:
        self._hands.close()
        if self._face is not None:
            self._face.close()

    def process(
        self, bgr: np.ndarray, t: float, captured_at: float | None = None,
        scene_camera: SceneCamera | None = None,
    ) -> TrackResult:
        """Track one BGR frame taken at source time ``t`` (s); with ``scene_camera``, an
        undistorted AR frame from that camera (see the module docstring)."""
        cv2 = self._cv2
        start = time.perf_counter()
        if self._static:  # unrelated photos: nothing carries over
            for slot in self._slots:
                slot.reset()
            self._gaze_filter.reset()
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        t0 = time.perf_counter()
        hands_out = self._hands.process(rgb)
        selfie = scene_camera is None
        face_out = self._face.process(rgb) if self._face is not None and selfie else None
        t1 = time.perf_counter()
        height, width = rgb.shape[:2]
        focal = hj.focal_length_px(width, self.settings.horizontal_fov_deg)
        # the app may move the selfie head (set_head); an AR camera's head is its own
        head = self.settings.head if selfie else scene_camera.head
        if scene_camera is not None and not scene_camera.hands:
            hands_out = _NO_HANDS
        hands = self._hands_from(hands_out, width, height, focal, t, head, scene_camera)
        gaze = self._gaze_from(face_out, width, height, focal, t) if selfie else None
        slots = [HandInput(), HandInput()]
        for h in hands:
            slots[Hand.RIGHT if h.slot == "right" else Hand.LEFT] = h.hand
        frame = InputFrame(
            t=t,
            head=matrix_to_pose(head),
            hands=(slots[0], slots[1]),
            gaze=gaze.gaze if gaze is not None else GazeInput(),
        )
        end = time.perf_counter()
        result = TrackResult(
            index=self._index,
            t=t,
            hands=hands,
            gaze=gaze,
            frame=frame,
            captured_at=start if captured_at is None else captured_at,
            mediapipe_ms=(t1 - t0) * 1000.0,
            overhead_ms=((t0 - start) + (end - t1)) * 1000.0,
        )
        self._index += 1
        return result

    def _hands_from(
        self, out, width: int, height: int, focal: float, t: float,
        head: np.ndarray, camera: SceneCamera | None = None,
    ) -> list[TrackedHand]:
        s = self.settings
        mirror = camera is None
        found = []
        for lm, world, cls in zip(
            out.multi_hand_landmarks or (),
            out.multi_hand_world_landmarks or (),
            out.multi_handedness or (),
            strict=True,
        ):
            image = np.array([(1.0 - p.x, p.y) for p in lm.landmark]) * (width, height)
            metric = np.array([(-p.x, p.y, p.z) if mirror else (p.x, p.y, p.z) for p in world.landmark])
            label = cls.classification[0]
            # selfie: MediaPipe labels an unmirrored "Left" what is the user's right hand;
            # AR (the user's own view of their hands): its labels hold as they are
            right = (label.label == "Left") if mirror else (label.label == "Right")
            found.append(("right" if right else "left", float(label.score), image, metric))
        # one InputFrame slot per hand: if MediaPipe gives both hands one label (it does
        # for two left hands), the image side decides the slots; labels are kept as seen
        slots = [f[0] for f in found]
        if len(found) == 2 and slots[0] == slots[1]:
            order = np.argsort([f[2][0, 0] for f in found])  # mirrored x: the user's
            # left in a selfie; in AR the picture is the user's own view, mirrored here
            first, other = ("left", "right") if mirror else ("right", "left")
            slots = [first if i == order[0] else other for i in range(2)]
        seen = set()
        hands = []
        for slot_name, (label, score, image, metric) in zip(slots, found, strict=True):
            slot = self._slots[Hand.RIGHT if slot_name == "right" else Hand.LEFT]
            seen.add(slot_name)
            if camera is None:
                placed = hj.place_in_camera(image - (width / 2.0, height / 2.0), metric, focal)
                viewer = hj.camera_to_viewer(placed, s.viewer_distance)
            else:
                viewer = _in_scene_camera(image, metric, width, camera)
            # smoothed in the head frame: when the head moves (set_head, or the AR camera)
            # the hands go with it at once instead of trailing behind through the filter
            smooth = slot.filter(viewer, t) if s.hand_min_cutoff > 0 else viewer
            raw, scene = transform_points(head, viewer), transform_points(head, smooth)
            hands.append(self._hand(label, slot_name, score, scene, raw, image, slot, head))
        for label, slot in zip(("left", "right"), self._slots, strict=True):
            if label not in seen:
                slot.reset()
        return hands

    def _hand(
        self,
        label: str,
        slot_name: str,
        score: float,
        scene: np.ndarray,
        raw: np.ndarray,
        image: np.ndarray,
        slot: _HandSlot,
        head: np.ndarray,
    ) -> TrackedHand:
        s = self.settings
        right = label == "right"
        pinch = hj.pinch_strength(hj.pinch_ratio(scene))
        grab = hj.grab_strength(scene)
        slot.pinch.update(pinch, s.press, s.release)
        slot.grab.update(grab, s.press, s.release)
        positions = hj.openxr_positions(scene)
        joints = hj.joint_rows(positions, right, hj.hand_size(scene))
        grip = np.concatenate([positions[Joint.PALM], joints[Joint.PALM, 3:7].astype(np.float64)])
        hand = HandInput(
            tracked=True,
            aim=hj.aim_pose(positions, right, head),
            grip=grip,
            pinch=pinch,
            grab=grab,
            joints=joints,
        )
        return TrackedHand(
            label,
            slot_name,
            score,
            scene,
            raw,
            image,
            pinch,
            grab,
            slot.pinch.down,
            slot.grab.down,
            hand,
        )

    def _gaze_from(
        self, out, width: int, height: int, focal: float, t: float
    ) -> TrackedGaze | None:
        if out is None or not out.multi_face_landmarks:
            self._gaze_filter.reset()
            return None
        points = out.multi_face_landmarks[0].landmark
        if len(points) < 478:
            return None  # no iris refinement: the model set lacks it
        # reading 478 protobuf points costs ~0.3 ms; the gaze needs 22 of them
        landmarks = np.zeros((478, 3))
        landmarks[gaze_model.USED_LANDMARKS] = [
            (1.0 - points[i].x, points[i].y, points[i].z) for i in gaze_model.USED_LANDMARKS
        ]
        est = gaze_model.estimate_gaze(landmarks, width, height, focal)
        if est is None:
            self._gaze_filter.reset()
            return None
        direction = est.direction
        if self.calibration is not None and self.calibration.coefficients is not None:
            yaw, pitch = self.calibration.predict(est.features)
            direction = gaze_model.direction_from_angles(float(yaw), float(pitch))
        if self.settings.gaze_min_cutoff > 0:
            direction = self._gaze_filter(direction, t)
            direction /= np.linalg.norm(direction)
        s = self.settings
        origin = transform_points(s.head, hj.camera_to_viewer(est.origin[None], s.viewer_distance))[
            0
        ]
        scene_dir = s.head[:3, :3] @ (direction * (1.0, -1.0, 1.0))
        return TrackedGaze(
            yaw_deg=float(np.degrees(est.features[0] + est.features[2])),
            pitch_deg=float(np.degrees(est.features[1] + est.features[3])),
            confidence=est.confidence,
            features=est.features,
            gaze=GazeInput(origin=origin, direction=scene_dir, confidence=est.confidence),
        )


class _NoHands:
    """MediaPipe's answer when it finds no hands (an AR frame whose camera pose is unknown)."""

    multi_hand_landmarks = multi_hand_world_landmarks = multi_handedness = None


_NO_HANDS = _NoHands()


def _in_scene_camera(mirrored_px: np.ndarray, metric: np.ndarray, width: int, camera: SceneCamera) -> np.ndarray:
    """(21, 3) landmarks in an AR camera's head frame (x right, y up, -z ahead, metres):
    placed with its calibrated pinhole, then OpenCV's axes turned into OpenXR's."""
    px = mirrored_px.copy()
    px[:, 0] = width - px[:, 0]  # back to the unmirrored picture the camera took
    # one focal length for place_in_camera: rows scaled to square pixels
    centred = (px - (camera.cx, camera.cy)) * (1.0, camera.fx / camera.fy)
    placed = hj.place_in_camera(centred, metric, camera.fx)
    return placed * (1.0, -1.0, -1.0)
