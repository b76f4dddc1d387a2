"""The window's device chooser (Device menu and toolbar), the camera dock, device faults.

The user picks desktop, a camera, a video file or the headset; the switch goes through
``InteractionController.use_device``, which refuses a device that cannot run here and
shows its ``why_not``. The choice outlives a scene: opening another model starts its
session on the same device.

A device that fails while running (camera busy or unplugged, unreadable video, headset
session lost) is replaced by the session with the desktop device; here that becomes one
message in the status bar and one dialog, the camera dock shows a camera's reason, and
the chooser goes back to Desktop. The session, and its recording, never stop.

Camera hands live in the viewer's head frame, life-size; the head follows the viewport
camera every tick, moved forward so hands held ``HAND_DEPTH`` in front of the eyes land
where the desktop device puts its hands (``reach``), within reach of the parts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QRect, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QDockWidget, QFileDialog, QLabel, QToolBar

from app.model.workspace import DESKTOP
from app.window.camera_calibration import CameraCalibration
from app.window.camera_feed import CameraFeed
from app.window.device_choice import DeviceChoice, DeviceSpecError, device_choices, make_device
from devices.base import Device
from views.camera_dock import CameraPanel

if TYPE_CHECKING:
    from app.session.session import Session
    from app.window.controller import InteractionController
    from devices.camera.device import CameraDevice

#: how far in front of the eyes a webcam user typically holds their hands (m)
HAND_DEPTH = 0.3
#: the desktop device's hands start this share of the orbit distance in front of the eyes
REACH_FRACTION = 0.75
translate = QCoreApplication.translate
#: the chooser entry that opens a file dialog instead of naming a device
VIDEO_ENTRY = "video:"


def camera_head(view: np.ndarray, reach: float) -> np.ndarray:
    """(4, 4) head pose for camera hands: the viewport's camera-to-world ``view`` moved
    forward by ``reach - HAND_DEPTH``, so hands at a natural distance reach the scene."""
    head = np.array(view, dtype=np.float64)
    head[:3, 3] -= head[:3, 2] * (reach - HAND_DEPTH)  # -z is ahead
    return head


class DeviceSwitcher(QObject):
    """Device menu, toolbar chooser and camera dock of one window (see module docstring)."""

    def __init__(self, controller: InteractionController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = window = controller.window
        #: holds the chosen device's spec (``model.device``); the session may have fallen back from it
        self.model = controller.model
        #: the running camera device (None when another device runs)
        self.camera: CameraDevice | None = None
        #: the session's device before the last switch: did it fail?
        self._running: Device | None = None
        self.panel = CameraPanel()
        self.dock = window.add_dock(self.panel, "Camera", Qt.DockWidgetArea.LeftDockWidgetArea)
        outliner = window.findChild(QDockWidget, "dock:Outliner")
        if window.settings.value("window/state") is None and outliner is not None:
            window.tabifyDockWidget(outliner, self.dock)  # first run: tall, for the preview
        self.dock.hide()
        self.feed = CameraFeed(self.panel, window.settings, self)
        self.feed.message.connect(lambda text: window.statusBar().showMessage(text, 10000))
        self.panel.calibrate_requested.connect(self.calibrate)

        self.menu = window.menuBar().addMenu(translate("DeviceSwitcher", "&Device"))
        self.menu.setToolTipsVisible(True)
        self.menu.aboutToShow.connect(self._menu_opened)
        #: Device ▸ Calibrate the camera… (intrinsics from a board, live)
        self.camera_calibration = CameraCalibration(self)
        self.calibrate_action = QAction(translate("DeviceSwitcher", "Calibrate &gaze…"), window)
        self.calibrate_action.triggered.connect(self.calibrate)
        self.combo = QComboBox(window)
        self.combo.setObjectName("device_combo")
        self.combo.setToolTip(translate("DeviceSwitcher", "Input device"))
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # file names
        self.combo.activated.connect(lambda i: self._picked(self.combo.itemData(i)))
        toolbar = QToolBar(translate("DeviceSwitcher", "Device"), window)
        toolbar.setObjectName("toolbar:device")
        toolbar.addWidget(QLabel(translate("DeviceSwitcher", " Input: "), toolbar))
        toolbar.addWidget(self.combo)
        window.addToolBar(toolbar)
        #: what the chooser lists (listing cameras and probing the headset runtime takes a
        #: moment, so this is refreshed when the menu opens, not on every switch)
        self.choices = device_choices()
        self._fill_menu()
        self._fill_combo()
        controller.session_started.connect(self._session_started)

    # -- choosing ----------------------------------------------------------------------------
    def choose(self, spec: str) -> bool:
        """Switch the running session to the device ``spec`` names (app.window.device_choice).
        A bad spec or a device that cannot run here: a dialog says why, nothing changes."""
        session = self.controller.session
        if session is None:
            self.model.set_device(spec)  # applied when the first scene's session starts
            return False
        entry = VIDEO_ENTRY if spec.startswith(VIDEO_ENTRY) else spec
        if spec == self.model.device and entry == self._current():
            return True  # already running: no restart, no reset of the hands
        try:
            device = self._build(spec, session)
        except DeviceSpecError as err:
            self.window.show_error(str(err))
            return False
        if not self.controller.use_device(device):
            self._sync()
            return False
        self.model.set_device(spec)
        self._sync()
        return True

    def choose_video_file(self) -> bool:
        """Ask for a video (or a photo) to play as the camera; False when cancelled."""
        path, _ = QFileDialog.getOpenFileName(
            self.window, translate("DeviceSwitcher", "Play a video as the camera"), "",
            translate("DeviceSwitcher", "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;Images (*.jpg *.jpeg *.png);;All files (*)")
        )
        return bool(path) and self.choose(f"video:{path}")

    def _build(self, spec: str, session: Session) -> Device:
        device = make_device(spec)
        if getattr(device, "driven_by_viewport", False):
            device = session.fallback_factory()  # sized to the scene like the first one
        elif getattr(device, "feeds_camera_dock", False):
            device.set_head(self._camera_head())
            self.feed.apply_tracking(device)
        return device

    def _picked(self, spec: str | None) -> None:
        if spec == VIDEO_ENTRY:
            if not self.choose_video_file():
                self._sync()
        elif spec is not None:
            self.choose(spec)

    # -- session events ------------------------------------------------------------------------
    def _session_started(self, session: Session) -> None:
        session.device_changed.connect(self._device_changed)
        session.stepped.connect(self._follow_view)
        if self.camera is not None:
            self.feed.stop()  # the previous scene's session stopped it
        self.camera = None
        self._running = session.device
        if self.model.device != DESKTOP:
            self.choose(self.model.device)  # a new scene keeps the chosen device
        else:
            self._sync()

    def _device_changed(self, _name: str) -> None:
        session = self.controller.session
        if session is None:
            return
        device, failed = session.device, self._running
        self._running = device
        if getattr(device, "feeds_camera_dock", False):
            self.camera = device
            self.feed.start(device, self._source_name(device))
            self.dock.show()
            self.dock.raise_()
            self.controller.help.hide()  # its controls are the simulated hands'
            self._sync()
            return
        error = failed.error if failed is not None else None
        if self.camera is not None:
            self.feed.stop(error)  # the dock shows why the camera stopped
            if not error:
                self.dock.hide()  # the user chose another device
        self.camera = None
        if getattr(device, "driven_by_viewport", False):
            viewport = self.window.viewport
            device.set_head(viewport.camera.camera_to_world())  # no jump back to the old head
            device.set_projection(viewport.view_projection()[1])
        if error:
            self.model.set_device(DESKTOP)
            text = translate("DeviceSwitcher", "{error}; switched to the desktop device (simulated hands)").format(
                error=error.rstrip("."))
            self.window.statusBar().showMessage(text, 15000)
            self.window.show_error(text)
        self._sync()

    def _follow_view(self, _state: object, _events: object) -> None:
        session = self.controller.session
        if session is not None and getattr(session.device, "feeds_camera_dock", False):
            session.device.set_head(self._camera_head())

    def _camera_head(self) -> np.ndarray:
        camera = self.window.viewport.camera
        return camera_head(camera.camera_to_world(), camera.distance * REACH_FRACTION)

    @staticmethod
    def _source_name(device: CameraDevice) -> str:
        source = device.source
        return translate("DeviceSwitcher", "camera {index}").format(index=source) if isinstance(source, int) \
            else Path(source).name

    # -- calibration -----------------------------------------------------------------------------
    def calibrate(self) -> None:
        """The gaze calibration dialog over the viewport (needs the camera device)."""
        viewport = self.window.viewport
        over = QRect(viewport.mapToGlobal(viewport.rect().topLeft()), viewport.size())
        self.feed.calibrate(over, viewport.camera.fov_y)

    # -- menu and toolbar ------------------------------------------------------------------------
    def _entries(self) -> list[DeviceChoice]:
        """The chooser's entries: desktop, each camera, a video file, the headset."""
        video = DeviceChoice(
            translate("DeviceSwitcher", "Video: {name}").format(name=self._source_name(self.camera))
            if self._playing_video() else translate("DeviceSwitcher", "Video file…"),
            VIDEO_ENTRY,
        )
        return [*self.choices[:-1], video, self.choices[-1]]

    def _playing_video(self) -> bool:
        return self.camera is not None and not isinstance(self.camera.source, int)

    def _current(self) -> str:
        """The entry of the device that runs now."""
        if self.camera is not None:
            return VIDEO_ENTRY if self._playing_video() else f"camera:{self.camera.source}"
        session = self.controller.session
        return "desktop" if session is None else session.device.name

    def _menu_opened(self) -> None:
        self.choices = device_choices()  # a camera plugged in, a runtime started since
        self._fill_menu()
        self._fill_combo()

    def _fill_menu(self) -> None:
        self.menu.clear()
        group = QActionGroup(self.menu)
        current = self._current()
        for entry in self._entries():
            action = QAction(entry.label, self.menu, checkable=True)
            action.setChecked(entry.spec == current)
            action.setEnabled(not entry.why_not)
            action.setToolTip(entry.why_not or entry.label)
            action.triggered.connect(lambda _on, spec=entry.spec: self._picked(spec))
            group.addAction(action)
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.calibrate_action.setEnabled(self.camera is not None)
        self.menu.addAction(self.calibrate_action)
        self.camera_calibration.enable(self.camera)
        self.menu.addAction(self.camera_calibration.action)
        headset = getattr(self.controller, "headset", None)  # made after this switcher
        if headset is not None:
            self.menu.addAction(headset.bench_action)
        ar = getattr(self.controller, "ar", None)  # made after this switcher too
        if ar is not None:
            self.menu.addSeparator()
            for action in ar.menu_actions():
                self.menu.addAction(action)

    def _fill_combo(self) -> None:
        self.combo.clear()
        current = self._current()
        for entry in self._entries():
            self.combo.addItem(entry.label, entry.spec)
            index = self.combo.count() - 1
            if entry.why_not:
                self.combo.model().item(index).setEnabled(False)
                self.combo.setItemData(index, entry.why_not, Qt.ItemDataRole.ToolTipRole)
            if entry.spec == current:
                self.combo.setCurrentIndex(index)

    def _sync(self) -> None:
        """Show the running device as chosen in the toolbar (the menu fills when opened)."""
        self._fill_combo()
        self.calibrate_action.setEnabled(self.camera is not None)
