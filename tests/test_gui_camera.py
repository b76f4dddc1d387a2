"""The camera device in the window, on REAL video through ``video:PATH``: the chooser, the
camera dock, tracked hands reaching the engine and the viewport, faults falling back to
the desktop device (once, while the session keeps ticking and recording), the gaze
calibration, and no camera frame on disk."""

from __future__ import annotations

import math
import os
import re

import cv2
import numpy as np
import pytest

from app.window.camera_feed import target_angles
from app.window.device_switcher import camera_head
from devices.camera.device import CameraDevice
from devices.desktop import DesktopDevice
from interaction.events import EventKind
from interaction.frame import Hand
from tests.conftest import FACES, HANDS, PINS, ticked_window
from tests.fake_capture import BusyCapture, UnpluggedCapture

pytestmark = pytest.mark.gl
VIDEO = HANDS / "asl_hand.25fps.mp4"  # one right hand signing, 620 x 1080 at 25 fps
UNPLUGGED = "camera 0: stopped delivering frames (unplugged or taken by another program)"


class Recorder:
    """Keeps what the session records (the session's FrameRecorder protocol)."""

    error = None

    def __init__(self):
        self.frames = []

    def write_frame(self, frame, events=(), commands=()):
        self.frames.append(frame)

    def write_params(self, params, rebuilt):
        pass

    def close(self):
        pass


@pytest.fixture
def gui(qtbot, tmp_path):
    window, controller = ticked_window(qtbot, tmp_path)
    errors = []
    show_error = window.show_error
    window.show_error = lambda text: (errors.append(text), show_error(text))
    yield window, controller, errors
    if controller.session is not None:
        controller.session.stop()  # ends the tracker thread


class Clock:
    """Ticks the session in (roughly) real time while waiting for something."""

    def __init__(self, qtbot, controller):
        self.qtbot, self.controller, self.t = qtbot, controller, 0.0

    def tick(self, n=1):
        for _ in range(n):
            self.t += 1 / 90
            self.controller.session.tick(self.t)

    def until(self, predicate, timeout=30000):
        def check():
            self.tick()
            assert predicate()

        self.qtbot.waitUntil(check, timeout=timeout)


def test_chooser_lists_devices_and_why_some_cannot_run(gui):
    _window, controller, _ = gui
    combo = controller.devices.combo
    specs = [combo.itemData(i) for i in range(combo.count())]
    assert specs[0] == "desktop" and specs[-1] == "openxr" and "video:" in specs
    assert combo.currentData() == "desktop"
    for i, spec in enumerate(specs):
        enabled = combo.model().item(i).isEnabled()
        tooltip = combo.itemData(i, 3)  # Qt.ToolTipRole
        choice = next((c for c in controller.devices.choices if c.spec == spec), None)
        if choice is not None and choice.why_not:
            assert not enabled and tooltip == choice.why_not
        else:
            assert enabled


def test_video_device_tracks_hands_into_engine_dock_and_viewport(gui, qtbot, monkeypatch):
    window, controller, errors = gui
    switcher = controller.devices
    monkeypatch.setattr(
        "app.window.device_switcher.QFileDialog.getOpenFileName", lambda *a, **k: (str(VIDEO), "")
    )
    switcher.combo.activated.emit(switcher.combo.findData("video:"))  # "Video file…"
    device = controller.session.device
    assert isinstance(device, CameraDevice) and device.source == VIDEO
    assert switcher.choose(f"video:{VIDEO}") and controller.session.device is device  # as is
    assert switcher.dock.isVisible() and switcher.combo.currentText() == "Video: asl_hand.25fps.mp4"
    assert controller.device is None  # no simulated hands: the mouse orbits the view

    clock = Clock(qtbot, controller)
    clock.until(lambda: controller.session.last_frame.hands[Hand.RIGHT].tracked)
    # the engine got it: the tracked hand's aim ray is cast, its 26 joints are drawn
    frame = controller.session.last_frame
    assert frame.hands[Hand.RIGHT].joints.shape == (26, 8)
    assert len(window.viewport.render_state.points) >= 26
    # camera hands sit in front of the viewport's eyes, within the desktop hands' reach
    head = window.viewport.camera.camera_to_world()
    ahead = -(np.linalg.inv(head) @ np.append(frame.hands[Hand.RIGHT].grip[:3], 1.0))[2]
    assert 0.3 * window.viewport.camera.distance < ahead < 1.5 * window.viewport.camera.distance

    panel = switcher.panel
    clock.until(lambda: panel.hand_labels[Hand.RIGHT].text() == "right: tracked")
    clock.until(lambda: re.fullmatch(r"\d+\.\d frames/s, \d+ ms camera to input", panel.rate_label.text()))
    assert panel.status_label.text() == "tracking asl_hand.25fps.mp4"
    image = panel.preview.grab().toImage()
    centre = panel.preview.image_rect().center()
    assert image.pixelColor(int(centre.x()), int(centre.y())).name() != "#141414"  # a frame
    fps, latency_ms = switcher.feed.rates()
    assert fps > 0 and latency_ms > 0
    assert errors == []

    # another model keeps the chosen device
    assert window.open_file(PINS, remember=False)
    assert isinstance(controller.session.device, CameraDevice)
    assert controller.session.device is not device and device._thread is None  # old one stopped


