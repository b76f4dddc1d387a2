"""Trials from the GUI with real clicks: Trial ▸ Start trial… records a file that Recording
reads with participant and variant, questionnaires are scored and stored in it, and a folder
that cannot be written is one message while the session goes on."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from app.cli import main
from app.window.trial_control import default_folder, recording_name
from interaction.recording_reader import Recording
from scenes.samples import SAMPLE_SCENARIO
from tests.test_gui_interaction import gui  # noqa: F401 - the window fixture

pytestmark = pytest.mark.gl
RATE = 1 / 90


@pytest.fixture
def trial_gui(request):
    """The AS1 window of the interaction tests, running the bundled sample scenario."""
    window, controller = request.getfixturevalue("gui")
    controller.request_scenario(SAMPLE_SCENARIO)
    assert window.open_file(controller.model.requested.model, remember=False)
    return window, controller


def start_trial(qtbot, controller, participant: str, variant: str, folder) -> None:
    controller.trials.start_action.trigger()
    dialog = controller.trials.dialog
    assert dialog is not None and dialog.isVisible()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.participant_edit.clear()  # a later trial's dialog offers the last participant
    assert not ok.isEnabled()  # no participant yet
    qtbot.keyClicks(dialog.participant_edit, participant)
    dialog.variant_box.setCurrentIndex(dialog.variant_box.findData(variant))
    dialog.folder_edit.setText(str(folder))
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def tick(session, n: int, t0: float = 0.0) -> float:
    t = t0
    for _ in range(n):
        t += RATE
        session.tick(t)
    return t


def ticks_on(session, n: int, t0: float) -> float:
    """Tick ``n`` times: the engine must step once per tick, at the tick's time."""
    frame = session.engine.state.frame
    t = tick(session, n, t0)
    assert session.engine.state.frame == frame + n and session.last_frame.t == pytest.approx(t)
    return t


def _hand_depth(device) -> float:
    """How far in front of the head the right (active) hand is."""
    hand = np.append(device.hand_matrix(1)[:3, 3], 1.0)
    return float(-(np.linalg.inv(device.head_matrix) @ hand)[2])


def assert_session_goes_on(qtbot, window, controller, folder, t0: float) -> None:
    """After the one message: the user closes it, the task runs on, a key held in the
    viewport still moves the simulated hand, and a new trial records."""
    box = window.error_box
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert not box.isVisible()
    session = controller.session
    depth = _hand_depth(session.device)
    qtbot.keyPress(window.viewport, Qt.Key.Key_E)  # E: the hand moves away, e^(1/s)
    t = ticks_on(session, 9, t0)
    qtbot.keyRelease(window.viewport, Qt.Key.Key_E)
    assert _hand_depth(session.device) > 1.05 * depth
    start_trial(qtbot, controller, "P11", "novice", folder)
    assert controller.trials.recording and session.recorder is controller.trials.trial
    ticks_on(session, 4, t + 1.0)
    controller.trials.stop_action.trigger()
    skip = controller.trials.questionnaires.buttons.button(QDialogButtonBox.StandardButton.Discard)
    qtbot.mouseClick(skip, Qt.MouseButton.LeftButton)
    [path] = list(folder.glob("P11_novice_*.mcap"))
    with Recording(path) as rec:
        assert rec.warning is None and rec.frame_count == 4


def test_trial_records_and_stores_scored_questionnaires(qtbot, trial_gui, tmp_path, capsys):
    window, controller = trial_gui
    assert default_folder().name == "recordings"
    session = controller.session
    tick(session, 5)
    start_trial(qtbot, controller, "P07", "expert", tmp_path / "trials")
    trials = controller.trials
    assert trials.recording and session.recorder is trials.trial
    assert controller.model.variant == "expert" and session.engine.state.frame == -1  # a fresh task
    tick(session, 90)
    trials._watch()
    assert trials.rec_label.text().startswith("● REC 00:0")
    trials.stop_action.trigger()
    assert session.recorder is None and trials.rec_label.text() == ""
    q = trials.questionnaires
    assert q is not None and q.isVisible()
    for name, value in zip(q.tlx_sliders, (70, 20, 55, 30, 65, 10), strict=True):
        q.tlx_sliders[name].setValue(value)
    save = q.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()  # SUS unanswered
    q.tabs.setCurrentIndex(1)
    for i, (group, answer) in enumerate(zip(q.sus_groups, (4, 2, 5, 1, 4, 2, 5, 1, 4, 2), strict=True)):
        # QTest makes two quick clicks at the same local position a double click
        qtbot.mouseClick(group.button(answer), Qt.MouseButton.LeftButton, pos=QPoint(6 + i % 2 * 3, 8))
    assert save.isEnabled()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not trials.recording and trials.start_action.isEnabled()
    ticks_on(session, 3, 2.0)  # the session goes on after the trial, unrecorded
    assert session.recorder is None

    [path] = list((tmp_path / "trials").glob("P07_expert_*.mcap"))
    with Recording(path) as rec:
        assert rec.warning is None and rec.frame_count == 90
        assert rec.session["participant"] == "P07" and rec.session["variant"] == "expert"
        assert rec.session["device"] == "desktop"
        assert rec.end["completed"] is False
        q_stored = rec.questionnaires
    assert q_stored["nasa_tlx"]["score"] == pytest.approx((70 + 20 + 55 + 30 + 65 + 10) / 6)
    assert q_stored["nasa_tlx"]["mental"] == 70.0
    # SUS by hand: odd items 3+4+3+4+3, even items 3+4+3+4+3 -> 34 x 2.5
    assert q_stored["sus"] == {"answers": [4, 2, 5, 1, 4, 2, 5, 1, 4, 2], "score": 85.0}
    # what the report reads, and the file replays identically through the current engine
    assert main(["replay", str(path), "--verify"]) == 0
    assert "identical (90 frames" in capsys.readouterr().out


