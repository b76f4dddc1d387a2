"""Marker tracking speed and accuracy per 640x480 frame, alone and with MediaPipe hands in
the same loop, against bare cv2.aruco measured in the same run on the same frames.

Frames: real hand videos (tests/data/hands/asl_hand.25fps.mp4 and, when present, the
Pixabay hand video in ../shared/testdata), each frame letterboxed into 640x480, with an
80 mm DICT_6X6_250 marker composited in: drawn through the project's own renderer
(offscreen OpenGL) at a known pose that drifts and turns over the clip, beside the hand,
then blurred (sigma 0.8) with sensor noise (sigma 3) like a webcam picture.

Peers and ours, on the same frames:

* "bare cv2.aruco": ``cvtColor`` + ``ArucoDetector.detectMarkers`` with OpenCV's default
  parameters + ``solvePnP(SOLVEPNP_IPPE_SQUARE)``: what the OpenCV tutorial does;
* "ours, per frame": ``MarkerDetector.detect`` (OpenCV's sub-pixel corners + our edge
  refinement) + ``solve_marker_pose`` (both IPPE solutions);
* "ours, tracker": ``TargetTracker.update``: the above plus the ambiguity choice,
  smoothing, the lost state and the live residual (what the window's AR mode calls).

Then MediaPipe hands (``MediaPipeTracker`` without face) and marker tracking one after
the other in one loop, the way one camera thread would run both: frames per second
against MediaPipe alone and MediaPipe + bare cv2.aruco. Best median of three alternating
rounds (other processes share the CPU).
Run: ``xvfb-run -a .venv/bin/python bench/bench_markers.py``.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GLOG_minloglevel", "2")

import cv2  # noqa: E402

from devices.camera.intrinsics import CameraIntrinsics  # noqa: E402
from devices.camera.marker_tracking import MarkerTarget, TargetTracker  # noqa: E402
from devices.camera.markers import MarkerDetector, solve_marker_pose  # noqa: E402
from devices.camera.source import FrameSource  # noqa: E402
from devices.camera.tracker import MediaPipeTracker, TrackerSettings, quiet_native_stderr  # noqa: E402
from scenes.transforms import rotation_angle_between  # noqa: E402

VIDEOS = [
    ROOT / "tests" / "data" / "hands" / "asl_hand.25fps.mp4",
    ROOT.parent / "shared" / "testdata" / "hands" / "hand_video_pixabay129422.mp4",
]
W, H = 640, 480
MAX_FRAMES = 120
ROUNDS = 3
SIDE = 0.08
MARKER_ID = 23
CAMERA = CameraIntrinsics(np.array([[560.0, 0.0, 319.5], [0.0, 560.0, 239.5], [0.0, 0.0, 1.0]]), np.zeros(5), W, H)


def letterbox(bgr: np.ndarray) -> np.ndarray:
    s = min(W / bgr.shape[1], H / bgr.shape[0])
    small = cv2.resize(bgr, (round(bgr.shape[1] * s), round(bgr.shape[0] * s)), interpolation=cv2.INTER_AREA)
    out = np.zeros((H, W, 3), np.uint8)
    y, x = (H - small.shape[0]) // 2, (W - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def composited(video: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(frames, true camera_from_marker per frame)."""
    from tests.marker_scene import MarkerRenderer, degrade, marker_scene, pose

    source = FrameSource(video)
    backgrounds = [letterbox(bgr) for _, bgr in source.frames()][:MAX_FRAMES]
    source.release()
    renderer = MarkerRenderer(CAMERA)
    frames, truths = [], []
    for i, background in enumerate(backgrounds):
        phase = i / max(len(backgrounds) - 1, 1)
        truth = pose(0.55 + 0.25 * phase, 15 + 30 * math.sin(3 * phase), (1.0, 0.6, 0.0), 40 * phase,
                     (-0.19 + 0.02 * phase, -0.10))
        frames.append(degrade(renderer.render(marker_scene([(MARKER_ID, SIDE, truth)]), background), 0.8, 3.0, seed=i))
        truths.append(truth)
    renderer.close()
    return frames, truths


class Bare:
    """The tutorial's cv2.aruco: default detector parameters, IPPE_SQUARE per marker."""

    def __init__(self) -> None:
        d = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_6X6_250)
        self.detector = cv2.aruco.ArucoDetector(d, cv2.aruco.DetectorParameters())
        h = SIDE / 2
        self.obj = np.array([[-h, h, 0], [h, h, 0], [h, -h, 0], [-h, -h, 0]], np.float64)

    def __call__(self, bgr: np.ndarray, t: float) -> np.ndarray | None:
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        corners, ids, _ = self.detector.detectMarkers(gray)
        pose = None
        for c, i in zip(corners, [] if ids is None else ids.ravel(), strict=True):
            ok, rvec, tvec = cv2.solvePnP(self.obj, c.reshape(4, 2), CAMERA.matrix, CAMERA.distortion,
                                          flags=cv2.SOLVEPNP_IPPE_SQUARE)
            if ok and i == MARKER_ID:
                pose = np.eye(4)
                pose[:3, :3] = cv2.Rodrigues(rvec)[0]
                pose[:3, 3] = tvec.ravel()
        return pose


