"""Eye gaze on real face photos, and the gaze calibration fit (pure NumPy)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from devices.camera import gaze as gaze_model
from devices.camera.tracker import MediaPipeTracker, TrackerSettings
from tests.conftest import FACES, HANDS

#: photos of people looking into the camera with their head facing it (checked by eye)
FRONTAL = ["portrait_tfjs.jpg", "portrait_small_depth_tfjs.jpg", "business-person.png"]


@pytest.fixture(scope="module")
def tracker():
    t = MediaPipeTracker(TrackerSettings(), static=True)
    yield t
    t.close()


@pytest.mark.parametrize("name", FRONTAL)
def test_face_and_irises_found_and_gaze_roughly_at_the_camera(tracker, name):
    r = tracker.process(cv2.imread(str(FACES / name)), 0.0)
    assert r.gaze is not None
    assert r.gaze.confidence == 1.0  # face and both irises inside open eyes
    assert abs(r.gaze.yaw_deg) < 15 and abs(r.gaze.pitch_deg) < 15
    g = r.frame.gaze
    assert g.confidence == 1.0 and np.linalg.norm(g.direction) == pytest.approx(1.0)
    # from the viewer at (0, 0, 1) (looking down -Z), a look at the camera goes into the scene
    assert g.direction[2] < -0.7


def test_head_turned_away_is_seen(tracker):
    """mp_gesture_thumbs_up.jpg: the woman turns her head to her right (image left),
    eyes back to the camera. In the mirrored view the head yaw is to the left (< 0)."""
    r = tracker.process(cv2.imread(str(HANDS / "mp_gesture_thumbs_up.jpg")), 0.0)
    assert r.gaze is not None
    head_yaw = np.degrees(r.gaze.features[0])
    assert head_yaw < -20


def test_no_face_means_no_gaze(tracker):
    r = tracker.process(cv2.imread(str(HANDS / "hands_two_hands_tfjs.jpg")), 0.0)
    assert r.gaze is None
    assert r.frame.gaze.confidence == 0.0


def test_eye_angles_follow_the_iris():
    """Synthetic eye landmarks: the iris moved towards the image right of both eyes is a
    look to the right; moved up is a look up; lids shut read as a small opening."""
    pixels = np.zeros((478, 2))
    for outer, inner, upper, lower, iris, x0, x1 in (
        (33, 133, 159, 145, 468, 100, 130),
        (263, 362, 386, 374, 473, 190, 160),
    ):
        pixels[outer], pixels[inner] = (x0, 100), (x1, 100)
        cx = (x0 + x1) / 2
        pixels[upper], pixels[lower] = (cx, 94), (cx, 106)
        pixels[iris] = (cx + 4, 97)
    yaw, pitch, opening = gaze_model.eye_angles(pixels)
    assert yaw > 0.1 and pitch > 0.05
    assert opening == pytest.approx(0.4)


def test_calibration_recovers_an_affine_map():
    rng = np.random.default_rng(3)
    features = rng.uniform(-0.4, 0.4, size=(9, 4))
    a = rng.normal(size=(4, 2))
    targets = features @ a + np.array([0.05, -0.02])
    cal = gaze_model.GazeCalibration(degree=1)
    assert cal.fit(features, targets) < 1e-9
    probe = rng.uniform(-0.4, 0.4, size=(3, 4))
    np.testing.assert_allclose(cal.predict(probe), probe @ a + [0.05, -0.02], atol=1e-9)
    np.testing.assert_allclose(cal.predict(probe[0]), probe[0] @ a + [0.05, -0.02], atol=1e-9)


def test_quadratic_calibration_fits_what_affine_cannot():
    x = np.linspace(-0.5, 0.5, 9)
    features = np.stack([x, np.roll(x, 3)], axis=1)
    targets = np.stack([0.3 * x + 0.8 * x**2, 0.5 * np.roll(x, 3)], axis=1)
    assert gaze_model.GazeCalibration(1).fit(features, targets) > 1e-3
    assert gaze_model.GazeCalibration(2).fit(features, targets) < 1e-9


def test_calibration_refuses_too_few_samples():
    with pytest.raises(ValueError, match="at least 5"):
        gaze_model.GazeCalibration(1).fit(np.zeros((3, 4)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="not been fitted"):
        gaze_model.GazeCalibration(1).predict(np.zeros(4))


def test_calibration_applies_in_the_tracker(tracker):
    """A calibration that maps every feature to a look 10 deg right and 5 deg down turns
    the output gaze there (in the viewer's frame)."""
    cal = gaze_model.GazeCalibration(1)
    cal.fit(np.random.default_rng(0).normal(size=(6, 4)), np.tile(np.radians([10.0, -5.0]), (6, 1)))
    tracker.calibration = cal
    try:
        r = tracker.process(cv2.imread(str(FACES / "portrait_tfjs.jpg")), 0.0)
    finally:
        tracker.calibration = None
    d = r.frame.gaze.direction  # head at (0, 0, 1) looking down -Z: viewer frame == scene frame
    assert np.degrees(np.arctan2(d[0], -d[2])) == pytest.approx(10.0, abs=0.5)
    assert np.degrees(np.arcsin(d[1])) == pytest.approx(-5.0, abs=0.5)


def test_confidence_drops_when_the_eyes_close():
    """Real face mesh landmarks of a portrait, then the lids moved onto the eye corners'
    line (a blink): the head still gives a gaze, but the irises are no longer trusted."""
    import mediapipe as mp

    image = cv2.imread(str(FACES / "portrait_tfjs.jpg"))
    h, w = image.shape[:2]
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True) as mesh:
        points = (
            mesh.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).multi_face_landmarks[0].landmark
        )
    landmarks = np.array([(1.0 - p.x, p.y, p.z) for p in points])  # mirrored, as the tracker does
    focal = 0.5 * w / np.tan(np.radians(30))
    open_eyes = gaze_model.estimate_gaze(landmarks, w, h, focal)
    assert open_eyes.confidence == 1.0
    for outer, inner, upper, lower in ((33, 133, 159, 145), (263, 362, 386, 374)):
        middle = 0.5 * (landmarks[outer] + landmarks[inner])
        landmarks[upper] = landmarks[lower] = middle
    closed = gaze_model.estimate_gaze(landmarks, w, h, focal)
    assert closed.confidence == 0.5
    assert closed.features[2] == closed.features[3] == 0.0
    np.testing.assert_allclose(closed.features[:2], open_eyes.features[:2])  # same head pose