def test_skipping_questionnaires_keeps_the_recording(qtbot, trial_gui, tmp_path):
    _, controller = trial_gui
    start_trial(qtbot, controller, "P08", "novice", tmp_path)
    tick(controller.session, 10)
    controller.trials.stop_action.trigger()
    skip = controller.trials.questionnaires.buttons.button(QDialogButtonBox.StandardButton.Discard)
    qtbot.mouseClick(skip, Qt.MouseButton.LeftButton)
    [path] = list(tmp_path.glob("P08_novice_*.mcap"))
    with Recording(path) as rec:
        assert rec.frame_count == 10 and rec.questionnaires == {}


def test_unwritable_folder_is_one_message_and_the_session_goes_on(qtbot, trial_gui, tmp_path):
    window, controller = trial_gui
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    start_trial(qtbot, controller, "P09", "novice", blocker / "trials")
    assert not controller.trials.recording
    assert window.error_box is not None and "cannot create the recording folder" in window.error_box.text()
    assert controller.session.recorder is None
    assert_session_goes_on(qtbot, window, controller, tmp_path / "writable", 0.0)


def test_recording_that_fails_midway_stops_with_one_message(qtbot, trial_gui, tmp_path):
    window, controller = trial_gui
    start_trial(qtbot, controller, "P10", "novice", tmp_path)
    session, trials = controller.session, controller.trials
    tick(session, 10)
    trials.trial.recorder._fail(OSError(28, "No space left on device"))  # the disk fills up
    tick(session, 1, 1.0)
    trials._watch()
    assert not trials.recording and session.recorder is None
    assert "No space left on device" in window.error_box.text()
    assert_session_goes_on(qtbot, window, controller, tmp_path / "writable", 2.0)


def test_recording_names_are_safe():
    from datetime import datetime

    assert recording_name("P 07/x", None, datetime(2026, 1, 2, 3, 4, 5)) == "P-07-x_default_20260102-030405.mcap"


def test_a_device_switch_and_a_fallback_mid_trial_are_in_the_recording(qtbot, trial_gui, tmp_path):
    """The trial starts on the desktop device, switches to a camera (a real video), the
    camera fails and the session falls back: the recording says which device gave which
    frames and why the camera stopped, and the trial's metrics list the devices."""
    from devices.desktop import DesktopDevice
    from interaction.metrics import trial_metrics
    from tests.conftest import HANDS

    window, controller = trial_gui
    start_trial(qtbot, controller, "P09", "novice", tmp_path)
    session = controller.session
    t = tick(session, 10)
    assert controller.devices.choose(f"video:{HANDS / 'asl_hand.25fps.mp4'}")
    camera = session.device

    def camera_tracking():
        nonlocal t
        t = tick(session, 1, t)
        assert camera.snapshot() is not None

    qtbot.waitUntil(camera_tracking, timeout=30000)
    t = tick(session, 5, t)
    camera.error = "camera 0: stopped delivering frames (unplugged or taken by another program)"
    t = tick(session, 5, t)
    assert isinstance(session.device, DesktopDevice)
    frames = session.frame_count
    window.error_box.accept()  # the fallback's one dialog
    controller.trials.stop_action.trigger()
    skip = controller.trials.questionnaires.buttons.button(QDialogButtonBox.StandardButton.Discard)
    qtbot.mouseClick(skip, Qt.MouseButton.LeftButton)
    [path] = list(tmp_path.glob("P09_novice_*.mcap"))
    with Recording(path) as rec:
        assert rec.session["device"] == "desktop" and rec.frame_count == frames
        to_camera, back = rec.device_changes
        assert (to_camera["device"], to_camera["from_frame"], to_camera["reason"]) == ("camera", 10, "")
        assert back["device"] == "desktop" and "stopped delivering frames" in back["reason"]
        assert to_camera["from_frame"] < back["from_frame"] < frames
        m = trial_metrics(rec)
    assert m.row()["device_switches"] == 2
    assert m.devices.startswith("desktop → camera at 0.1 s → desktop at ")