def test_a_camera_fist_grabs_a_part(gui, qtbot):
    """The signer's fist (frames ~100-120 of the video) grabs the part under it. The view
    is moved every tick so that the tracked hand, wherever the signer holds it, lands on
    the first available part, as a user would reach for it."""
    window, controller, _ = gui
    assert controller.devices.choose(f"video:{VIDEO}")
    session = controller.session
    part = next(step.parts[0] for step in session.engine.state.steps.values() if step.available)
    bounds = session.engine.index.part_world_bounds(part)
    centre = bounds.mean(axis=0)
    camera = window.viewport.camera
    clock = Clock(qtbot, controller)
    events = []

    def reach_for_the_part():
        clock.t += 1 / 90
        events.extend(session.tick(clock.t))
        frame = session.last_frame
        if frame.hands[Hand.RIGHT].tracked:
            # where the grip is from the head it was tracked with (the view only turns with
            # the mouse): move the view, and so the head, until that puts it on the part
            from_head = frame.hands[Hand.RIGHT].grip[:3] - frame.head[:3]
            head = session.device.settings.head[:3, 3]
            camera.target = camera.target + (centre - from_head) - head
        assert any(e.kind == EventKind.GRAB and e.part == part for e in events)

    qtbot.waitUntil(reach_for_the_part, timeout=30000)
    grab = next(e for e in events if e.kind == EventKind.GRAB)
    assert grab.hand == "right" and session.engine.state.held[Hand.RIGHT] == part


def test_camera_hands_follow_the_viewport_camera(gui, qtbot):
    window, controller, _ = gui
    assert controller.devices.choose(f"video:{VIDEO}")
    camera = window.viewport.camera
    camera.orbit(0.6, 0.2)
    Clock(qtbot, controller).tick()
    expected = camera_head(camera.camera_to_world(), camera.distance * 0.75)
    np.testing.assert_allclose(controller.session.device.settings.head, expected)


def test_switching_back_to_desktop_keeps_the_view(gui, qtbot):
    window, controller, errors = gui
    assert controller.devices.choose(f"video:{VIDEO}")
    clock = Clock(qtbot, controller)
    clock.tick(5)
    before = window.viewport.camera.camera_to_world()
    assert controller.devices.choose("desktop")
    clock.tick(5)
    assert isinstance(controller.session.device, DesktopDevice)
    assert controller.device is controller.session.device  # takes the mouse again
    np.testing.assert_allclose(window.viewport.camera.camera_to_world(), before, atol=1e-9)
    assert not controller.devices.panel.preview.image_rect().isValid()  # image gone
    assert not controller.devices.dock.isVisible()
    assert errors == []


def test_unreadable_video_falls_back_once_and_keeps_recording(gui, qtbot, tmp_path):
    window, controller, errors = gui
    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video\n")
    recorder = controller.session.recorder = Recorder()
    clock = Clock(qtbot, controller)
    clock.tick(3)
    assert controller.devices.choose(f"video:{fake}")  # the file exists: it is tried
    clock.tick(3)
    said = f"{fake}: not a readable video (or an unsupported codec); switched to the desktop device (simulated hands)"
    assert errors == [said]
    assert window.statusBar().currentMessage() == said
    assert isinstance(controller.session.device, DesktopDevice)
    assert controller.device is controller.session.device  # takes the mouse again
    assert controller.devices.combo.currentData() == "desktop"
    assert "not a readable video" in controller.devices.panel.status_label.text()
    clock.tick(30)
    assert errors == [said]  # once
    assert len(recorder.frames) == 36  # every tick recorded, before, during and after
    assert np.all(np.diff([f.t for f in recorder.frames]) > 0)


