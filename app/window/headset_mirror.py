"""The desktop side of headset mode: while the session runs on the headset, the viewport
mirrors the participant (the scene drawn from their head pose), a status-bar label shows
the OpenXR session state, the eyes get the same render state as the viewport, engine
events pulse the controllers, and an inspection-only scenario runs as AR where the headset
can (``is_ar_scenario``).

It only listens to the session (``stepped``, ``device_changed``); the switch itself and
the fallback to the desktop device when the headset fails are the session's and the
device chooser's (the session's ``message`` gives the one sentence in the status bar).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLabel

from app.window.framing import follow_head, task_bounds
from app.window.stored_values import stored_float
from devices.openxr.headset import WORKBENCH_HEIGHT, HeadsetDevice, workbench_lift
from scenes.transforms import pose_to_matrix

translate = QCoreApplication.translate

if TYPE_CHECKING:
    from app.session.session import Session
    from app.window.controller import InteractionController


def is_ar_scenario(scenario: Any) -> bool:
    """An inspection walk with nothing to assemble runs as AR: the equipment is real, the
    scene marks it up. Anything with assembly steps runs as VR (the parts are virtual)."""
    return bool(scenario.inspection_points) and not scenario.steps


#: the OpenXR session states (devices.openxr.lifecycle.SessionState) as the status bar
#: names them; a state not listed is shown by its OpenXR name
STATE_NAMES = {
    "UNKNOWN": QT_TRANSLATE_NOOP("Headset", "unknown"),
    "IDLE": QT_TRANSLATE_NOOP("Headset", "idle"),
    "READY": QT_TRANSLATE_NOOP("Headset", "ready"),
    "SYNCHRONIZED": QT_TRANSLATE_NOOP("Headset", "synchronized"),
    "VISIBLE": QT_TRANSLATE_NOOP("Headset", "visible"),
    "FOCUSED": QT_TRANSLATE_NOOP("Headset", "focused"),
    "STOPPING": QT_TRANSLATE_NOOP("Headset", "stopping"),
    "LOSS_PENDING": QT_TRANSLATE_NOOP("Headset", "session being lost"),
    "EXITING": QT_TRANSLATE_NOOP("Headset", "exiting"),
}


def headset_text(state: str, eye_ms: float | None = None) -> str:
    """The status-bar label: "Headset: FOCUSED" (and the slower eye's draw time). English
    keeps OpenXR's own state names; a translated interface shows the state's meaning with
    the OpenXR name after it."""
    shown = state
    if state in STATE_NAMES:
        meaning = translate("Headset", STATE_NAMES[state])
        if meaning != STATE_NAMES[state]:  # translated: OpenXR's name stays beside it
            shown = translate("Headset", "{meaning} ({state})").format(meaning=meaning, state=state)
    if eye_ms is None:
        return translate("Headset", "Headset: {state}").format(state=shown)
    return translate("Headset", "Headset: {state} · {ms} ms per eye").format(state=shown, ms=f"{eye_ms:.1f}")


#: the workbench heights the facilitator can choose (m)
BENCH_RANGE = (0.4, 1.4)


class HeadsetMirror(QObject):
    """Follows the controller's sessions; active while the device has a display of its own
    (``has_own_display``: a HeadsetDevice)."""

    def __init__(self, controller: InteractionController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.label = QLabel("")
        self.label.setObjectName("headset_state")
        controller.window.statusBar().addPermanentWidget(self.label)
        self.label.hide()
        #: where a bench-sized VR task's lowest point goes (m): kept in the window's settings
        self.workbench_height = stored_float(
            controller.window.settings, "headset/workbench_height", WORKBENCH_HEIGHT, *BENCH_RANGE
        )
        #: Device ▸ Workbench height in VR… (the device menu adds it)
        self.bench_action = QAction(translate("Headset", "Workbench height in VR…"), controller.window)
        self.bench_action.triggered.connect(self.ask_workbench_height)
        controller.session_started.connect(self._session_started)
        if controller.session is not None:
            self._session_started(controller.session)

    def _session_started(self, session: Session) -> None:
        session.stepped.connect(self._stepped)
        session.device_changed.connect(self._device_changed)
        self._device_changed(session.device.name)

    def _headset(self) -> HeadsetDevice | None:
        session = self.controller.session
        device = session.device if session is not None else None
        return device if getattr(device, "has_own_display", False) else None

    def _device_changed(self, _name: str) -> None:
        headset = self._headset()
        self.label.setVisible(headset is not None)
        if headset is not None:
            self.label.setText(headset_text(headset.state_name))
            headset.set_scene_lift(self.scene_lift())

    def ask_workbench_height(self) -> None:
        height, ok = QInputDialog.getDouble(
            self.controller.window, translate("Headset", "Workbench height in VR"),
            translate("Headset", "Height of a bench-sized task above the floor (m; seated about 0.75, standing 0.9):"),
            self.workbench_height, BENCH_RANGE[0], BENCH_RANGE[1], 2,
        )
        if ok:
            self.set_workbench_height(height)

    def set_workbench_height(self, height: float) -> None:
        """Put bench-sized VR tasks ``height`` metres up, from now on (a running headset at
        once), and remember it."""
        self.workbench_height = height
        self.controller.window.settings.setValue("headset/workbench_height", height)
        headset = self._headset()
        if headset is not None:
            headset.set_scene_lift(self.scene_lift())

    def scene_lift(self) -> float:
        """How high the running task is raised in the headset: a bench-sized VR task to
        workbench height; an AR scenario stays where it is (it must meet the real thing)."""
        session = self.controller.session
        if session is None or is_ar_scenario(session.scenario):
            return 0.0
        bounds = task_bounds(session.scene, session.scenario, session.engine.index)
        return workbench_lift(bounds, self.workbench_height)

    def _stepped(self, _state: Any, events: list[Any]) -> None:
        headset, session = self._headset(), self.controller.session
        if headset is None or session is None:
            return
        viewport = self.controller.window.viewport
        headset.show(session.scene, viewport.render_state)
        headset.set_passthrough(is_ar_scenario(session.scenario))
        headset.pulse_for(events)
        result = headset.last_result
        eye_ms = 1e3 * max(result.eye_seconds) if result is not None and result.eye_seconds else None
        self.label.setText(headset_text(headset.state_name, eye_ms))
        if session.last_frame is not None:
            follow_head(viewport.camera, pose_to_matrix(session.last_frame.head))
