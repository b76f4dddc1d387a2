"""Camera hand tracking on real photos and video: counts, handedness, pinch, 21->26 mapping.

Expected handedness was read off the photos by eye (nails / palm visible, thumb side),
not copied from the tracker's output: both hands in hands_two_hands_tfjs.jpg are left
hands seen from the back; the pointing woman raises her left hand; the thumbs-up woman
her right; the victory sign is a right hand, palm to the camera; the woman shielding her
eyes uses both hands. The user's hands are reported (a selfie view).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from devices.camera import hand_joints as hj
from devices.camera.tracker import MediaPipeTracker, TrackerSettings
from interaction.frame import Hand, Joint
from scenes.transforms import quat_to_matrix
from tests.conftest import HANDS, shared_file

#: MediaPipe bones (landmark pairs) and the OpenXR joints they must map onto
_BONES = [
    ((1, 2), (Joint.THUMB_METACARPAL, Joint.THUMB_PROXIMAL)),
    ((2, 3), (Joint.THUMB_PROXIMAL, Joint.THUMB_DISTAL)),
    ((3, 4), (Joint.THUMB_DISTAL, Joint.THUMB_TIP)),
] + [
    ((k + i, k + i + 1), (j + 1 + i, j + 2 + i))
    for k, j in (
        (5, Joint.INDEX_METACARPAL),
        (9, Joint.MIDDLE_METACARPAL),
        (13, Joint.RING_METACARPAL),
        (17, Joint.LITTLE_METACARPAL),
    )
    for i in range(3)
]


@pytest.fixture(scope="module")
def photo_tracker():
    tracker = MediaPipeTracker(TrackerSettings(track_face=False), static=True)
    yield tracker
    tracker.close()


#: the hands each photo shows (handedness read by eye, see the module docstring)
PHOTO_HANDS = {
    "hands_two_hands_tfjs.jpg": ["left", "left"],
    "mp_gesture_pointing_up.jpg": ["left"],
    "mp_gesture_thumbs_up.jpg": ["right"],
    "mp_gesture_victory.jpg": ["right"],
    "mp_woman_hands.jpg": ["left", "right"],
}


def _track(tracker, path):
    return tracker.process(cv2.imread(str(path)), 0.0)


def _hands(tracker, name):
    """The tracked hands of photo ``name``: as many as it shows (a loop over none would pass)."""
    hands = _track(tracker, HANDS / name).hands
    assert len(hands) == len(PHOTO_HANDS[name]), (name, [h.handedness for h in hands])
    return hands


@pytest.mark.parametrize(("name", "expected"), PHOTO_HANDS.items())
def test_hand_count_and_handedness_on_photos(photo_tracker, name, expected):
    result = _track(photo_tracker, HANDS / name)
    assert sorted(h.handedness for h in result.hands) == expected
    # the InputFrame carries them: one slot per hand (two left hands fill both slots)
    assert sum(h.tracked for h in result.frame.hands) == len(expected)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mp_gesture_victory.jpg", (False, False)),
        ("mp_gesture_pointing_up.jpg", (False, False)),
        ("hands_two_hands_tfjs.jpg", (False, False)),
        ("mp_gesture_thumbs_up.jpg", (False, True)),
    ],
)
def test_pinch_and_grab_states_on_photos(photo_tracker, name, expected):
    """Victory, pointing and open hands: neither; thumbs-up: a fist (grab) but no pinch."""
    for hand in _hands(photo_tracker, name):
        assert (hand.pinching, hand.grabbing) == expected, (
            name,
            hand.pinch_strength,
            hand.grab_strength,
        )


def test_pixabay_thumb_up_is_a_fist_not_a_pinch(photo_tracker):
    result = _track(photo_tracker, shared_file("hands/thumb_up_pixabay166442.jpg"))
    assert len(result.hands) == 1
    assert result.hands[0].grabbing and not result.hands[0].pinching


@pytest.mark.parametrize("name", ["hands_two_hands_tfjs.jpg", "mp_gesture_victory.jpg"])
def test_mapping_keeps_mediapipe_bone_lengths(photo_tracker, name):
    for hand in _hands(photo_tracker, name):
        mp = hand.landmarks
        joints = hand.hand.joints[:, :3].astype(np.float64)
        for (a, b), (ja, jb) in _BONES:
            assert np.linalg.norm(joints[jb] - joints[ja]) == pytest.approx(
                np.linalg.norm(mp[b] - mp[a]), abs=1e-6
            )
        for knuckle, meta in (
            (5, Joint.INDEX_METACARPAL),
            (9, Joint.MIDDLE_METACARPAL),
            (17, Joint.LITTLE_METACARPAL),
        ):
            whole = np.linalg.norm(mp[knuckle] - mp[0])
            split = np.linalg.norm(joints[meta] - joints[Joint.WRIST]) + np.linalg.norm(
                joints[meta + 1] - joints[meta]
            )
            assert split == pytest.approx(whole, abs=1e-6)
        # hand sizes of real adults: wrist to middle knuckle 6-12 cm
        assert 0.05 < hj.hand_size(mp) < 0.13


@pytest.mark.parametrize("name", ["hands_two_hands_tfjs.jpg", "mp_gesture_pointing_up.jpg"])
def test_joint_orientations_follow_openxr(photo_tracker, name):
    """-Z along the bone towards the tip, +Y out of the back of the hand, unit quaternions."""
    for hand in _hands(photo_tracker, name):
        rows = hand.hand.joints.astype(np.float64)
        dorsal = hj.back_of_hand(rows[:, :3], hand.handedness == "right")
        for j in range(26):
            q = rows[j, 3:7]
            assert np.linalg.norm(q) == pytest.approx(1.0, abs=1e-5)
            m = quat_to_matrix(q)
            if j in (
                Joint.THUMB_TIP,
                Joint.INDEX_TIP,
                Joint.MIDDLE_TIP,
                Joint.RING_TIP,
                Joint.LITTLE_TIP,
            ):
                bone = rows[j, :3] - rows[j - 1, :3]
            elif j in (Joint.PALM, Joint.WRIST):
                bone = rows[Joint.MIDDLE_PROXIMAL, :3] - rows[Joint.WRIST, :3]
            else:
                bone = rows[j + 1, :3] - rows[j, :3]
            assert -m[:, 2] @ (bone / np.linalg.norm(bone)) > 0.999
            assert m[:, 1] @ dorsal > 0.0
        assert 0.004 < rows[:, 7].min() and rows[:, 7].max() < 0.04


def test_back_of_hand_faces_the_right_way(photo_tracker):
    """Independent of MediaPipe's labels: in the two-hands photo the camera sees the backs
    of the hands (nails visible), so the palm joint's +Y points from the viewer towards
    the camera (scene -Z here); the victory hand shows its palm, so +Y points back at the viewer."""
    for name, sign in (("hands_two_hands_tfjs.jpg", -1.0), ("mp_gesture_victory.jpg", 1.0)):
        for hand in _hands(photo_tracker, name):
            y = quat_to_matrix(hand.hand.joints[Joint.PALM, 3:7].astype(np.float64))[:, 1]
            assert sign * y[2] > 0.5, (name, y)


def test_hands_sit_in_front_of_the_viewer_on_the_correct_side(photo_tracker):
    """The two-hands photo: the left-most hand in the (mirrored) view is the left slot,
    both within arm's reach in front of the head at (0, 0, 1) looking down -Z."""
    frame = _track(photo_tracker, HANDS / "hands_two_hands_tfjs.jpg").frame
    assert [h.tracked for h in frame.hands] == [True, True]
    left, right = frame.hands[Hand.LEFT].grip[:3], frame.hands[Hand.RIGHT].grip[:3]
    assert left[0] < right[0]
    for p in (left, right):
        assert 0.05 < 1.0 - p[2] < 1.0
    for h in frame.hands:
        aim_forward = -quat_to_matrix(h.aim[3:7])[:, 2]
        assert aim_forward[2] < -0.5  # aims away from the viewer, into the scene


