"""Carrying a part with the desktop device (devices/desktop_carry.py), without Qt or the
engine: the part is moved exactly as the engine moves it — it keeps its grab-time offset
to the driving pose — so the assertions are about where the *part* goes."""

from __future__ import annotations

import numpy as np
import pytest

from devices.desktop import RIGHT
from devices.desktop_carry import ROTATION_STEP_DEG
from scenes.transforms import pose_to_matrix
from tests.test_desktop_device import _device, _proj, _project

PART = np.eye(4)
PART[:3, 3] = (0.05, 1.02, -0.1)  # a part in front of the head, below eye height


def _grab(dev, via, t=0.0):
    """Grab PART with the right hand at the point under the cursor, as the app reports a
    GRAB: the engine's driving pose that frame, the grab point, and the part's offset."""
    frame = dev.poll(t)
    hand = frame.right
    if via == "ray":
        driver = hand.aim
        eye = dev.head_matrix[:3, 3]
        aim = pose_to_matrix(hand.aim)
        # the grab point: where the aim ray meets the plane z = PART's z (a stand-in surface)
        d = -aim[:3, 2]
        anchor = eye + d * (PART[2, 3] - eye[2]) / d[2]
    else:
        driver, anchor = hand.grip, hand.grip[:3]
    offset = np.linalg.inv(pose_to_matrix(driver)) @ PART
    return driver, anchor, offset


def _part(dev, via, offset, t):
    frame = dev.poll(t)
    driver = frame.right.aim if via == "ray" else frame.right.grip
    return pose_to_matrix(driver) @ offset


@pytest.mark.parametrize("via", ["ray", "near"])
def test_the_grab_point_follows_the_cursor_and_the_part_does_not_turn(via):
    dev = _device()
    dev.on_mouse_move(0.1, -0.2)
    driver, anchor, offset = _grab(dev, via)
    dev.begin_carry(RIGHT, via, driver, anchor)
    local_anchor = np.linalg.inv(PART) @ np.append(anchor, 1.0)
    depth_before = (np.linalg.inv(dev.head_matrix) @ np.append(anchor, 1.0))[2]
    for i, ndc in enumerate([(0.3, 0.1), (-0.4, 0.35), (0.0, -0.5)]):
        dev.on_mouse_move(*ndc)
        part = _part(dev, via, offset, 0.1 * (i + 1))
        grab_point = (part @ local_anchor)[:3]
        np.testing.assert_allclose(_project(grab_point, dev.head_matrix, _proj()), ndc, atol=1e-9)
        # in the view plane it was grabbed in
        depth = (np.linalg.inv(dev.head_matrix) @ np.append(grab_point, 1.0))[2]
        assert depth == pytest.approx(depth_before, abs=1e-9)
        np.testing.assert_allclose(part[:3, :3], PART[:3, :3], atol=1e-9)


def test_the_grab_point_takes_the_depth_of_the_target_under_the_cursor():
    dev = _device()
    dev.on_mouse_move(0.1, -0.2)
    driver, anchor, offset = _grab(dev, "ray")
    # the target: the part 0.25 m further from the eye and off to the side
    target = PART.copy()
    target[:3, 3] += (-0.15, 0.05, -0.25)
    guide = (target @ np.linalg.inv(PART) @ np.append(anchor, 1.0))[:3]
    dev.begin_carry(RIGHT, "ray", driver, anchor, guides=guide[None], capture=0.03)
    ndc = _project(guide, dev.head_matrix, _proj())
    dev.on_mouse_move(*(ndc + (0.001, -0.001)))  # a pixel off the target's point
    part = _part(dev, "ray", offset, 0.1)
    assert np.linalg.norm(part[:3, 3] - target[:3, 3]) < 0.003  # without the depth: 0.25 m
    assert dev.carrying[RIGHT].captured == 0
    dev.on_mouse_move(*(ndc + (0.3, 0.0)))  # away from it: back in the grab's view plane
    part = _part(dev, "ray", offset, 0.2)
    depth = (np.linalg.inv(dev.head_matrix) @ np.append((part @ np.linalg.inv(PART) @ np.append(anchor, 1.0))[:3], 1.0))[2]
    assert depth == pytest.approx((np.linalg.inv(dev.head_matrix) @ np.append(anchor, 1.0))[2], abs=1e-9)
    assert dev.carrying[RIGHT].captured == -1


