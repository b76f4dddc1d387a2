"""Interaction in the main window: session, simulated hands, docks, authoring, undo.

``attach_interaction(window, scenario, variant)`` adds the Scenario, Parameters and Event
log docks, an Interaction and an Edit menu, and starts a Session for every scene the
window loads: the given scenario when it is about that model, otherwise one proposed from
the model (scenes.auto_scenario). The viewport's raw input goes to the desktop device
while "Simulated hands" is on; the viewport camera then follows the simulated head, and
while it is off the head follows the camera (orbit navigation), so switching never jumps.
Other devices (camera, video, headset) are chosen with app.window.device_switcher's Device menu
and toolbar, or ``open_window(..., device=SPEC)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox

from app.model.workspace import Workspace
from app.session.session import LockedInput, Session
from app.window.ar_mode import ArMode
from app.window.carry_assist import sync_carries
from app.window.device_switcher import DeviceSwitcher
from app.window.framing import follow_head, task_bounds
from app.window.headset_mirror import HeadsetMirror
from app.window.scene_preparation import Prepared, ScenePreparer
from app.window.session_sharing import SessionSharing
from app.window.trial_control import TrialControl
from app.window.voice_control import VoiceControl
from devices.base import Device
from devices.desktop import CONTROLS, DesktopDevice
from interaction.commands import SetRequires
from interaction.engine import GAZE_MIN_CONFIDENCE
from interaction.events import EventKind
from interaction.frame import Hand, InputFrame
from interaction.params import InteractionParams
from scenes.index import SceneIndex
from scenes.loader import suggest_unit
from scenes.model import Scene, SceneError
from scenes.part_layout import solid_parts
from scenes.scenario import Scenario
from scenes.scenario_document import inspection_point_from_hit
from views.authoring import PointPlacer, undo_actions
from views.event_log_dock import EventLogPanel
from views.feedback import FeedbackLabels
from views.help_overlay import HelpOverlay
from views.main_window import MainWindow
from views.overlays import OverlayBuilder
from views.params_dock import ParamsPanel
from views.scenario_dock import ScenarioPanel

translate = QCoreApplication.translate


def gaze_source(device: Device, frame: InputFrame | None) -> str:
    """What drives gaze now, for the status bar: the desktop cursor or head, or the device's
    eye tracking (none when it reports no confident gaze)."""
    if getattr(device, "driven_by_viewport", False):
        return (translate("Controller", "gaze: cursor (F: head)") if device.gaze_follows_cursor
                else translate("Controller", "gaze: head (F: cursor)"))
    if frame is None or frame.gaze.confidence < GAZE_MIN_CONFIDENCE:
        return translate("Controller", "gaze: none ({device})").format(device=device.name)
    return translate("Controller", "gaze: eyes ({device})").format(device=device.name)


class InteractionController(QObject):
    """Owns the session of the window's current scene and connects it and the docks to the
    window's Qt-free state, ``model`` (app.model.Workspace): the docks change the model, the
    model's events update the session and the docks."""

    #: a scene's session was built and started (the device chooser follows it)
    session_started = Signal(object)

    def __init__(
        self, window: MainWindow, scenario_path: Path | None = None, variant: str | None = None
    ) -> None:
        super().__init__(window)
        self.window = window
        #: the task, variant, parameters, device choice and trial, without Qt
        self.model = Workspace(variant)
        #: start each session's timer (tests turn it off and call ``session.tick`` themselves)
        self.autostart = True
        if scenario_path is not None:
            self.request_scenario(scenario_path)
        self.session: Session | None = None
        self.undo_action: QAction | None = None
        self.redo_action: QAction | None = None
        self.device: DesktopDevice | None = None
        self._overlays: OverlayBuilder | None = None
        self._index: SceneIndex | None = None
        #: the camera pose the last tick left, to notice when the view moved it (Frame all)
        self._camera_pose: np.ndarray | None = None

        self.scenario_panel = ScenarioPanel()
        self.params_panel = ParamsPanel()
        self.event_log = EventLogPanel()
        #: short-lived labels in the view saying what just happened (snapped, rejected, ...)
        self.feedback = FeedbackLabels(lambda part: self._overlays.part_name(part) if self._overlays else part)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        scenario_dock = window.add_dock(self.scenario_panel, "Scenario", right)
        params_dock = window.add_dock(self.params_panel, "Parameters", right)
        if window.settings.value("window/state") is None:  # first run: tabs, not a tall stack
            window.tabifyDockWidget(scenario_dock, params_dock)
            scenario_dock.raise_()
        log_dock = window.add_dock(
            self.event_log, "Event log", Qt.DockWidgetArea.BottomDockWidgetArea
        )
        if window.settings.value("window/state") is None:
            window.resizeDocks([log_dock], [160], Qt.Orientation.Vertical)
        self.help = HelpOverlay(window.viewport, CONTROLS)
        #: what drives gaze (status bar): the cursor, the head, or the device's eyes
        self.gaze_label = QLabel("")
        window.statusBar().addPermanentWidget(self.gaze_label)
        self.placer = PointPlacer(window.viewport, lambda: self._index, self)
        self._build_menus()
        #: the Trial menu: start / stop a recorded trial, questionnaires
        self.trials = TrialControl(self)
        #: the Device menu, toolbar chooser and camera dock
        self.devices = DeviceSwitcher(self)
        #: mirror, state label and haptics while the headset runs the session
        self.headset = HeadsetMirror(self)
        self.voice = VoiceControl(self)
        #: desktop AR: the model on the camera picture, the marker's placement
        self.ar = ArMode(self)
        #: Session ▸ Join…: the others of a shared session in the view
        self.sharing = SessionSharing(self)

        #: makes a loaded scene ready for a session (large ones on a thread)
        self.preparer = ScenePreparer(self.model.scenario_for, self)
        self.preparer.prepared.connect(self._finish_scene)
        window.sceneLoaded.connect(self.start_scene)
        self.scenario_panel.command_requested.connect(self._submit)
        self.scenario_panel.move_step_requested.connect(self._move_step)
        self.scenario_panel.placing_toggled.connect(self._set_placing)
        self.scenario_panel.remove_point_requested.connect(self._remove_point)
        self.params_panel.params_edited.connect(self._params_edited)
        self.params_panel.variant_chosen.connect(self.model.choose_variant)
        self.placer.picked.connect(self._place_point)
        self.model.params_changed.connect(self._params_changed)
        self.model.variant_changed.connect(self._variant_changed)
        self.model.document_changed.connect(self._scenario_edited)

    # -- menus ---------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        w = self.window
        menu = w.menuBar().addMenu(translate("Controller", "&Interaction"))
        #: the Interaction menu (voice control adds its submenu; found by this, not its title,
        #: which is translated)
        self.interaction_menu = menu
        self.simulate_action = QAction(translate("Controller", "&Simulated hands (mouse and keyboard)"), w,
                                       checkable=True)
        self.simulate_action.setChecked(True)
        self.simulate_action.setShortcut(QKeySequence("F2"))
        self.simulate_action.toggled.connect(self._set_simulating)
        self.help_action = QAction(translate("Controller", "Show &controls"), w, shortcut=QKeySequence("H"))
        self.help_action.triggered.connect(self.help.toggle)
        for action in (self.simulate_action, self.help_action):
            menu.addAction(action)
        # File: Save (into the scenario's own file) and Save As; scenarios open from File ▸ Open
        self.save_action = QAction(translate("Controller", "&Save scenario"), w, shortcut=QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)
        self.save_as_action = QAction(translate("Controller", "Save scenario &as…"), w, shortcut=QKeySequence.StandardKey.SaveAs)
        self.save_as_action.triggered.connect(self.save_scenario_dialog)
        for action in (self.save_action, self.save_as_action):
            w.file_menu.insertAction(w.file_menu_end, action)
        w.register_opener((".yaml", ".yml"), QT_TRANSLATE_NOOP("MainWindow", "Scenarios"), self.open_scenario)
        w.discard_guards.append(self.confirm_discard)
        self._edit_menu = w.menuBar().addMenu(translate("Controller", "&Edit"))

    # -- scene / session lifecycle -----------------------------------------------------------------
    def start_scene(self, scene: Scene) -> None:
        """Build the scenario, device and session for a newly loaded scene and start ticking:
        the model is on screen already; a large one is prepared on a thread (the window
        stays usable and says so) and the session starts when it is done."""
        if self.session is not None:
            self.session.stop()
            self.session = None
        if not self.preparer.start(scene):
            self.window.statusBar().showMessage(
                translate("Controller", "preparing {triangles} triangles for picking and collisions…").format(
                    triangles=f"{scene.triangle_count:,}")
            )
            # nothing of the previous model's task stays on show, or editable, meanwhile
            self.scenario_panel.set_scenario(Scenario(model=scene.source.resolve(), parts=[], scene=scene))
            self._set_editable(False)

    def _set_editable(self, on: bool) -> None:
        """The task's docks and Edit menu on or off (off while a model is being prepared:
        the previous document's Undo would edit a task no longer on show)."""
        for widget in (self.scenario_panel, self.params_panel, self._edit_menu):
            widget.setEnabled(on)
        if not on and self.undo_action is not None:  # a new task brings new actions
            self.undo_action.setEnabled(False)
            self.redo_action.setEnabled(False)

    def _finish_scene(self, requested: Scene, prepared: Prepared | Exception) -> None:
        if isinstance(prepared, Exception):
            self.window.show_error(translate("Controller", "{file}: cannot prepare it for interaction ({error})").format(
                file=requested.source, error=prepared))
            return
        self._set_editable(True)
        scene, scenario, index, notes = prepared
        for note in notes:
            self.window.show_error(note)
        if scene is not requested:
            self.window.viewport.set_scene(scene)
        self._index = index
        for note in self.model.open_task(scene, scenario):
            self.window.show_error(note)
        params = self.model.params
        viewport = self.window.viewport
        self.device = DesktopDevice()
        self.session = Session(scene, scenario, params, self.device, self._index, parent=self)
        # frame what the task shows (parts laid out on the tray too), then put the head there
        camera = viewport.camera
        camera.frame(self._task_bounds(), viewport.width() / max(viewport.height(), 1))
        self.device.reset(camera.camera_to_world(), reach=camera.distance * 0.75)
        self.device.set_projection(viewport.view_projection()[1])
        self.session.fallback_factory = lambda: DesktopDevice(reach=camera.distance * 0.75)
        self.session.stepped.connect(self._on_stepped)
        self.session.message.connect(lambda text: self.window.statusBar().showMessage(text, 8000))
        self.session.device_changed.connect(self._device_changed)
        self._new_undo_actions()
        self._refresh_scenario_views(params)
        self._set_simulating(self.simulate_action.isChecked())
        viewport.setFocus()  # keys drive the hands without a first click (which would pinch)
        self.event_log.clear()
        self.feedback.clear()
        hint = translate(
            "Controller", "Simulated hands: mouse moves the hand, right button grabs; H shows the controls, "
            "F2 switches to camera navigation"
        )
        if scene.notes:  # what the import left out (a STEP file's PMI, curves)
            hint = "; ".join(scene.notes)
        elif not solid_parts(scene):
            hint = translate("Controller", "{file} has no surfaces (points or lines only): view only").format(
                file=scene.source.name)
        elif suggest_unit(scene) == "mm":
            size = float(np.max(scene.bounds[1] - scene.bounds[0]))
            hint = translate(
                "Controller", "{file} is {size} m across: if it is in millimetres, choose "
                "View ▸ Model unit ▸ Millimetres (hands are drawn life-size)"
            ).format(file=scene.source.name, size=f"{size:.0f}")
        self.window.statusBar().showMessage(hint, 20000)
        if self.autostart:
            self.session.start()
        self.session_started.emit(self.session)

    def request_scenario(self, path: Path) -> None:
        """Use the scenario file at ``path`` whenever its model is loaded (errors: a dialog)."""
        try:
            self.model.request_scenario(path)
        except SceneError as err:
            self.window.show_error(str(err))

    def _task_bounds(self) -> np.ndarray | None:
        assert self._index is not None and self.session is not None
        return task_bounds(self.session.scene, self.session.scenario, self._index)

    def _new_undo_actions(self) -> None:
        self._edit_menu.clear()
        assert self.model.document is not None
        self.undo_action, self.redo_action = undo_actions(self.model.document.stack, self)
        self._edit_menu.addAction(self.undo_action)
        self._edit_menu.addAction(self.redo_action)

    def _refresh_scenario_views(self, params: InteractionParams) -> None:
        assert self.session is not None
        scenario, scene = self.session.scenario, self.session.scene
        targets = {pid: scenario.target_matrix(scene, pid) for pid in scenario.parts}
        self._overlays = OverlayBuilder(
            scene, targets, {s.id: s.parts for s in scenario.steps}, self.session.engine.index
        )
        self.scenario_panel.set_scenario(scenario)
        self.params_panel.set_variants(list(scenario.variants), self.model.variant)
        self.params_panel.set_params(params)

    # -- per tick ----------------------------------------------------------------------------------
    def _on_stepped(self, state, events) -> None:
        session, viewport = self.session, self.window.viewport
        if session is None or self._overlays is None:
            return
        device = session.device
        driven_by_viewport = getattr(device, "driven_by_viewport", False)
        if driven_by_viewport:
            camera = viewport.camera
            moved_by_view = self._camera_pose is not None and not np.allclose(
                camera.camera_to_world(), self._camera_pose
            )
            if self.simulate_action.isChecked() and not self.placer.enabled and not moved_by_view:
                follow_head(camera, device.head_matrix)
            else:  # camera navigation, or View > Frame all: the head goes where the camera is
                device.set_head(camera.camera_to_world())
            self._camera_pose = camera.camera_to_world()
            device.set_projection(viewport.view_projection()[1])
            if session.last_frame is not None:
                sync_carries(device, session.engine, session.last_frame, events)
        active = device.active if driven_by_viewport else (0, 1)
        previews = [session.engine.release_preview(h) for h in (Hand.LEFT, Hand.RIGHT)]
        self.feedback.add(events, state)
        render_state = self._overlays.build(
            state, session.last_frame, session.params, active, previews, viewport.view_projection()[0]
        )
        gaze = gaze_source(device, session.last_frame)
        if self.gaze_label.text() != gaze:
            self.gaze_label.setText(gaze)
        render_state.labels += self.feedback.labels(
            state.t, lambda part, point: self._overlays.label_position(state, part, point)
        )
        self.sharing.decorate(render_state, self._overlays.scene_radius * 0.05, state,
                              lambda part: self._overlays.label_position(state, part, None))
        self.ar.decorate(render_state)
        viewport.set_render_state(render_state)
        self.scenario_panel.update_state(state)
        if state.frame == 0:  # a fresh task (start, trial, restart): trial time starts here
            self.event_log.origin = state.t
        if events:
            self.event_log.append(events)
            for e in events:
                if e.kind != EventKind.POINT_MARKED:
                    continue
                accepted = e.data.get("accepted", True)
                self.scenario_panel.mark_result(e.point, accepted, e.data.get("note", ""))
                if not accepted:
                    self.window.statusBar().showMessage(
                        translate("Controller", "{point}: not marked ({reason})").format(
                            point=e.point, reason=translate("Feedback", str(e.data.get("reason")))), 6000
                    )

    def use_device(self, device: Device) -> bool:
        """Switch the running session to ``device``; if it cannot run here, say why (its
        ``why_not``) and keep the current one. Only the desktop device takes viewport input."""
        if self.session is None:
            return False
        if not device.available:
            text = translate("Controller", "{device} device unavailable: {why}").format(
                device=device.name, why=device.why_not)
            self.window.statusBar().showMessage(text, 15000)
            self.window.show_error(text)
            return False
        self.session.set_device(device)
        return True

    def _device_changed(self, name: str) -> None:
        device = self.session.device if self.session is not None else None
        self.device = device if getattr(device, "driven_by_viewport", False) else None
        self._set_simulating(self.simulate_action.isChecked())
        self.window.statusBar().showMessage(translate("Controller", "input device: {device}").format(device=name), 6000)

    def _set_simulating(self, on: bool) -> None:
        viewport = self.window.viewport
        if viewport.fly_mode:
            viewport.set_fly_mode(False)
        sink = LockedInput(self.device, self.session.lock) if self.device is not None and self.session else None
        viewport.set_input_sink(sink if on and not self.placer.enabled else None)

    # -- requests from the docks ----------------------------------------------------------------------
    def _submit(self, command) -> None:
        if self.session is not None:
            self.session.submit(command)

    def _move_step(self, index: int, new_index: int) -> None:
        if self.model.document is not None:
            self.model.document.move_step(index, new_index)
            item = self.scenario_panel.steps_tree.topLevelItem(new_index)
            self.scenario_panel.steps_tree.setCurrentItem(item)

    def _set_placing(self, on: bool) -> None:
        self.placer.enabled = on
        self._set_simulating(self.simulate_action.isChecked())

    def _place_point(self, hit) -> None:
        document = self.model.document
        if self.session is None or document is None:
            return
        point = inspection_point_from_hit(
            self.session.scene,
            hit,
            document.scenario.inspection_points,
            self.session.engine.state.part_poses,
        )
        document.add_inspection_point(point)

    def _remove_point(self, point_id: str) -> None:
        if self.model.document is not None:
            self.model.document.remove_inspection_point(point_id)

    def _params_edited(self, params: InteractionParams) -> None:
        """A Parameters dock edit: the model keeps it, undoably (app.model.Workspace)."""
        said = self.model.edit_params(params)
        if said:
            self.window.statusBar().showMessage(said, 10000)

    def _params_changed(self, params: InteractionParams) -> None:
        if self.session is not None:
            self.session.set_params(params)
        self.params_panel.set_params(params)

    def _variant_changed(self, name: str | None) -> None:
        scenario = self.model.scenario
        if scenario is not None:
            self.params_panel.set_variants(list(scenario.variants), name)

    def _scenario_edited(self, kind: str) -> None:
        """The scenario changed (an edit, undo or redo); its parameters already followed."""
        session = self.session
        if session is None:
            return
        if kind == "steps":
            # the running task takes the new precedence as commands (recorded, replayed):
            # placed parts and verdicts stay
            running = session.engine.state.steps
            for step in session.scenario.steps:
                if step.id in running and running[step.id].requires != step.requires:
                    session.submit(SetRequires(step.id, tuple(step.requires)))
        elif kind == "points":
            session.reload_scenario(session.scenario)
            self.window.statusBar().showMessage(
                translate("Controller", "inspection points changed: the task restarted"), 8000)
        self._refresh_scenario_views(session.params)

    # -- opening and saving ----------------------------------------------------------------------------
    def open_scenario(self, path: Path) -> bool:
        """File ▸ Open on a scenario: its model opens with it (after asking about unsaved
        edits); a bad file is one dialog line and the current task stays."""
        if not self.confirm_discard():
            return False
        try:
            self.model.request_scenario(path)
        except SceneError as err:
            self.window.show_error(str(err))
            return False
        if not self.window.open_file(self.model.requested.model):
            return False
        self.window.remember(Path(path))
        return True

    def confirm_discard(self) -> bool:
        """Unsaved scenario edits: Save, Discard or Cancel (False: stay)."""
        if not self.model.unsaved:
            return True
        answer = QMessageBox.question(
            self.window,
            translate("Controller", "Unsaved scenario"),
            translate("Controller", "The scenario has unsaved edits. Save them first?"),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def save(self) -> bool:
        """File ▸ Save: into the scenario's own YAML file (comments kept), else Save As."""
        if self.session is None or self.model.document is None:
            return False
        path = self.session.scenario.path
        if path is not None and path.suffix.lower() in (".yaml", ".yml"):
            return self.save_scenario(path)
        return self.save_scenario_dialog()

    def save_scenario_dialog(self) -> bool:
        """File ▸ Save scenario as…: ask where, then save (True when saved)."""
        if self.session is None or self.model.document is None:
            return False
        scenario = self.session.scenario
        default = (
            scenario.path if scenario.path and scenario.path.suffix in (".yaml", ".yml") else None
        )
        if default is None:
            default = scenario.model.with_suffix(".scenario.yaml")
        path, _ = QFileDialog.getSaveFileName(
            self.window, translate("Controller", "Save scenario"), str(default),
            translate("Controller", "Scenario (*.yaml *.yml)")
        )
        return bool(path) and self.save_scenario(Path(path))

    def save_scenario(self, path: Path) -> bool:
        assert self.model.document is not None
        try:
            self.model.document.save(path)
        except OSError as err:
            self.window.show_error(translate("Controller", "{file}: cannot write the scenario ({error})").format(
                file=path, error=err.strerror or err))
            return False
        self.window.statusBar().showMessage(translate("Controller", "scenario saved to {file}").format(file=path), 6000)
        return True


def attach_interaction(
    window: MainWindow, scenario: Path | None = None, variant: str | None = None
) -> InteractionController:
    """Add simulated-hands interaction to a main window (call before it opens a file)."""
    return InteractionController(window, scenario, variant)
