"""Runs project code against a live Monado (inside the chroot) and prints one JSON document.

Called by tests/test_openxr_monado.py through scripts/monado/exec.sh; not a test module.
Modes (argv[1]):

* ``session``: OpenXRDevice start-up time and states, the InputFrames it fills (head,
  controllers, hand joints, gaze), poses moved through the remote driver arriving, a bare
  tracked hand (controller inactive) pinching and grabbing, recentring, clean stop.
* ``grab``: the interaction engine on the AS1 sample, fed by the device; the right
  controller is put on a part and squeezed through the remote driver.
* ``loss``: an app Session runs on the device; prints ``RUNNING`` and keeps ticking
  while the test kills monado-service; reports the fallback.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from devices.openxr.device import OpenXRDevice
from interaction.frame import InputFrame
from interaction.recording import quantize
from tests.monado_remote import MonadoRemote

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "scenes" / "samples" / "as1-assembly.yaml"


def _poll_until(device: OpenXRDevice, done, timeout: float = 3.0) -> tuple[InputFrame, float]:
    """Poll until ``done(frame)``; returns the frame and the seconds it took."""
    t0 = time.perf_counter()
    while True:
        frame = device.poll(time.perf_counter())
        elapsed = time.perf_counter() - t0
        if done(frame) or elapsed > timeout or device.error:
            return frame, elapsed
        time.sleep(0.002)


def _hand(h) -> dict:
    joints = None if h.joints is None else h.joints.tolist()
    return {
        "tracked": h.tracked,
        "aim": h.aim.tolist(),
        "grip": h.grip.tolist(),
        "pinch": h.pinch,
        "grab": h.grab,
        "buttons": int(h.buttons),
        "joints": joints,
    }


def mode_session() -> dict:
    remote = MonadoRemote()
    device = OpenXRDevice()
    t0 = time.perf_counter()
    device.start()
    out: dict = {"start_s": time.perf_counter() - t0, "error": device.error}
    frame, focus_s = _poll_until(device, lambda f: device.lifecycle.has_focus and f.right.tracked)
    out.update(
        focus_s=focus_s,
        states=device.lifecycle.states_reached(),
        profiles=device.profiles,
        enabled=list(device.runtime.enabled),
        space=device.spaces.kind.name,
        head=frame.head.tolist(),
        hands=[_hand(h) for h in frame.hands],
        gaze_confidence=frame.gaze.confidence,
    )
    # move the head and the right controller, press trigger and A: when does it arrive?
    remote.set_head((0.1, 1.7, 0.2))
    remote.set_controller(1, (0.3, 1.0, -0.4), trigger=0.75, a_click=True)
    sent = time.perf_counter()
    remote.send()
    frame, _ = _poll_until(
        device, lambda f: abs(f.right.grip[0] - 0.3) < 1e-4 and f.right.pinch > 0.7
    )
    out.update(
        moved_after_s=time.perf_counter() - sent,
        moved_head=frame.head.tolist(),
        moved_right=_hand(frame.right),
        frame_bytes=len(frame.to_bytes()),
    )
    # the controller put down, the hand tracked: pinch and grab come from the joints
    remote.set_controller(1, active=False, hand_tracking_active=True, curl=1.0)
    remote.send()
    fist, _ = _poll_until(device, lambda f: f.right.grab > 0.9)
    remote.set_controller(1, curl=0.0)
    remote.send()
    open_hand, _ = _poll_until(device, lambda f: f.right.grab < 0.1)
    out.update(bare_fist=_hand(fist.right), bare_open=_hand(open_hand.right))
    remote.set_controller(1, active=True)
    remote.send()
    device.pulse(1, 0.8, 0.05)  # must not fail on a controller with haptics
    out["recentred"] = device.recentre()
    frame, _ = _poll_until(device, lambda f: True)
    out["head_after_recentre"] = frame.head.tolist()
    device.set_scene_lift(0.9)  # the scene's floor 0.9 m up: the same head is 0.9 m lower in it
    frame, _ = _poll_until(device, lambda f: f.head[1] < 1.0)
    out["head_after_lift"] = frame.head.tolist()
    device.recentre()  # recentring keeps the lift
    frame, _ = _poll_until(device, lambda f: True)
    out["head_after_lift_recentre"] = frame.head.tolist()
    t0 = time.perf_counter()
    device.stop()
    out.update(stop_s=time.perf_counter() - t0, states_after_stop=device.lifecycle.states_reached())
    out["error_after_stop"] = device.error
    remote.close()
    return out


def _engine():
    from interaction.engine import Engine
    from scenes.scenario import load_scenario

    scenario = load_scenario(SCENARIO)
    return Engine(scenario.scene, scenario)


def _grab_point(engine, part: str) -> np.ndarray:
    """The part's surface vertex nearest its centre, in the scene."""
    from scenes.transforms import transform_points

    g = engine.geometry[part]
    frame = engine.rigid_frame(part, engine.state.part_poses[part])
    k = int(np.argmin(np.linalg.norm(g.vertices - g.centre, axis=1)))
    return transform_points(frame, g.vertices[k : k + 1])[0]


