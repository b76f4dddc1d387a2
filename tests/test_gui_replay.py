"""Replay mode through real Qt events on a real AS1 autopilot trial: it plays, markers sit at
the recorded events and seek there, scrubbing back equals playing from the start, keys and
speed work, damaged and bad files are one message."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt

from app.cli import main
from app.window.replay_window import install_open_recording, open_recording, open_replay_window
from interaction.events import EventKind
from interaction.recording_reader import Recording
from interaction.recording_rerun import load_setup
from interaction.replay_sim import ReplaySimulator, SnapshotStore
from tests.test_replay_sim import signature
from views.main_window import MainWindow

pytestmark = pytest.mark.gl


@pytest.fixture
def replay(qtbot, tmp_path, as1_recording):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    mode = open_replay_window(as1_recording, settings=settings, autostart=False)
    qtbot.addWidget(mode.window)
    mode.window.resize(780, 560)
    qtbot.waitExposed(mode.window)
    mode.start(scan=False)
    mode.player.scan_all()
    return mode  # closing the window (qtbot) deletes player and timers with it


def bar_point(bar, t: float, lane: str) -> QPoint:
    return QPoint(round(bar.x_of(t)), round(bar.lane_y(lane)))


def expected_state(path: Path, stepped: int) -> tuple:
    with Recording(path) as rec:
        sim = ReplaySimulator(rec, load_setup(rec), SnapshotStore(10**9))
        sim.rewind(stepped)
        return signature(sim.engine)


def test_replay_opens_and_advances_drawing_the_hands(qtbot, replay):
    player, timeline = replay.player, replay.timeline
    start = replay.rec.start_t
    assert player.device.position == start and not player.playing
    qtbot.mouseClick(timeline.play_button, Qt.MouseButton.LeftButton)
    assert player.playing
    qtbot.waitUntil(lambda: player.device.position > start + 0.5, timeout=5000)
    assert "0.5" <= timeline.time_label.text().split("/")[0].strip()
    state = replay.window.viewport.render_state
    assert len(state.lines) > 0  # the aim ray and hand drawn from the recorded frame
    qtbot.mouseClick(timeline.play_button, Qt.MouseButton.LeftButton)
    assert not player.playing


def test_markers_for_recorded_events_seek_to_their_time(qtbot, replay):
    bar = replay.timeline.bar
    events = replay.rec.events
    lanes = {m.lane for m in bar.markers}
    assert lanes == {"grab", "snap", "error", "step", "mark"}
    snaps = [e for e in events if e.kind == EventKind.SNAP]
    assert sorted(m.t for m in bar.markers if m.lane == "snap") == sorted(e.t for e in snaps)
    target = snaps[len(snaps) // 2]
    bar.resize(1200, bar.height())  # markers well apart
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar_point(bar, target.t, "snap"))
    player = replay.player
    assert player.device.position == pytest.approx(target.t)
    # the engine state shown is the one right after the snap's frame: the part sits snapped
    assert target.part in player.sim.engine.state.snapped


def test_event_list_click_seeks(qtbot, replay):
    timeline = replay.timeline
    item = timeline.events.topLevelItem(40)
    rect = timeline.events.visualItemRect(item)
    timeline.events.scrollToItem(item)
    rect = timeline.events.visualItemRect(item)
    qtbot.mouseClick(timeline.events.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert replay.player.device.position == pytest.approx(replay.rec.events[40].t)
    current = timeline.events.currentItem()  # the list follows the playhead
    assert current.data(0, Qt.ItemDataRole.UserRole) == pytest.approx(replay.rec.events[40].t)
    # each event shows its details (a snap its errors), the exact data on hover
    i, snap = next((i, e) for i, e in enumerate(replay.rec.events) if e.kind == EventKind.SNAP)
    row = timeline.events.topLevelItem(i)
    assert row.text(1) == "snap"
    assert f"position_error_mm: {snap.data['position_error_mm']:.2f}".rstrip("0").rstrip(".") in row.text(3)
    assert '"angle_error_deg"' in row.toolTip(3)


def test_scrub_back_equals_playing_from_the_start(qtbot, replay, as1_recording):
    bar, player = replay.timeline.bar, replay.player
    late = bar_point(bar, replay.rec.start_t + 35.0, "mark")
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=late)
    assert player.sim.stepped > 1000
    early = QPoint(round(bar.x_of(replay.rec.start_t + 12.3)), bar.height() - 2)
    qtbot.mousePress(bar, Qt.MouseButton.LeftButton, pos=late)
    qtbot.mouseMove(bar, early)
    qtbot.mouseRelease(bar, Qt.MouseButton.LeftButton, pos=early)
    qtbot.waitUntil(lambda: player.sim.stepped < 1000, timeout=3000)
    stepped = player.sim.stepped
    assert replay.rec.frame_at(stepped - 1).t == pytest.approx(bar.t_of(early.x()), abs=0.05)
    assert signature(player.sim.engine) == expected_state(as1_recording, stepped)


def test_keys_step_play_and_change_speed(qtbot, replay):
    window, player = replay.window, replay.player
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts go to the active window
    player.seek(replay.rec.start_t + 10.0)
    index = player.device.index
    qtbot.keyClick(window.viewport, Qt.Key.Key_Right)
    assert player.device.index == index + 1 and player.sim.stepped == index + 2
    qtbot.keyClick(window.viewport, Qt.Key.Key_Left)
    qtbot.keyClick(window.viewport, Qt.Key.Key_Left)
    assert player.device.index == index - 1
    qtbot.keyClick(window.viewport, Qt.Key.Key_BracketRight)
    qtbot.keyClick(window.viewport, Qt.Key.Key_BracketRight)
    assert player.device.speed == 4.0 and replay.timeline.speed_box.currentText() == "4×"
    for _ in range(8):
        qtbot.keyClick(window.viewport, Qt.Key.Key_BracketLeft)
    assert player.device.speed == 0.25
    replay.timeline.speed_box.setCurrentIndex(6)
    replay.timeline.speed_box.activated.emit(6)
    assert player.device.speed == 16.0
    qtbot.keyClick(window.viewport, Qt.Key.Key_Space)
    assert player.playing
    qtbot.waitUntil(lambda: not player.playing, timeout=5000)  # 30 s left at 16x: stops at the end
    assert player.device.at_end and player.sim.engine.state.task_complete


def test_truncated_recording_replays_its_prefix_with_the_warning(qtbot, tmp_path, as1_recording):
    with Recording(as1_recording) as rec:
        full = rec.frame_count
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(as1_recording.read_bytes()[: as1_recording.stat().st_size // 2])
    mode = open_replay_window(cut, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                              autostart=False)
    qtbot.addWidget(mode.window)
    mode.start(scan=False)
    assert mode.rec.warning and mode.rec.warning in mode.timeline.warning_label.text()
    mode.player.seek(mode.rec.end_t)
    assert mode.player.device.at_end and 0 < mode.player.sim.stepped < full


def test_bad_files_are_one_line_or_one_dialog(qtbot, tmp_path, capsys):
    garbage = tmp_path / "garbage.mcap"
    garbage.write_bytes(b"not an mcap file at all")
    assert main(["replay", str(garbage)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "garbage.mcap" in err and "Traceback" not in err
    window = MainWindow(settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    action = install_open_recording(window)
    assert action in window.file_menu.actions()
    assert open_recording(window, garbage) is None
    assert window.error_box is not None and "garbage.mcap" in window.error_box.text()


def test_a_seek_beyond_the_scan_runs_in_slices_and_arrives(qtbot, tmp_path, as1_recording):
    mode = open_replay_window(as1_recording, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                              autostart=False)
    qtbot.addWidget(mode.window)
    mode.start(scan=False)  # nothing scanned: every snapshot is still to be made
    player, progress = mode.player, []
    player.catching_up.connect(progress.append)
    bar = mode.timeline.bar
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=QPoint(round(bar.x_of(mode.rec.start_t + 38.0)), 2))
    assert player.seeking  # the click returned at once
    qtbot.waitUntil(lambda: not player.seeking, timeout=10000)
    assert progress[-1] == 1.0 and len(progress) > 2
    assert signature(player.sim.engine) == expected_state(as1_recording, player.sim.stepped)
    assert mode.rec.frame_at(player.sim.stepped - 1).t <= mode.rec.start_t + 38.0


def test_open_recording_from_the_window_opens_a_replay_window(qtbot, tmp_path, as1_recording):
    from app.window import replay_window

    window = MainWindow(settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    mode = open_recording(window, as1_recording)
    assert mode is not None and mode.window.isVisible() and mode in replay_window._OPEN
    assert "participant autopilot, variant novice" in mode.window.statusBar().currentMessage()
    mode.window.close()  # deleted on close: the registry lets it go
    qtbot.waitUntil(lambda: mode not in replay_window._OPEN, timeout=3000)
