"""Runs the window in headset mode against a live Monado (inside the chroot) and prints
one JSON document. Called by tests/test_openxr_render.py through scripts/monado/exec.sh;
not a test module.

``xrjig --device openxr`` on the sample scenario, the Qt event loop running for real:
the session ticks from its timer, each tick one headset frame. After ``FRAMES`` headset
frames (or a timeout) it reports what the facilitator's window shows (device, state label,
status line, whether the viewport camera sits at the participant's head) and how many
frames were drawn into the headset.

With ``loss`` as argument, it prints ``RUNNING`` once headset frames flow and carries on
while the test kills monado-service; it then reports the fallback the window shows
(desktop device, the status line, frames recorded after the loss).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

FRAMES = 40
TIMEOUT = 30.0


def loss() -> int:
    from app.display.application import create_application
    from app.window.launch import open_window
    from devices.desktop import DesktopDevice
    from devices.openxr.headset import HeadsetDevice

    app = create_application(samples=0)
    window, controller = open_window(None, device="openxr")
    messages: list[str] = []
    controller.session.message.connect(messages.append)
    running = False
    deadline = time.monotonic() + TIMEOUT
    fell_back_at = None
    while time.monotonic() < deadline:
        app.processEvents()
        session = controller.session
        device = session.device
        if not running and isinstance(device, HeadsetDevice) and device.frames_submitted >= 10:
            running = True
            sys.stdout.write("RUNNING\n")
            sys.stdout.flush()
        if running and fell_back_at is None and isinstance(device, DesktopDevice):
            fell_back_at = session.frame_count
        if fell_back_at is not None and session.frame_count >= fell_back_at + 10:
            break
        time.sleep(0.001)
    session = controller.session
    out = {
        "device": type(session.device).__name__,
        "messages": messages,
        "status": window.statusBar().currentMessage(),
        "label_visible": controller.headset.label.isVisible(),
        "frames_after_loss": session.frame_count - (fell_back_at or session.frame_count),
    }
    session.stop()
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


def main() -> int:
    from app.display.application import create_application
    from app.window.launch import open_window
    from devices.openxr.headset import HeadsetDevice
    from scenes.transforms import pose_to_matrix

    app = create_application(samples=0)
    window, controller = open_window(None, device="openxr")
    deadline = time.monotonic() + TIMEOUT
    seen_states = set()
    while time.monotonic() < deadline:
        app.processEvents()
        device = controller.session.device
        if not isinstance(device, HeadsetDevice):
            break
        seen_states.add(device.state_name)
        if device.frames_submitted >= FRAMES:
            break
        time.sleep(0.001)
    session = controller.session
    device = session.device
    head = pose_to_matrix(session.last_frame.head)
    camera = window.viewport.camera
    out = {
        "device": type(device).__name__,
        "frames_submitted": getattr(device, "frames_submitted", 0),
        "session_frames": session.frame_count,
        "states": sorted(seen_states),
        "label": controller.headset.label.text(),
        "label_visible": controller.headset.label.isVisible(),
        "status": window.statusBar().currentMessage(),
        "camera_at_head": bool(np.allclose(camera.eye(), head[:3, 3], atol=1e-6)),
        "head": session.last_frame.head.tolist(),
        "lift": controller.headset.scene_lift(),
    }
    session.stop()
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(loss() if sys.argv[1:] == ["loss"] else main())