class PerFrame:
    def __init__(self) -> None:
        self.detector = MarkerDetector()

    def __call__(self, bgr: np.ndarray, t: float) -> np.ndarray | None:
        pose = None
        for m in self.detector.detect(bgr):
            fits = solve_marker_pose(m.corners, SIDE, CAMERA)
            if fits and m.id == MARKER_ID:
                pose = fits[0].camera_from_target
        return pose


class Tracker:
    def __init__(self) -> None:
        self.tracker = TargetTracker(CAMERA, MarkerTarget(MARKER_ID, SIDE))

    def __call__(self, bgr: np.ndarray, t: float) -> np.ndarray | None:
        return self.tracker.update(bgr, t).camera_from_target


def timed(make, frames: list[np.ndarray]) -> tuple[list[float], list[np.ndarray | None]]:
    run = make()
    times, poses = [], []
    for i, bgr in enumerate(frames):
        t0 = time.perf_counter()
        poses.append(run(bgr, i / 25.0))
        times.append(time.perf_counter() - t0)
    return times, poses


def with_hands(make, frames: list[np.ndarray]) -> list[float]:
    """Seconds per frame of MediaPipe hands followed by ``make()`` (None: hands alone)."""
    with quiet_native_stderr():
        hands = MediaPipeTracker(TrackerSettings(track_face=False))
    run = make() if make is not None else None
    times = []
    with quiet_native_stderr():  # MediaPipe's C++ log lines
        for i, bgr in enumerate(frames):
            t0 = time.perf_counter()
            hands.process(bgr, i / 25.0)
            if run is not None:
                run(bgr, i / 25.0)
            times.append(time.perf_counter() - t0)
        hands.close()
    return times[5:]  # MediaPipe's first frames include its graph's warm-up


def accuracy(poses: list[np.ndarray | None], truths: list[np.ndarray]) -> str:
    found = [(p, t) for p, t in zip(poses, truths, strict=True) if p is not None]
    pos = [np.linalg.norm(p[:3, 3] - t[:3, 3]) / np.linalg.norm(t[:3, 3]) * 100 for p, t in found]
    rot = [math.degrees(rotation_angle_between(p[:3, :3], t[:3, :3])) for p, t in found]
    return (f"found {len(found)}/{len(truths)}, position error median {statistics.median(pos):.2f} % of the distance"
            f" (max {max(pos):.2f} %), rotation median {statistics.median(rot):.2f}° (max {max(rot):.2f}°)")


def ms(xs: list[float]) -> str:
    return f"median {1000 * statistics.median(xs):5.2f} ms, p90 {1000 * float(np.percentile(xs, 90)):5.2f} ms"


def main() -> None:
    from app.display.application import prepare_qt

    prepare_qt()
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (other processes share the CPU)")
    for video in VIDEOS:
        if not video.exists():
            print(f"\n{video.name}: absent, skipped")
            continue
        frames, truths = composited(video)
        print(f"\n{video.name}: {len(frames)} frames letterboxed to {W}x{H}, an {SIDE * 1000:.0f} mm marker at "
              "0.55-0.8 m composited in")
        results = {}
        for _ in range(ROUNDS):
            for name, make in (("bare", Bare), ("per frame", PerFrame), ("tracker", Tracker)):
                times, poses = timed(make, frames)
                if name not in results or statistics.median(times) < statistics.median(results[name][0]):
                    results[name] = (times, poses)
        bare = statistics.median(results["bare"][0])
        for name, label in (("bare", "bare cv2.aruco   "), ("per frame", "ours, per frame  "), ("tracker", "ours, tracker    ")):
            times, poses = results[name]
            ratio = "" if name == "bare" else f", ours/bare {statistics.median(times) / bare:.2f}"
            print(f"  {label} {ms(times)}{ratio}\n      {accuracy(poses, truths)}")
        hands = {}
        for _ in range(ROUNDS):
            for name, make in (("hands", None), ("hands+bare", Bare), ("hands+ours", Tracker)):
                times = with_hands(make, frames)
                if name not in hands or statistics.median(times) < statistics.median(hands[name]):
                    hands[name] = times
        for name, label in (("hands", "MediaPipe hands alone     "), ("hands+bare", "hands + bare cv2.aruco    "),
                            ("hands+ours", "hands + ours (tracker)    ")):
            times = hands[name]
            print(f"  {label} {ms(times)} -> {1 / statistics.median(times):5.1f} fps")
        print(f"  hands + ours / hands + bare: {statistics.median(hands['hands+ours']) / statistics.median(hands['hands+bare']):.2f}")


if __name__ == "__main__":
    main()
