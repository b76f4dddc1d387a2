"""The OpenXR layer's own rules, without a runtime: the session lifecycle, which extensions
and bindings are asked for, the one-sentence errors, and the geometry (recentring, gaze
rays, pinch and grab from joints)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xr

from devices.camera.listing import list_cameras
from devices.desktop_hand import hand_skeleton
from devices.openxr.actions import PROFILES, suggested_bindings
from devices.openxr.gaze import gaze_from_pose
from devices.openxr.hand_tracking import MEDIAPIPE_JOINTS, pinch_and_grab
from devices.openxr.lifecycle import SESSION_LOST, Lifecycle, SessionState, Step
from devices.openxr.runtime import (
    HEADLESS_EXTENSION,
    TIME_EXTENSION,
    OpenXRError,
    choose_extensions,
    explain,
)
from devices.openxr.spaces import choose_floor_space, yaw_only
from interaction.frame import Joint
from scenes.transforms import quat_from_axis_angle, quat_multiply, quat_to_matrix

S = SessionState


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- lifecycle ----------------------------------------------------------------------------
def test_lifecycle_begins_at_ready_and_walks_to_focused():
    clock = FakeClock()
    life = Lifecycle(clock)
    clock.now += 0.5
    assert life.on_state(S.READY) == Step.BEGIN
    life.began()
    assert life.running and not life.should_render
    for state in (S.SYNCHRONIZED, S.VISIBLE):
        assert life.on_state(state) == Step.NONE
    assert life.should_render and not life.has_focus
    clock.now += 0.25
    assert life.on_state(S.FOCUSED) == Step.NONE
    assert life.has_focus
    assert life.states_reached() == ["IDLE", "READY", "SYNCHRONIZED", "VISIBLE", "FOCUSED"]
    assert [t.at for t in life.history] == [0.0, 0.5, 0.5, 0.5, 0.75]


def test_lifecycle_ends_at_stopping_and_is_over_at_exiting():
    life = Lifecycle(FakeClock())
    life.on_state(S.READY)
    life.began()
    for state in (S.SYNCHRONIZED, S.VISIBLE, S.FOCUSED, S.VISIBLE, S.SYNCHRONIZED):
        life.on_state(state)
    assert life.on_state(S.STOPPING) == Step.END
    life.ended()
    assert not life.running and not life.frame_loop_allowed
    assert life.on_state(S.IDLE) == Step.NONE
    assert life.on_state(S.EXITING) == Step.DESTROY
    assert life.over and life.lost is None
    assert life.on_state(S.READY) == Step.NONE  # nothing more after the end


def test_a_second_ready_while_running_does_not_begin_again():
    life = Lifecycle(FakeClock())
    assert life.on_state(S.READY) == Step.BEGIN
    life.began()
    assert life.on_state(S.READY) == Step.NONE


def test_stopping_before_begin_asks_for_no_end():
    life = Lifecycle(FakeClock())
    assert life.on_state(S.STOPPING) == Step.NONE


@pytest.mark.parametrize("lose", ["loss_pending", "instance_loss"])
def test_loss_destroys_the_session_with_one_sentence(lose):
    life = Lifecycle(FakeClock())
    life.on_state(S.READY)
    life.began()
    life.on_state(S.FOCUSED)
    step = life.on_state(S.LOSS_PENDING) if lose == "loss_pending" else life.on_instance_loss()
    assert step == Step.DESTROY
    assert life.over and not life.running and not life.has_focus
    assert life.lost == SESSION_LOST
    assert life.on_instance_loss() == Step.NONE  # reported once


def test_repeated_state_is_not_a_transition():
    life = Lifecycle(FakeClock())
    life.on_state(S.IDLE)
    assert life.states_reached() == ["IDLE"]


# -- extensions, errors -------------------------------------------------------------------
OFFERED = [
    "XR_EXT_hand_tracking",
    "XR_EXT_local_floor",
    TIME_EXTENSION,
    HEADLESS_EXTENSION,
    "XR_KHR_opengl_enable",
    "XR_KHR_vulkan_enable2",
    "XR_FB_passthrough",
]


def test_headless_asks_for_mnd_headless_and_only_offered_extensions():
    assert choose_extensions(OFFERED) == [
        "XR_EXT_hand_tracking",
        "XR_EXT_local_floor",
        TIME_EXTENSION,
        HEADLESS_EXTENSION,
    ]


def test_graphics_extensions_replace_headless():
    chosen = choose_extensions(OFFERED, ["XR_KHR_opengl_enable"])
    assert chosen[-1] == "XR_KHR_opengl_enable" and HEADLESS_EXTENSION not in chosen


def test_a_graphics_extension_the_runtime_lacks_is_one_sentence():
    with pytest.raises(OpenXRError, match="does not support XR_MNDX_egl_enable"):
        choose_extensions(OFFERED, ["XR_KHR_opengl_enable", "XR_MNDX_egl_enable"])


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (xr.exception.RuntimeUnavailableError(), "no OpenXR runtime is installed"),
        (xr.exception.RuntimeFailureError(), "installed but not running"),
        (xr.exception.FormFactorUnavailableError(), "sees no headset"),
        (xr.exception.SessionLostError(), SESSION_LOST),
        (xr.exception.InstanceLostError(), SESSION_LOST),
        (xr.exception.ValidationFailureError("bad"), "OpenXR failed with ValidationFailureError"),
    ],
)
def test_explain_gives_one_sentence(error, words):
    text = explain(error)
    assert words in text
    assert "\n" not in text and not text.endswith(".")


# -- bindings -------------------------------------------------------------------------------
def test_profiles_needing_an_extension_are_suggested_only_with_it():
    base = suggested_bindings([])
    assert "/interaction_profiles/ext/hand_interaction_ext" not in base
    assert "/interaction_profiles/hp/mixed_reality_controller" not in base
    assert len(base) == 5
    full = suggested_bindings(["XR_EXT_hand_interaction", "XR_EXT_hp_mixed_reality_controller"])
    assert set(full) == set(PROFILES) and len(full) == 7


def test_every_profile_binds_both_poses_select_on_both_hands():
    full = suggested_bindings(["XR_EXT_hand_interaction", "XR_EXT_hp_mixed_reality_controller"])
    for profile, pairs in full.items():
        for hand in ("left", "right"):
            for action, leaf in (("aim", "aim/pose"), ("grip", "grip/pose")):
                assert (action, f"/user/hand/{hand}/input/{leaf}") in pairs, profile
            assert any(a == "select" and p.startswith(f"/user/hand/{hand}/") for a, p in pairs)
        # no two suggestions of one action on one path
        assert len(set(pairs)) == len(pairs)


def test_specific_bindings_follow_the_openxr_interaction_profiles():
    b = {p: set(pairs) for p, pairs in suggested_bindings(["XR_EXT_hand_interaction"]).items()}
    touch = b["/interaction_profiles/oculus/touch_controller"]
    assert ("menu", "/user/hand/left/input/menu/click") in touch
    assert not any(a == "menu" and "right" in p for a, p in touch)  # the right is the system's
    assert ("primary", "/user/hand/right/input/a/click") in touch
    assert ("primary", "/user/hand/left/input/x/click") in touch
    vive = b["/interaction_profiles/htc/vive_controller"]
    assert ("thumbstick", "/user/hand/left/input/trackpad") in vive
    assert ("squeeze", "/user/hand/right/input/squeeze/click") in vive
    simple = b["/interaction_profiles/khr/simple_controller"]
    assert ("select", "/user/hand/left/input/select/click") in simple
    assert not any(a == "squeeze" for a, _ in simple)
    hands = b["/interaction_profiles/ext/hand_interaction_ext"]
    assert ("squeeze", "/user/hand/right/input/grasp_ext/value") in hands
    assert not any(a == "haptic" for a, _ in hands)  # tracked hands cannot vibrate
    assert ("haptic", "/user/hand/right/output/haptic") in b[
        "/interaction_profiles/valve/index_controller"
    ]


# -- spaces, gaze, hands --------------------------------------------------------------------
def test_floor_space_prefers_local_floor_then_stage_then_local():
    T = xr.ReferenceSpaceType
    every = [T.VIEW, T.LOCAL, T.STAGE, T.LOCAL_FLOOR]
    assert choose_floor_space(every, ["XR_EXT_local_floor"]) == T.LOCAL_FLOOR
    assert choose_floor_space(every, []) == T.STAGE
    assert choose_floor_space([T.VIEW, T.LOCAL], []) == T.LOCAL


def test_recentre_pose_keeps_the_yaw_and_drops_pitch_and_roll():
    yaw = quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), math.radians(70.0))
    pitch = quat_from_axis_angle(np.array([1.0, 0.0, 0.0]), math.radians(-30.0))
    head = np.array([0.4, 1.7, -0.2, *quat_multiply(yaw, pitch)])
    out = yaw_only(head)
    np.testing.assert_allclose(out[:3], [0.4, 0.0, -0.2])
    # the result looks the way the head looks, projected on the floor
    forward = quat_to_matrix(out[3:]) @ [0.0, 0.0, -1.0]
    head_forward = quat_to_matrix(head[3:]) @ [0.0, 0.0, -1.0]
    flat = head_forward * [1.0, 0.0, 1.0]
    np.testing.assert_allclose(forward, flat / np.linalg.norm(flat), atol=1e-12)
    assert yaw_only(head, floor_y=None)[1] == pytest.approx(1.7)


def test_gaze_ray_runs_along_the_pose_minus_z_and_absence_is_confidence_zero():
    assert gaze_from_pose(None).confidence == 0.0
    q = quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), math.radians(90.0))
    g = gaze_from_pose(np.array([0.0, 1.6, 0.0, *q]))
    assert g.confidence == 1.0
    np.testing.assert_allclose(g.direction, [-1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(g.origin, [0.0, 1.6, 0.0])


def test_the_21_shared_joints_exclude_palm_and_finger_metacarpals():
    assert len(MEDIAPIPE_JOINTS) == 21
    assert Joint.PALM not in MEDIAPIPE_JOINTS and Joint.THUMB_METACARPAL in MEDIAPIPE_JOINTS
    assert list(MEDIAPIPE_JOINTS[[0, 4, 8, 12, 16, 20]]) == [
        Joint.WRIST,
        Joint.THUMB_TIP,
        Joint.INDEX_TIP,
        Joint.MIDDLE_TIP,
        Joint.RING_TIP,
        Joint.LITTLE_TIP,
    ]


@pytest.mark.parametrize(("pinch", "grab"), [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)])
def test_pinch_and_grab_from_joints_match_the_pose_of_the_hand(pinch, grab):
    # skeletons the desktop simulator builds for a given pinch / grab, read back from joints
    got = pinch_and_grab(hand_skeleton(pinch, grab, left=False))
    assert got == pytest.approx((pinch, grab), abs=0.05)


def test_cameras_are_listed_from_sysfs_capture_nodes(tmp_path):
    for name, index, label in (
        ("video0", "0", "Integrated Camera"),
        ("video1", "1", "meta"),
        ("video2", "0", "USB Cam"),
    ):
        node = tmp_path / name
        node.mkdir()
        (node / "index").write_text(index + "\n")
        (node / "name").write_text(label + "\n")
    cams = list_cameras(tmp_path)
    assert [(c.index, c.name) for c in cams] == [(0, "Integrated Camera"), (2, "USB Cam")]
