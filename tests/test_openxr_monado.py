"""The OpenXR device against Monado, a real OpenXR runtime (headless, null compositor, the
remote driver's HMD, Index controllers and tracked hands), run in a Debian trixie chroot.

Each test runs project code inside the chroot as a subprocess (tests/monado_driver.py) and
asserts on the JSON it prints. Poses and buttons are driven through Monado's remote
driver (tests/monado_remote.py), so the expected values are the ones we sent, not values
read back from our own code. Skipped without the chroot; failing in CI
(XRJIG_REQUIRE_MONADO=1). Set-up: scripts/monado/setup.sh.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from devices.openxr.lifecycle import SESSION_LOST
from interaction.frame import JOINT_COUNT, Button, Joint
from tests.monado import running_monado

pytestmark = [pytest.mark.openxr, pytest.mark.timeout(240)]

STATES_TO_FOCUS = ["IDLE", "READY", "SYNCHRONIZED", "VISIBLE", "FOCUSED"]
INDEX = "/interaction_profiles/valve/index_controller"
#: where Monado's remote driver puts the head and controllers after a reset
RESET_HEAD = [0.0, 1.6, 0.0]
RESET_GRIPS = ([-0.2, 1.3, -0.5], [0.2, 1.3, -0.5])


monado_fixture = pytest.fixture(scope="module", name="monado")(running_monado)


@pytest.fixture(scope="module")
def session_run(monado):
    return monado.driver("session")


def test_headless_session_reaches_focused_quickly(session_run):
    r = session_run
    assert r["error"] is None
    assert r["states"] == STATES_TO_FOCUS
    assert r["start_s"] < 3.0  # measured: about 0.05 s
    assert "XR_MND_headless" in r["enabled"] and "XR_EXT_hand_tracking" in r["enabled"]
    assert r["space"] == "LOCAL_FLOOR"
    assert r["profiles"] == [INDEX, INDEX]


def test_head_and_controller_poses_arrive_as_input_frames(session_run):
    r = session_run
    np.testing.assert_allclose(r["head"][:3], RESET_HEAD, atol=1e-5)
    for hand, grip in zip(r["hands"], RESET_GRIPS, strict=True):
        assert hand["tracked"]
        np.testing.assert_allclose(hand["grip"][:3], grip, atol=1e-5)
        assert np.linalg.norm(hand["aim"][3:]) == pytest.approx(1.0, abs=1e-5)
        assert hand["pinch"] == 0.0 and hand["grab"] == 0.0
    assert r["gaze_confidence"] == 0.0  # Monado's remote system has no eye tracker


def test_hand_joints_arrive_with_radii_around_the_hand(session_run):
    for hand, grip in zip(session_run["hands"], RESET_GRIPS, strict=True):
        joints = np.array(hand["joints"])
        assert joints.shape == (JOINT_COUNT, 8)
        assert (joints[:, 7] > 0.0).all() and (joints[:, 7] < 0.05).all()
        # a hand-sized skeleton at the controller
        assert np.linalg.norm(joints[Joint.PALM, :3] - grip) < 0.15
        span = np.linalg.norm(joints[Joint.MIDDLE_TIP, :3] - joints[Joint.WRIST, :3])
        assert 0.08 < span < 0.25
        np.testing.assert_allclose(np.linalg.norm(joints[:, 3:7], axis=1), 1.0, atol=1e-4)


def test_poses_and_buttons_sent_to_the_runtime_reach_the_frame(session_run):
    r = session_run
    np.testing.assert_allclose(r["moved_head"][:3], [0.1, 1.7, 0.2], atol=1e-5)
    right = r["moved_right"]
    np.testing.assert_allclose(right["grip"][:3], [0.3, 1.0, -0.4], atol=1e-5)
    assert right["pinch"] == pytest.approx(0.75, abs=1e-5)  # trigger value
    assert right["buttons"] == int(Button.PRIMARY)  # A
    assert r["moved_after_s"] < 1.0
    assert r["frame_bytes"] > 0


def test_without_a_controller_the_joints_give_pinch_and_grab(session_run):
    fist, open_hand = session_run["bare_fist"], session_run["bare_open"]
    for hand in (fist, open_hand):
        assert hand["tracked"] and hand["joints"] is not None
        # no controller pose: the grip is the palm joint
        np.testing.assert_allclose(hand["grip"], hand["joints"][Joint.PALM][:7], atol=1e-6)
    assert fist["grab"] > 0.9 and fist["pinch"] > 0.9  # all five fingers curled
    assert open_hand["grab"] < 0.1 and open_hand["pinch"] < 0.1
    tips = [np.array(h["joints"][Joint.INDEX_TIP][:3]) for h in (fist, open_hand)]
    assert np.linalg.norm(tips[0] - tips[1]) > 0.03  # the fingers really moved


def test_recentre_puts_the_origin_under_the_head(session_run):
    r = session_run
    assert r["recentred"]
    head = np.array(r["head_after_recentre"])
    np.testing.assert_allclose(head[[0, 2]], 0.0, atol=1e-4)
    assert head[1] == pytest.approx(1.7, abs=1e-4)  # the floor stays where it was


def test_a_lifted_scene_sees_the_same_head_lower_and_recentring_keeps_the_lift(session_run):
    r = session_run
    np.testing.assert_allclose(r["head_after_lift"], r["head_after_recentre"] - np.r_[0, 0.9, 0, 0, 0, 0, 0],
                               atol=1e-4)
    np.testing.assert_allclose(r["head_after_lift_recentre"][:3], [0.0, 0.8, 0.0], atol=1e-4)


def test_stop_walks_the_session_to_exiting(session_run):
    r = session_run
    assert r["states_after_stop"][len(STATES_TO_FOCUS) :] == [
        "VISIBLE",
        "SYNCHRONIZED",
        "STOPPING",
        "IDLE",
        "EXITING",
    ]
    assert r["error_after_stop"] is None
    assert r["stop_s"] < 3.0


def test_engine_grabs_when_the_runtime_reports_squeeze(monado):
    r = monado.driver("grab")
    assert r["error"] is None
    assert r["grip_error_m"] < 1e-3
    assert "GRAB" not in r["events_before_squeeze"]
    grabs = [e for e in r["events"] if e["kind"] == "GRAB"]
    assert grabs == [{"kind": "GRAB", "part": r["part"], "hand": "right"}]
    assert r["held"] == [None, r["part"]]
    assert r["grabbed_after_s"] is not None and r["grabbed_after_s"] < 1.0
    assert {"kind": "RELEASE", "part": r["part"], "hand": "right"} in r["events"]


def test_xrjig_devices_lists_the_runtime(monado):
    done = monado.python("-m", "app", "devices", "--json")
    assert done.returncode == 0, done.stderr
    xr_ = json.loads(done.stdout)["openxr"]
    assert xr_["available"] and "Monado" in xr_["runtime_name"]
    assert xr_["runtime_version"].count(".") == 2
    assert xr_["hand_tracking"] is True and xr_["eye_gaze"] is False
    assert "XR_EXT_hand_tracking" in xr_["extensions"]
    assert xr_["blend_modes"] == ["OPAQUE"]
    assert xr_["profiles_in_use"] == {"left": INDEX, "right": INDEX}


def test_killed_service_falls_back_to_desktop_and_devices_says_not_running(monado):
    try:
        r = monado.kill_service_under("tests.monado_driver", "loss")
        assert r["device_after"] == "desktop"
        assert r["openxr_error"] == SESSION_LOST
        assert r["messages"] == [
            f"openxr device failed ({r['openxr_error']}); switched to the desktop device"
        ]
        assert r["fell_back_after_s"] < 10.0
        assert r["frames"] >= 16  # 10 before the kill, the failing tick, 5 on the desktop
        # runtime installed, service down: one sentence, exit 0
        done = monado.python("-m", "app", "devices")
        assert done.returncode == 0
        assert done.stdout.splitlines()[0] == (
            "OpenXR: the OpenXR runtime is installed but not running: start its service or "
            "app, such as SteamVR or monado-service, and try again"
        )
    finally:
        monado.restart()