def test_camera_failing_mid_session_falls_back(gui, qtbot):
    window, controller, errors = gui
    assert controller.devices.choose(f"video:{VIDEO}")
    device = controller.session.device
    clock = Clock(qtbot, controller)
    clock.until(lambda: device.snapshot() is not None)
    device.error = UNPLUGGED  # what the capture thread sets when the camera goes away
    count = controller.session.frame_count
    clock.tick(5)
    assert isinstance(controller.session.device, DesktopDevice)
    assert controller.session.frame_count == count + 5
    assert errors == [f"{UNPLUGGED}; switched to the desktop device (simulated hands)"]
    assert device._thread is None  # the failed device was stopped
    assert not controller.devices.calibrate_action.isEnabled()


@pytest.mark.parametrize(
    ("capture", "said"),
    [
        (BusyCapture, "camera 0: no camera with this index, or it is in use by another program"),
        (UnpluggedCapture, UNPLUGGED),
    ],
)
def test_busy_or_unplugged_camera_falls_back(gui, qtbot, monkeypatch, capture, said):
    window, controller, errors = gui
    monkeypatch.setattr(CameraDevice, "why_not", property(lambda self: ""))  # camera 0 "exists"
    monkeypatch.setattr(cv2, "VideoCapture", capture)
    assert controller.devices.choose("camera:0")
    clock = Clock(qtbot, controller)
    clock.until(lambda: isinstance(controller.session.device, DesktopDevice), timeout=10000)
    assert errors == [f"{said}; switched to the desktop device (simulated hands)"]
    assert controller.devices.panel.status_label.text() == said
    count = controller.session.frame_count
    clock.tick(3)
    assert controller.session.frame_count == count + 3 and len(errors) == 1


class LostHeadset:
    """A device whose runtime goes away on the first poll, as a headset session can."""

    name = "openxr"
    available = True
    why_not = ""
    error = None

    def start(self):
        pass

    def stop(self):
        pass

    def poll(self, t):
        raise RuntimeError("the OpenXR session was lost")


def test_any_failing_device_is_reported_once(gui, qtbot):
    window, controller, errors = gui
    assert controller.use_device(LostHeadset())
    Clock(qtbot, controller).tick(10)
    said = "RuntimeError: the OpenXR session was lost; switched to the desktop device (simulated hands)"
    assert errors == [said] and window.statusBar().currentMessage() == said
    assert isinstance(controller.session.device, DesktopDevice)
    assert controller.devices.panel.status_label.text() == "camera off"  # not the camera's


def test_a_missing_video_is_refused_with_its_reason(gui):
    window, controller, errors = gui
    assert not controller.devices.choose("video:/no/such/clip.mp4")
    said = "camera device unavailable: /no/such/clip.mp4: no such file"
    assert errors == [said] and window.statusBar().currentMessage() == said
    assert isinstance(controller.session.device, DesktopDevice)
    assert controller.devices.combo.currentData() == "desktop"


def test_calibration_targets_are_the_viewport_rays():
    fov, aspect = math.radians(45.0), 1.5
    assert target_angles(0.0, 0.0, fov, aspect) == (0.0, 0.0)
    yaw, pitch = target_angles(1.0, 0.0, fov, aspect)
    assert yaw == pytest.approx(math.atan(math.tan(fov / 2) * aspect)) and pitch == 0.0
    yaw, pitch = target_angles(0.0, -1.0, fov, aspect)
    assert yaw == 0.0 and pitch == pytest.approx(-fov / 2)


def test_gaze_calibration_dialog_applies_a_calibration(gui, qtbot):
    """A real face photo stands in for the camera; the dialog walks its targets over the
    viewport and the fitted calibration reaches the running device."""
    window, controller, _ = gui
    assert controller.devices.choose(f"video:{FACES / 'portrait_tfjs.jpg'}")
    device = controller.session.device
    clock = Clock(qtbot, controller)
    clock.until(lambda: device.snapshot() is not None and device.snapshot().result.gaze is not None)
    feed = controller.devices.feed
    clock.until(lambda: feed.panel.rate_label.text().startswith("first frame: "))  # a photo
    feed.dwell_ms = 200
    controller.devices.calibrate_action.trigger()
    dialog = feed.dialog
    assert dialog is not None and dialog.geometry().size() == window.viewport.size()
    with qtbot.waitSignal(dialog.all_done, timeout=10000):
        pass
    assert device.calibration is not None and device.calibration.coefficients is not None
    assert window.statusBar().currentMessage().startswith("gaze calibrated: ")
    assert feed.dialog is None


