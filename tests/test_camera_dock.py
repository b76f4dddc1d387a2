"""The camera panel and the gaze calibration dialog (pytest-qt)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from devices.camera.tracker import MediaPipeTracker, TrackerSettings
from interaction.frame import GazeInput, InputFrame
from scenes.transforms import look_at, matrix_to_pose
from tests.conftest import HANDS
from views.camera_dock import CameraPanel, GazeCalibrationDialog, gaze_angles_in_head


def test_panel_shows_a_real_tracked_frame(qtbot):
    tracker = MediaPipeTracker(TrackerSettings(track_face=False), static=True)
    try:
        frame = tracker.process(cv2.imread(str(HANDS / "mp_gesture_thumbs_up.jpg")), 0.0).frame
    finally:
        tracker.close()
    panel = CameraPanel()
    qtbot.addWidget(panel)
    panel.show_source("camera 0")
    panel.show_frame(frame)
    assert panel.hand_labels[1].text() == "right: tracked"
    assert panel.hand_labels[0].text() == "left: -"
    assert panel.grab_bars[1].value() == round(100 * frame.right.grab) > 70  # a fist
    assert panel.pinch_bars[0].value() == 0
    assert panel.gaze_label.text() == "gaze: no face"


def test_gaze_angles_are_relative_to_the_head(qtbot):
    """Head turned 90 deg left; the gaze 10 deg right of the head's forward, 5 deg up."""
    head = look_at(np.zeros(3), np.array([-1.0, 0.0, 0.0]))
    yaw, pitch = math.radians(10), math.radians(5)
    local = np.array(
        [math.sin(yaw) * math.cos(pitch), math.sin(pitch), -math.cos(yaw) * math.cos(pitch)]
    )
    frame = InputFrame(
        t=0.0, head=matrix_to_pose(head), gaze=GazeInput(np.zeros(3), head[:3, :3] @ local, 1.0)
    )
    assert gaze_angles_in_head(frame) == pytest.approx((10.0, 5.0))
    panel = CameraPanel()
    qtbot.addWidget(panel)
    panel.show_frame(frame)
    assert "yaw +10.0°" in panel.gaze_label.text() and "pitch +5.0°" in panel.gaze_label.text()


def test_panel_error_and_calibrate_button(qtbot):
    panel = CameraPanel()
    qtbot.addWidget(panel)
    panel.show_error("camera 0: stopped delivering frames (unplugged or taken by another program)")
    assert "unplugged" in panel.status_label.text() and "color" in panel.status_label.styleSheet()
    with qtbot.waitSignal(panel.calibrate_requested, timeout=1000):
        qtbot.mouseClick(panel.calibrate_button, Qt.MouseButton.LeftButton)
    panel.show_rates(29.5, 41.0)
    assert panel.rate_label.text() == "29.5 frames/s, 41 ms camera to input"


def test_calibration_dialog_walks_the_targets_and_draws_them(qtbot):
    targets = [(-0.5, 0.5), (0.5, -0.5), (0.0, 0.0)]
    dialog = GazeCalibrationDialog(targets, dwell_ms=300)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    done = []
    dialog.target_done.connect(lambda i, x, y: done.append((i, x, y)))
    dialog.start()
    image = dialog.grab().toImage()
    p = dialog.target_pixel(0)
    assert image.pixelColor(int(p.x()), int(p.y())).red() > 200  # the dot is there
    corner = image.pixelColor(5, 5)
    assert corner.red() < 60  # and only there
    with qtbot.waitSignal(dialog.all_done, timeout=5000):
        pass
    assert done == [(0, -0.5, 0.5), (1, 0.5, -0.5), (2, 0.0, 0.0)]
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_escape_cancels_the_calibration(qtbot):
    """Esc mid-walk rejects the dialog (it closes, ``rejected`` fires) and stops the walk:
    the targets still to come are never done and ``all_done`` never comes, though without
    Esc the walk would end well within the wait (and accept)."""
    targets = [(-0.5, 0.5), (0.5, -0.5), (0.0, 0.0)]
    dialog = GazeCalibrationDialog(targets, dwell_ms=100)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    done, finished, outcome = [], [], []
    dialog.target_done.connect(lambda i, x, y: done.append(i))
    dialog.all_done.connect(lambda: finished.append(True))
    dialog.accepted.connect(lambda: outcome.append("accepted"))
    dialog.rejected.connect(lambda: outcome.append("rejected"))
    dialog.start()
    qtbot.waitUntil(lambda: len(done) >= 1, timeout=3000)  # mid-walk
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    cancelled_at = list(done)
    assert len(cancelled_at) < len(targets)
    assert outcome == ["rejected"] and not dialog.isVisible()
    qtbot.wait(500)  # the rest of the walk would take at most 200 ms
    assert done == cancelled_at and finished == [] and outcome == ["rejected"]
    assert dialog.result() == QDialog.DialogCode.Rejected