@pytest.mark.parametrize("offset", [(0.05, -0.03, 0.45), (-0.12, 0.08, 0.8), (0.0, 0.0, 0.3)])
def test_placement_recovers_depth_from_apparent_size(photo_tracker, offset):
    """A real hand shape put at a known place and projected through a pinhole camera is
    found again there by the weak-perspective fit (depth within 4 %, sideways within 1 cm)."""
    (hand,) = _hands(photo_tracker, "mp_gesture_victory.jpg")
    world = hand.landmarks - hand.landmarks.mean(axis=0)
    world = world * (1.0, -1.0, -1.0)  # scene axes -> camera axes (y down, z away)
    truth = world + offset
    focal = hj.focal_length_px(640, 60.0)
    pixels = focal * truth[:, :2] / truth[:, 2:3]
    placed = hj.place_in_camera(pixels, world, focal)
    centre, true_centre = placed.mean(axis=0), truth.mean(axis=0)
    assert centre[2] == pytest.approx(true_centre[2], rel=0.04)
    assert np.linalg.norm(centre[:2] - true_centre[:2]) < 0.01


def test_viewer_frame_keeps_hands_right_handed():
    """Mirroring the image (x) and flipping y are two reflections: the camera -> viewer map
    is a proper rigid motion, so a right hand stays a right hand."""
    physical = np.array([[0.0, 0.0, 0.5], [1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.5]])
    mirrored = physical * (-1.0, 1.0, 1.0)  # what the tracker does to MediaPipe's x
    v = hj.camera_to_viewer(mirrored, 0.6)
    basis = v[1:] - v[0]
    assert np.linalg.det(basis) == pytest.approx(1.0)  # a rotation: no mirrored hands
    np.testing.assert_allclose(v[0], [0.0, 0.0, -0.1])  # 10 cm in front of the eyes