def test_the_wheel_moves_the_carried_part_in_depth_where_it_is_on_screen():
    dev = _device()
    dev.on_mouse_move(0.1, -0.2)
    driver, anchor, offset = _grab(dev, "ray")
    dev.begin_carry(RIGHT, "ray", driver, anchor)
    eye = dev.head_matrix[:3, 3]
    dev.on_wheel(2)
    part = _part(dev, "ray", offset, 0.1)
    moved = (part @ np.linalg.inv(PART) @ np.append(anchor, 1.0))[:3]
    np.testing.assert_allclose(_project(moved, dev.head_matrix, _proj()), (0.1, -0.2), atol=1e-9)
    assert np.linalg.norm(moved - eye) == pytest.approx(1.21 * np.linalg.norm(anchor - eye), rel=1e-9)


def _turn_deg(a, b):
    c = (np.trace(a[:3, :3].T @ b[:3, :3]) - 1) / 2
    return float(np.degrees(np.arccos(np.clip(c, -1, 1))))


@pytest.mark.parametrize("via", ["ray", "near"])
def test_r_drag_turns_the_part_about_the_view_up_axis_in_15_degree_steps_with_ctrl(via):
    dev = _device()
    dev.on_mouse_move(0.0, 0.0)
    driver, anchor, offset = _grab(dev, via)
    dev.begin_carry(RIGHT, via, driver, anchor)
    dev.on_key("r", True)
    dev.on_key("control", True)
    # pi/2 per NDC unit: 0.37 NDC is 33.3 degrees, stepped to 30
    for x in np.linspace(0.0, 0.37, 8)[1:]:
        dev.on_mouse_move(x, 0.0)
    part = _part(dev, via, offset, 0.1)
    turned = _turn_deg(PART, part)
    assert turned == pytest.approx(2 * ROTATION_STEP_DEG, abs=1e-6)
    # about the view's up axis
    up = dev.head_matrix[:3, 1]
    np.testing.assert_allclose(part[:3, :3] @ up, up, atol=1e-9)
    # the grab point did not move (the turn pivots on it)
    local = np.linalg.inv(PART) @ np.append(anchor, 1.0)
    np.testing.assert_allclose((part @ local)[:3], anchor, atol=1e-9)
    dev.on_key("control", False)
    dev.on_mouse_move(0.38, 0.0)  # fine turns go on from the stepped one
    part = _part(dev, via, offset, 0.2)
    assert _turn_deg(PART, part) == pytest.approx(30.0 + np.degrees(0.01 * np.pi / 2), abs=1e-6)


def test_after_a_turn_the_part_moves_with_the_cursor_instead_of_jumping_to_it():
    dev = _device()
    dev.on_mouse_move(0.0, 0.0)
    driver, anchor, offset = _grab(dev, "ray")
    dev.begin_carry(RIGHT, "ray", driver, anchor)
    dev.on_key("r", True)
    dev.on_mouse_move(0.5, 0.0)  # a 45 degree turn; the cursor ran off to the right
    dev.on_key("r", False)
    local = np.linalg.inv(PART) @ np.append(anchor, 1.0)
    before = (_part(dev, "ray", offset, 0.1) @ local)[:3]
    np.testing.assert_allclose(_project(before, dev.head_matrix, _proj()), (0.0, 0.0), atol=1e-9)
    dev.on_mouse_move(0.45, 0.1)
    after = (_part(dev, "ray", offset, 0.2) @ local)[:3]
    np.testing.assert_allclose(_project(after, dev.head_matrix, _proj()), (-0.05, 0.1), atol=1e-9)


def test_a_released_hand_stays_where_it_let_go():
    dev = _device()
    dev.on_mouse_move(0.1, -0.2)
    driver, anchor, _ = _grab(dev, "ray")
    dev.begin_carry(RIGHT, "ray", driver, anchor)
    dev.on_mouse_move(-0.2, 0.1)
    held_at = dev.hand_matrix(RIGHT)[:3, 3]
    dev.end_carry(RIGHT)
    assert RIGHT not in dev.carrying
    np.testing.assert_allclose(dev.hand_matrix(RIGHT)[:3, 3], held_at, atol=1e-12)
    dev.on_mouse_move(0.0, 0.0)  # and follows the cursor again, at that depth
    np.testing.assert_allclose(_project(dev.hand_matrix(RIGHT)[:3, 3], dev.head_matrix, _proj()), (0, 0), atol=1e-9)