def mode_grab() -> dict:
    engine = _engine()
    part = engine.scene.parts[0].id
    target = _grab_point(engine, part)
    remote = MonadoRemote()
    device = OpenXRDevice()
    device.start()
    frame, _ = _poll_until(device, lambda f: device.lifecycle.has_focus and f.right.tracked)
    # the reported grip may sit off the remote pose by a fixed offset: compensate
    offset = frame.right.grip[:3] - np.array(remote.controller_position(1))
    remote.set_controller(1, tuple(target - offset), squeeze=0.0)
    remote.send()
    frame, _ = _poll_until(device, lambda f: np.linalg.norm(f.right.grip[:3] - target) < 1e-3)
    events: list[dict] = []

    def step(f: InputFrame) -> None:
        events.extend(
            {"kind": e.kind, "part": e.part, "hand": e.hand}
            for e in engine.step(quantize(f), [])
        )

    step(frame)
    before = [e["kind"] for e in events]
    remote.set_controller(1, squeeze=1.0)
    remote.send()
    t0 = time.perf_counter()
    grabbed_after = None
    while time.perf_counter() - t0 < 3.0 and grabbed_after is None:
        f = device.poll(time.perf_counter())
        step(f)
        if any(e["kind"] == "GRAB" for e in events):
            grabbed_after = time.perf_counter() - t0
    held = list(engine.state.held)
    remote.set_controller(1, squeeze=0.0)
    remote.send()
    _poll_until(device, lambda f: step(f) or any(e["kind"] == "RELEASE" for e in events))
    device.stop()
    remote.close()
    return {
        "part": part,
        "grip_error_m": float(np.linalg.norm(frame.right.grip[:3] - target)),
        "events_before_squeeze": before,
        "events": events,
        "grabbed_after_s": grabbed_after,
        "held": held,
        "error": device.error,
    }


def mode_loss() -> dict:
    from PySide6.QtCore import QCoreApplication

    from app.session.session import Session

    _app = QCoreApplication.instance() or QCoreApplication([])
    engine = _engine()
    device = OpenXRDevice()
    session = Session(engine.scene, engine.scenario, engine.params, device, engine=engine)
    messages: list[str] = []
    session.message.connect(messages.append)
    device.start()
    t = 0.0
    for _ in range(10):
        t += 0.011
        session.tick(t)
    sys.stdout.write("RUNNING\n")
    sys.stdout.flush()
    t0 = time.perf_counter()
    while session.device is device and time.perf_counter() - t0 < 15.0:
        t += 0.011
        session.tick(t)
        time.sleep(0.01)
    fell_back_after = time.perf_counter() - t0
    for _ in range(5):  # the session goes on with the desktop device
        t += 0.011
        session.tick(t)
    return {
        "device_after": session.device.name,
        "openxr_error": device.error,
        "fell_back_after_s": fell_back_after,
        "messages": messages,
        "frames": session.frame_count,
        "states": device.lifecycle.states_reached(),
    }


MODES = {"session": mode_session, "grab": mode_grab, "loss": mode_loss}

if __name__ == "__main__":
    result = MODES[sys.argv[1]]()
    sys.stdout.write(json.dumps(result) + "\n")
