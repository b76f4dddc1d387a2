"""The desktop device driven by synthetic key / mouse sequences (no Qt)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from devices.base import Device
from devices.desktop import CONTROLS, HELP_TEXT, LEFT, RIGHT, DesktopDevice
from interaction.frame import Joint
from interaction.recording import quantize
from scenes.transforms import look_at, pose_to_matrix


def _proj(fov_deg=50.0, aspect=1.5, near=0.05, far=50.0):
    f = 1 / np.tan(np.radians(fov_deg) / 2)
    return np.array(
        [
            [f / aspect, 0, 0, 0],
            [0, f, 0, 0],
            [0, 0, (far + near) / (near - far), 2 * far * near / (near - far)],
            [0, 0, -1, 0],
        ]
    )


def _device():
    head = look_at(np.array([0.3, 1.6, 1.2]), np.array([0.0, 1.0, 0.0]))
    dev = DesktopDevice(head=head, reach=0.6)
    dev.set_projection(_proj())
    dev.start()
    return dev


def _project(point, head, proj):
    """World point -> NDC (x, y) through the camera at ``head``."""
    clip = proj @ np.linalg.inv(head) @ np.append(point, 1.0)
    return clip[:2] / clip[3]


def test_satisfies_the_device_protocol():
    dev = DesktopDevice()
    assert isinstance(dev, Device)
    assert dev.available and dev.why_not == "" and dev.error is None


def test_hand_follows_the_cursor_ray():
    dev = _device()
    for ndc in [(0.3, -0.2), (-0.7, 0.5), (0.0, 0.0)]:
        dev.on_mouse_move(*ndc)
        frame = dev.poll(0.1)
        grip = frame.right.grip
        np.testing.assert_allclose(_project(grip[:3], dev.head_matrix, _proj()), ndc, atol=1e-9)
        # the aim ray starts at the eye and runs through the hand (it finds parts nearer
        # than the hand too)
        aim = pose_to_matrix(frame.right.aim)
        to_hand = grip[:3] - dev.head_matrix[:3, 3]
        np.testing.assert_allclose(-aim[:3, 2], to_hand / np.linalg.norm(to_hand), atol=1e-9)
        np.testing.assert_allclose(aim[:3, 3], dev.head_matrix[:3, 3], atol=1e-12)


def test_wheel_moves_along_the_ray_by_a_tenth_per_notch():
    dev = _device()
    dev.on_mouse_move(0.2, 0.1)
    eye = dev.head_matrix[:3, 3]
    before = dev.poll(0.0).right.grip[:3]
    dev.on_wheel(2)
    after = dev.poll(0.01).right.grip[:3]
    assert np.linalg.norm(after - eye) == pytest.approx(
        1.21 * np.linalg.norm(before - eye), rel=1e-9
    )
    np.testing.assert_allclose(_project(after, dev.head_matrix, _proj()), (0.2, 0.1), atol=1e-9)


def test_pinch_and_grab_buttons_and_keys_apply_to_the_active_hand_only():
    dev = _device()
    dev.on_mouse_button("left", True)
    f = dev.poll(0.0)
    assert (f.right.pinch, f.right.grab, f.left.pinch) == (1.0, 0.0, 0.0)
    dev.on_mouse_button("left", False)
    dev.on_key("1", True)  # left hand active
    dev.on_key("g", True)
    f = dev.poll(0.1)
    # the grab button selects along the ray too (a far part can be grabbed with it)
    assert (f.left.grab, f.left.pinch, f.right.grab) == (1.0, 1.0, 0.0)
    dev.on_key("g", False)
    dev.on_key("Space", True)
    assert dev.poll(0.2).left.pinch == 1.0
    dev.on_key("space", False)
    dev.on_mouse_button("right", True)
    assert dev.poll(0.3).left.grab == 1.0
    dev.release_all()
    f = dev.poll(0.4)
    assert f.left.grab == f.left.pinch == 0.0


def test_tab_cycles_hands_and_both_move_together():
    dev = _device()
    assert dev.active == (RIGHT,)
    dev.on_key("Tab", True)
    dev.on_key("Tab", False)
    assert dev.active == (LEFT,)
    dev.on_key("tab", True)
    assert dev.active == (LEFT, RIGHT)
    before = dev.poll(0.0)
    gap = before.right.grip[:3] - before.left.grip[:3]
    dev.on_mouse_move(0.4, 0.3)
    after = dev.poll(0.1)
    np.testing.assert_allclose(after.right.grip[:3] - after.left.grip[:3], gap, atol=1e-12)
    mid = (after.right.grip[:3] + after.left.grip[:3]) / 2
    np.testing.assert_allclose(_project(mid, dev.head_matrix, _proj()), (0.4, 0.3), atol=1e-9)


def test_r_with_mouse_rotates_the_grip_in_place_and_t_resets():
    dev = _device()
    dev.on_mouse_move(0.0, 0.0)
    before = dev.poll(0.0).right
    dev.on_key("r", True)
    dev.on_mouse_move(0.5, 0.0)  # a quarter turn of yaw
    after = dev.poll(0.1).right
    np.testing.assert_allclose(after.grip[:3], before.grip[:3], atol=1e-12)
    r0, r1 = pose_to_matrix(before.grip)[:3, :3], pose_to_matrix(after.grip)[:3, :3]
    angle = np.degrees(np.arccos(np.clip((np.trace(r0.T @ r1) - 1) / 2, -1, 1)))
    assert angle == pytest.approx(45.0, abs=1e-6)
    dev.on_key("r", False)
    dev.on_key("t", True)
    np.testing.assert_allclose(pose_to_matrix(dev.poll(0.2).right.grip)[:3, :3], r0, atol=1e-12)


def test_carrying_a_hand_across_the_view_keeps_its_orientation():
    dev = _device()
    dev.on_mouse_move(-0.8, 0.0)
    r0 = pose_to_matrix(dev.poll(0.0).right.grip)[:3, :3]
    dev.on_mouse_move(0.8, 0.6)
    r1 = pose_to_matrix(dev.poll(0.1).right.grip)[:3, :3]
    np.testing.assert_allclose(r0, r1, atol=1e-12)


def test_arrow_keys_turn_the_head_at_ninety_degrees_per_second_and_hands_follow():
    dev = _device()
    f0 = dev.poll(0.0)
    fwd0 = -pose_to_matrix(f0.head)[:3, 2]
    dev.on_key("Left", True)
    f1 = dev.poll(0.5)
    fwd1 = -pose_to_matrix(f1.head)[:3, 2]
    # yaw about world up: compare the horizontal headings
    h0, h1 = fwd0[[0, 2]], fwd1[[0, 2]]
    angle = np.degrees(np.arctan2(h0[0] * h1[1] - h0[1] * h1[0], h0 @ h1))
    assert abs(angle) == pytest.approx(45.0, abs=1e-6)
    np.testing.assert_allclose(
        np.linalg.norm(f1.right.grip[:3] - f1.head[:3]),
        np.linalg.norm(f0.right.grip[:3] - f0.head[:3]),
    )
    assert not np.allclose(f1.right.grip[:3], f0.right.grip[:3])


def test_walking_moves_the_head_on_the_ground_plane():
    dev = _device()
    y0 = dev.head_matrix[1, 3]
    p0 = dev.head_matrix[:3, 3].copy()
    dev.poll(0.0)
    dev.on_key("w", True)
    dev.poll(1.0)
    p1 = dev.head_matrix[:3, 3]
    assert p1[1] == pytest.approx(y0)
    assert np.linalg.norm(p1 - p0) == pytest.approx(0.6)  # one reach per second
    fwd = -dev.head_matrix[:3, 2]
    assert np.dot(p1 - p0, fwd) > 0


def test_gaze_follows_the_cursor_or_the_head():
    dev = _device()
    dev.on_mouse_move(-0.5, 0.4)
    g = dev.poll(0.0).gaze
    assert g.confidence == 1.0
    np.testing.assert_allclose(
        _project(g.origin + g.direction, dev.head_matrix, _proj()), (-0.5, 0.4), atol=1e-9
    )
    dev.on_key("f", True)
    g = dev.poll(0.1).gaze
    np.testing.assert_allclose(g.direction, -dev.head_matrix[:3, 2], atol=1e-12)


def test_same_input_sequence_gives_identical_frames():
    def run():
        dev = _device()
        out = []
        script = [
            (0.00, "move", (0.1, 0.2)),
            (0.01, "key", ("tab", True)),
            (0.02, "wheel", (1.5,)),
            (0.03, "button", ("left", True)),
            (0.05, "key", ("up", True)),
            (0.08, "move", (-0.3, 0.0)),
            (0.09, "key", ("r", True)),
            (0.10, "move", (-0.1, 0.1)),
            (0.12, "key", ("up", False)),
        ]
        handlers = {
            "move": dev.on_mouse_move,
            "key": dev.on_key,
            "wheel": dev.on_wheel,
            "button": dev.on_mouse_button,
        }
        for i, (t, kind, args) in enumerate(script):
            handlers[kind](*args)
            out.append(quantize(dev.poll(t + 0.001 * i)).to_bytes())
        return out

    assert run() == run()


def test_synthetic_skeleton_is_rigid_and_poses_blend():
    dev = _device()
    open_hand = dev.poll(0.0).right
    dev.on_key("space", True)
    pinched = dev.poll(0.1).right
    dev.on_key("space", False)
    dev.on_key("g", True)
    fist = dev.poll(0.2).right
    for hand in (open_hand, pinched, fist):
        j = hand.joints
        assert j.shape == (26, 8) and j.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(j[:, 3:7], axis=1), 1.0, atol=1e-5)
        np.testing.assert_allclose(j[Joint.PALM, :3], hand.grip[:3], atol=1e-6)
    # bone lengths do not change with the pose (fingers bend, they do not stretch)
    for first in (
        Joint.INDEX_PROXIMAL,
        Joint.MIDDLE_PROXIMAL,
        Joint.RING_PROXIMAL,
        Joint.LITTLE_PROXIMAL,
    ):
        bones = [
            np.linalg.norm(np.diff(h.joints[first : first + 4, :3], axis=0), axis=1)
            for h in (open_hand, pinched, fist)
        ]
        np.testing.assert_allclose(bones[0], bones[1], atol=1e-6)
        np.testing.assert_allclose(bones[0], bones[2], atol=1e-6)

    def tip_gap(h):
        return np.linalg.norm(h.joints[Joint.THUMB_TIP, :3] - h.joints[Joint.INDEX_TIP, :3])

    assert tip_gap(open_hand) > 0.05 and tip_gap(pinched) < 0.012

    # a fist brings every finger tip near the palm; an open hand stretches them out
    def tips_to_palm(h):
        tips = h.joints[[Joint.INDEX_TIP, Joint.MIDDLE_TIP, Joint.RING_TIP, Joint.LITTLE_TIP], :3]
        return np.linalg.norm(tips - h.joints[Joint.PALM, :3], axis=1)

    assert tips_to_palm(fist).max() < 0.06 < 0.08 < tips_to_palm(open_hand).min()
    # joint -Z runs along the bone toward the tip
    j = open_hand.joints
    bone = j[Joint.INDEX_DISTAL, :3] - j[Joint.INDEX_INTERMEDIATE, :3]
    np.testing.assert_allclose(
        -pose_to_matrix(j[Joint.INDEX_INTERMEDIATE, :7].astype(float))[:3, 2],
        bone / np.linalg.norm(bone),
        atol=1e-5,
    )


def test_left_hand_is_the_mirror_of_the_right_and_scale_applies():
    dev = _device()
    dev.hand_scale = 1000.0  # a millimetre scene
    f = dev.poll(0.0)
    for hand in f.hands:
        local = np.linalg.inv(pose_to_matrix(hand.grip)) @ np.c_[hand.joints[:, :3], np.ones(26)].T
        assert 150 < np.linalg.norm(local[:3, Joint.WRIST] - local[:3, Joint.MIDDLE_TIP]) < 200
    left = np.linalg.inv(pose_to_matrix(f.left.grip)) @ np.append(
        f.left.joints[Joint.THUMB_TIP, :3], 1
    )
    right = np.linalg.inv(pose_to_matrix(f.right.grip)) @ np.append(
        f.right.joints[Joint.THUMB_TIP, :3], 1
    )
    np.testing.assert_allclose(left[:3] * [-1, 1, 1], right[:3], atol=1e-2)


#: key names the viewport may send (views/viewport.py: lower-case portable Qt names)
_KEY_NAMES = [
    *"abcdefghijklmnopqrstuvwxyz0123456789",
    *("tab", "space", "left", "right", "up", "down", "pgup", "pgdown", "esc", "control"),
    *("shift", "alt", "meta", "return", "enter", "backspace", "del", "ins", "home", "end"),
]
#: how the help names keys that are not a single letter or digit
_HELP_NAME = {"tab": "Tab", "space": "Space", "pgup": "PgUp", "pgdown": "PgDn", "esc": "Esc",
              "control": "Ctrl", **dict.fromkeys(("left", "right", "up", "down"), "Arrows")}
#: words of the help's key column that name the mouse, not a key
_MOUSE_WORDS = {"Mouse", "mouse", "Wheel", "wheel", "Left", "Right", "button", "middle", "drag",
                "with"}


def _reacts_to(key: str | None) -> bool:
    """Whether holding ``key`` changes what the device reports, in any of four situations
    followed by a mouse move and a wheel notch: as started (right hand active); with the
    left hand active (2); with a hand turned and the head walking forward (T, Esc); while R
    turns the hand (Ctrl steps the turn). ``None``: whether the runs differ without a key
    (they must not)."""

    def runs(key):
        out = []
        for situation in ("plain", "left_active", "turned_walking", "turning"):
            dev = _device()
            dev.poll(0.0)
            if situation == "left_active":
                dev.on_key("1", True)
                dev.on_key("1", False)
            elif situation == "turned_walking":
                dev.on_key("r", True)
                dev.on_mouse_move(0.2, 0.1)
                dev.on_key("r", False)
                dev.on_key("w", True)
            elif situation == "turning":
                dev.on_key("r", True)
            if key is not None:
                dev.on_key(key, True)
            dev.poll(0.2)
            dev.on_mouse_move(0.1, -0.1)
            dev.on_wheel(1.0)
            f = dev.poll(0.5)
            out.append(np.concatenate([f.head, f.gaze.direction, *(
                np.concatenate([h.grip, h.aim, h.joints.ravel(), [h.pinch, h.grab]]) for h in f.hands
            )]))
        return out

    base, keyed = runs(None), runs(key)
    return any(not np.allclose(a, b, atol=1e-9) for a, b in zip(base, keyed, strict=True))


def test_help_text_lists_every_key_the_device_reacts_to_and_no_other():
    """The help is read from the device's behaviour, not from the CONTROLS it is made of:
    every key that changes what the device reports is named in the help's key column, and
    every key named there changes something."""
    assert not _reacts_to(None)
    reacting = {k for k in _KEY_NAMES if _reacts_to(k)}
    assert {"w", "q", "g", "space", "tab", "t", "f", "esc", "control", "left"} <= reacting
    assert not reacting & {"x", "z", "h", "shift", "return"}
    named = {_HELP_NAME.get(k, k.upper()) for k in reacting}
    words = {w for keys, _ in CONTROLS for w in re.findall(r"[A-Za-z0-9]+", keys)}
    assert named == words - _MOUSE_WORDS
    for keys, what in CONTROLS:
        assert f"{keys:<22} {what}" in HELP_TEXT.splitlines()
