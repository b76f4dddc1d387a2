"""Drawing into a real OpenXR runtime: Monado (null compositor, remote HMD) in its chroot.

The project's own commands run inside the chroot: ``xrjig devices --probe --json`` starts
a session with the OpenGL binding, draws the sample scene through the shared renderer into
each eye's swapchain for about 60 frames and reads the images back; the window in headset
mode (tests/headset_driver.py) runs the engine from the headset's frame loop. Both ways of
getting an OpenGL context are covered: EGL with no X server at all (XR_MNDX_egl_enable)
and GLX on the X server pytest-xvfb started (the chroot shares the host's abstract X
sockets). Skipped without the chroot; failing in CI (XRJIG_REQUIRE_MONADO=1).
"""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import no_display
from tests.monado import Monado, running_monado

pytestmark = [pytest.mark.openxr, pytest.mark.timeout(240)]

#: the walk of a session that ran and was asked to exit (OpenXR spec, "Session Lifecycle")
FULL_WALK = [
    "IDLE", "READY", "SYNCHRONIZED", "VISIBLE", "FOCUSED",
    "VISIBLE", "SYNCHRONIZED", "STOPPING", "IDLE", "EXITING",
]  # fmt: skip


@pytest.fixture(scope="module")
def monado():
    yield from running_monado()


def _probe(monado: Monado, monkeypatch: pytest.MonkeyPatch, graphics: str) -> dict:
    if graphics == "egl":
        monkeypatch.delitem(monado.env, "DISPLAY", raising=False)
        monkeypatch.setitem(monado.env, "PYOPENGL_PLATFORM", "egl")
        monkeypatch.setitem(monado.env, "EGL_PLATFORM", "surfaceless")
    elif not os.environ.get("DISPLAY"):
        no_display("GLX needs the X server pytest-xvfb provides (no DISPLAY)")
    done = monado.python("-m", "app", "devices", "--probe", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)["probe"]


@pytest.mark.parametrize("graphics", ["egl", pytest.param("glx", marks=pytest.mark.gl)])
def test_probe_draws_the_scene_into_both_eyes_through_a_full_session(monado, monkeypatch, graphics):
    probe = _probe(monado, monkeypatch, graphics)
    assert probe["ok"], probe["message"]
    assert probe["graphics"] == graphics
    assert probe["states"] == FULL_WALK
    assert probe["frames"] == 60
    assert probe["frames_submitted"] >= 55  # the first frames may come before VISIBLE
    assert len(probe["eye_sizes"]) == 2 and all(w > 0 and h > 0 for w, h in probe["eye_sizes"])
    assert probe["swapchain_format"] == hex(0x8C43)  # GL_SRGB8_ALPHA8, offered by Monado
    assert probe["blend_mode"] == "OPAQUE"
    # the scene, 0.5 m ahead, covers a few per cent of each eye; both eyes see it
    assert len(probe["scene_coverage"]) == 2
    assert all(0.005 < c < 0.5 for c in probe["scene_coverage"])
    for eye in probe["eye_ms"]:
        assert 0 < eye["median_ms"] <= eye["p95_ms"]


@pytest.mark.gl
def test_window_in_headset_mode_ticks_the_engine_from_the_headset_frames(monado):
    if not os.environ.get("DISPLAY"):
        no_display("the window needs the X server pytest-xvfb provides (no DISPLAY)")
    done = monado.python("-m", "tests.headset_driver")
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    assert r["device"] == "HeadsetDevice", r["status"]
    assert r["frames_submitted"] >= 40
    # one engine step per headset frame (plus the few before the session was running)
    assert r["frames_submitted"] <= r["session_frames"] <= r["frames_submitted"] + 30
    assert "FOCUSED" in r["states"]
    assert r["label_visible"] and r["label"].startswith("Headset: ")
    assert r["camera_at_head"]
    # the remote driver's standing head (1.6 m), in a scene raised to put the sample's
    # bench-sized task at workbench height
    assert 0.8 < r["lift"] < 1.0
    assert r["head"][1] == pytest.approx(1.6 - r["lift"], abs=0.05)


@pytest.mark.gl
def test_window_falls_back_to_the_desktop_when_the_runtime_dies_mid_session(monado):
    if not os.environ.get("DISPLAY"):
        no_display("the window needs the X server pytest-xvfb provides (no DISPLAY)")
    try:
        r = monado.kill_service_under("tests.headset_driver", "loss")
        assert r["device"] == "DesktopDevice"
        assert len(r["messages"]) == 1
        message = r["messages"][0]
        assert message.startswith("openxr device failed (") and "desktop device" in message
        assert "\n" not in message
        assert not r["label_visible"]
        assert r["frames_after_loss"] >= 10  # the session, and its recording, go on
    finally:
        monado.restart()