def test_calibration_without_a_camera_says_how(gui):
    window, controller, _ = gui
    controller.devices.calibrate()
    assert controller.devices.feed.dialog is None
    assert "choose it in the Device menu" in window.statusBar().currentMessage()


def test_no_camera_frame_is_written_to_disk(gui, qtbot, tmp_path, monkeypatch):
    """A whole camera session in the window (tracking, preview, engine) writes no file in
    HOME or the working directory, and never calls OpenCV's image or video writers."""
    _window, controller, _ = gui
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)

    def forbidden(*args, **kwargs):
        raise AssertionError("a camera frame was about to be written")

    monkeypatch.setattr(cv2, "imwrite", forbidden)
    monkeypatch.setattr(cv2, "VideoWriter", forbidden)
    assert controller.devices.choose(f"video:{VIDEO}")
    panel = controller.devices.panel
    clock = Clock(qtbot, controller)
    clock.until(lambda: panel.hand_labels[Hand.RIGHT].text() == "right: tracked")
    panel.preview.grab()
    controller.devices.choose("desktop")
    assert list(home.rglob("*")) == [] and os.listdir(cwd) == []


def test_tracking_settings_apply_to_the_running_camera_and_persist(gui, qtbot):
    """The dock's field of view reaches the running tracker (a wider lens puts the same
    hand nearer the camera, so further from the eyes), survives a restart, and a pinch
    always ends below where it starts."""
    from app.window.camera_feed import CameraFeed
    from views.camera_dock import CameraPanel

    window, controller, _ = gui
    panel = controller.devices.panel
    assert panel.tracking_boxes["horizontal_fov_deg"].value() == 60.0
    assert controller.devices.choose(f"video:{VIDEO}")
    device = controller.session.device
    clock = Clock(qtbot, controller)

    def wrist_from_eyes(frames=8):
        seen, last = [], -1
        def more():
            nonlocal last
            clock.tick()
            result = device.latest()
            if result is not None and result.index != last and result.hands:
                last = result.index
                eyes = device.settings.head[:3, 3]
                seen.append(float(np.linalg.norm(result.hands[0].landmarks[0] - eyes)))
            assert len(seen) >= frames
        qtbot.waitUntil(more, timeout=30000)
        return float(np.median(seen))

    narrow = wrist_from_eyes()
    panel.tracking_boxes["horizontal_fov_deg"].setValue(120.0)
    assert device.settings.horizontal_fov_deg == 120.0
    wide = wrist_from_eyes()
    assert wide > narrow + 0.08
    panel.tracking_boxes["press"].setValue(0.5)
    assert device.settings.press == 0.5 and device.settings.release <= 0.45
    window.settings.sync()
    again = CameraPanel()
    qtbot.addWidget(again)
    CameraFeed(again, window.settings)
    assert again.tracking_boxes["horizontal_fov_deg"].value() == 120.0
    assert again.tracking_boxes["press"].value() == 0.5


@pytest.mark.slow
def test_a_video_keeps_driving_the_hand_in_the_engine_for_20_seconds(gui, qtbot):
    """The whole window on its own 90 Hz timer with the 13 s clip as the camera, for 21 s
    (so through a loop): the hand the engine steps with keeps moving with the video's hand
    in every stretch of it (it used to freeze once the clip started over)."""
    import time

    from PySide6.QtCore import QTimer

    _window, controller, errors = gui
    assert controller.devices.choose(f"video:{VIDEO}")
    session = controller.session
    session.start()
    samples = []
    start = time.monotonic()

    def sample():
        frame = session.last_frame
        if frame is not None:
            hand = frame.hands[Hand.RIGHT]
            samples.append((time.monotonic() - start, hand.tracked, hand.grip[:3].copy()))

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(100)
    qtbot.wait(21000)
    timer.stop()
    assert errors == [] and isinstance(session.device, CameraDevice)
    for t0 in range(3, 21, 3):  # every 3 s stretch, across the loop at 13 s
        grips = np.array([g for t, tracked, g in samples if t0 <= t < t0 + 3 and tracked])
        assert len(grips) >= 10, f"{t0}-{t0 + 3} s: {len(grips)} tracked samples"
        assert np.ptp(grips, axis=0).max() > 0.003, f"{t0}-{t0 + 3} s: the hand stood still"
