"""Replay mode: the desktop window showing a recording (``xrjig replay REC``, File ▸ Open
recording…).

The recording's scenario is loaded as it is on disk now (``load_setup``; differences since
the trial are shown as a warning) and its frames are re-simulated through the engine
(app.session.replay_player), so the viewport draws parts, hands, rays and gaze from the same
OverlayBuilder a live session uses. The timeline lists the RECORDED events: they are known
for the whole file at once (markers before anything is simulated) and they are what the
trial produced, whatever the current engine would say.

The replay window keeps its dock layout under its own QSettings name, so replaying does not
rearrange the authoring window.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDoubleSpinBox, QFileDialog, QLineEdit, QPushButton

from app.display.application import APPLICATION, ORGANIZATION, DisplayUnavailable
from app.session.replay_player import ReplayPlayer
from app.window.framing import follow_head, task_bounds
from interaction.frame import Hand
from interaction.recording_reader import Recording
from interaction.recording_rerun import RecordedSetup, load_setup
from scenes.model import SceneError
from scenes.transforms import pose_to_matrix
from views.feedback import FeedbackLabels
from views.main_window import MainWindow
from views.others import RecordedOthers, add_measurements, add_others
from views.overlays import OverlayBuilder
from views.scenario_dock import ScenarioPanel
from views.timeline_dock import TimelinePanel

log = logging.getLogger(__name__)
translate = QCoreApplication.translate

REPLAY_SETTINGS = "xrjig-replay"
#: replay windows opened from another window, kept alive until they are closed
_OPEN: set[ReplayMode] = set()


class ReplayMode(QObject):
    """Wires one recording's player to a window's viewport, scenario dock and timeline."""

    def __init__(self, window: MainWindow, rec: Recording, setup: RecordedSetup, speed: float = 1.0) -> None:
        super().__init__(window)
        self.window, self.rec, self.setup = window, rec, setup
        scene, scenario = setup.scene, setup.scenario
        window.show_scene(scene)
        window.setWindowTitle(translate("Replay", "{file} — replay — xrjig").format(file=rec.path.name))
        targets = {pid: scenario.target_matrix(scene, pid) for pid in scenario.parts}
        self.overlays = OverlayBuilder(scene, targets, {s.id: s.parts for s in scenario.steps}, setup.index)
        #: the labels the participant saw (snapped, rejected, ...), at the recorded times
        self.feedback = FeedbackLabels(self.overlays.part_name)
        self.scenario_panel = ScenarioPanel()
        self.scenario_panel.set_scenario(scenario)
        for kind in (QPushButton, QDoubleSpinBox, QLineEdit):  # a replay cannot change the trial
            for widget in self.scenario_panel.findChildren(kind):
                widget.setEnabled(False)
        window.add_dock(self.scenario_panel, "Scenario", Qt.DockWidgetArea.RightDockWidgetArea)
        self.timeline = TimelinePanel()
        window.add_dock(self.timeline, "Timeline", Qt.DockWidgetArea.BottomDockWidgetArea)
        self.timeline.install_shortcuts(window)
        self.player = ReplayPlayer(rec, setup, speed, parent=self)
        #: a shared session's other participants, drawn as the live view drew them
        self.others = RecordedOthers(rec.others(RecordedOthers.FIELDS))
        self._connect()
        self.timeline.set_recording(rec.start_t, rec.end_t, rec.events)
        self.timeline.set_speed(self.player.device.speed)
        warnings = [w for w in (rec.warning, *setup.notes) if w]
        self.timeline.set_warning("⚠ " + "; ".join(warnings) if warnings else "")
        window.statusBar().showMessage(translate("Replay", "replay of {file}: {trial}").format(
            file=rec.path.name, trial=describe_trial(rec)), 20000)
        viewport = window.viewport
        viewport.camera.frame(task_bounds(scene, scenario, setup.index), viewport.width() / max(viewport.height(), 1))
        self.follow_action = QAction(translate("Replay", "Follow the participant's &head"), window, checkable=True)
        self.follow_action.setToolTip(translate("Replay", "The camera looks from the recorded head pose"))
        window.menuBar().addMenu(translate("Replay", "&Replay")).addAction(self.follow_action)

    def _connect(self) -> None:
        t, p = self.timeline, self.player
        t.play_requested.connect(p.set_playing)
        t.seek_requested.connect(p.seek)
        t.step_requested.connect(p.step_frames)
        t.speed_requested.connect(p.set_speed)
        p.stepped.connect(self._on_stepped)
        p.position_changed.connect(t.set_position)
        p.playing_changed.connect(t.set_playing)
        p.speed_changed.connect(t.set_speed)
        p.ready_changed.connect(t.bar.set_ready)
        p.message.connect(self._on_message)
        p.catching_up.connect(self._on_catching_up)

    def _on_stepped(self, state, frame, events) -> None:
        params = self.player.sim.engine.params
        viewport = self.window.viewport
        if frame is not None and self.follow_action.isChecked():
            follow_head(viewport.camera, pose_to_matrix(frame.head))
        engine = self.player.sim.engine
        previews = [engine.release_preview(h) for h in (Hand.LEFT, Hand.RIGHT)]
        render_state = self.overlays.build(state, frame, params, (0, 1), previews, viewport.view_projection()[0])
        self.feedback.add(events, state)
        render_state.labels += self.feedback.labels(
            state.t, lambda part, point: self.overlays.label_position(state, part, point)
        )
        add_others(render_state, self.others.at(state.t), self.overlays.scene_radius * 0.05)
        add_measurements(render_state, state.others_measurements, self.overlays.scene_radius * 0.05)
        viewport.set_render_state(render_state)
        self.scenario_panel.update_state(state)

    def _on_catching_up(self, fraction: float) -> None:
        status = self.window.statusBar()
        if fraction >= 1.0:
            status.clearMessage()
        else:
            status.showMessage(translate("Replay", "re-running the trial up to the chosen time: {percent}").format(
                percent=f"{fraction:.0%}"))

    def _on_message(self, text: str) -> None:
        self.timeline.set_warning(f"⚠ {text}")
        self.window.show_error(text)

    def start(self, scan: bool = True) -> None:
        self.player.start(scan)


def describe_trial(rec: Recording) -> str:
    """``participant P07, variant expert, device openxr`` from the session metadata."""
    session = rec.session
    return translate("Replay", "participant {participant}, variant {variant}, device {device}").format(
        participant=session.get("participant", "?"), variant=session.get("variant") or translate("Replay", "default"),
        device=session.get("device", "?"))


def load_recording(path: str | Path) -> tuple[Recording, RecordedSetup]:
    """Open a recording and its setup; SceneError (one line naming the file) if either fails."""
    rec = Recording(path)
    try:
        if rec.frame_count == 0:
            raise SceneError(rec.path, "the recording holds no frames")
        return rec, load_setup(rec)
    except SceneError:
        rec.close()
        raise


def open_replay_window(path: str | Path, speed: float = 1.0, settings: QSettings | None = None,
                       autostart: bool = True) -> ReplayMode:
    """A shown replay window on ``path`` (SceneError before any window if it cannot be replayed)."""
    rec, setup = load_recording(path)
    return show_replay(rec, setup, speed, settings, autostart)


def show_replay(rec: Recording, setup: RecordedSetup, speed: float = 1.0, settings: QSettings | None = None,
                autostart: bool = True) -> ReplayMode:
    """A shown replay window on a loaded recording (closed with the window)."""
    if settings is None:  # its own layout; View ▸ Language is the app's
        window = MainWindow(QSettings(ORGANIZATION, REPLAY_SETTINGS),
                            language_settings=QSettings(ORGANIZATION, APPLICATION))
    else:
        window = MainWindow(settings)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    mode = ReplayMode(window, rec, setup, speed)
    _OPEN.add(mode)
    window.destroyed.connect(lambda: _closed(mode))
    window.show()
    if autostart:
        mode.start()
    return mode


def _closed(mode: ReplayMode) -> None:
    _OPEN.discard(mode)
    mode.rec.close()


def install_open_recording(window: MainWindow) -> QAction:
    """File ▸ Open recording…: each recording opens in its own replay window."""
    action = QAction(translate("Replay", "Open &recording…"), window)
    action.triggered.connect(lambda: _open_recording_dialog(window))
    window.file_menu.insertAction(window.file_menu_end, action)
    window.register_opener((".mcap",), QT_TRANSLATE_NOOP("MainWindow", "Recordings"),
                           lambda path: open_recording(window, path))
    return action


def _open_recording_dialog(window: MainWindow) -> None:
    path, _ = QFileDialog.getOpenFileName(window, translate("Replay", "Open recording"), "",
                                          translate("Replay", "xrjig recordings (*.mcap)"))
    if path:
        open_recording(window, Path(path))


def open_recording(window: MainWindow, path: Path) -> ReplayMode | None:
    """Open ``path`` in a replay window; a bad file is one dialog on ``window``."""
    try:
        return open_replay_window(path)
    except SceneError as err:
        window.show_error(str(err))
        return None


def run_replay(path: str | Path, speed: float = 1.0) -> int:
    """``xrjig replay REC [--speed S]``: the event loop on a playing replay window. A file that
    cannot be replayed raises SceneError, no display DisplayUnavailable (one line each);
    a damaged one plays its valid prefix, with the warning in the window and on stderr."""
    from app.display.application import create_application

    rec, setup = load_recording(path)  # a bad file fails before a display is needed
    try:
        app = create_application()
    except DisplayUnavailable:
        rec.close()
        raise
    mode = show_replay(rec, setup, speed)
    if mode.rec.warning:
        log.warning("warning: %s", mode.rec.warning)
    mode.player.set_playing(True)
    return app.exec()
