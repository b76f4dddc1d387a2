"""Desktop AR in the window: the model registered on the live camera picture.

The camera device does the work (devices/camera/ar_camera.py: marker tracking,
undistortion, the camera's pose in the model); this object decides when it runs and shows
its result:

- **Device ▸ AR: model on the camera picture** (checkable) turns the running camera or
  video device into an AR camera for the scenario's ``anchor:``. It is disabled, with the
  reason as its tooltip, without an anchor or without a camera device; switching to
  another device or task keeps AR on when the new one can run it, else turns it off.
- **Camera calibration file…** reads an OpenCV camera file (one dialog line when it
  cannot), remembered per camera source in QSettings. Without one, the intrinsics come
  from the camera dock's field of view and the status bar says the registration is
  approximate.
- Every view update (``decorate``, called where the controller builds the RenderState)
  puts the device's newest ``ArView`` behind the scene as a CameraBackdrop; the viewport
  then draws, picks and places labels through that camera and suspends its own
  navigation (views/viewport.py), so switching AR off finds the orbit camera where it
  was. A permanent status-bar label is the registration check ("AR: marker 23, residual
  0.4 px"); while the marker is lost the model and labels are hidden and the status bar
  says so (``ArView.status``).
- **Place marker on the model…** and the marker drawn on the model while AR is off:
  app/window/ar_placement.py (part 4 of issue 13).
- **Save camera snapshot…**: camera pictures stay in memory; this writes the current one
  to a PNG the person chooses, and nothing else ever does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QFileDialog, QLabel

from app.window.ar_placement import MarkerPlacement
from devices.camera.ar_camera import ArSetup, ArView
from devices.camera.intrinsics import CameraIntrinsics, read_camera_file
from devices.camera.marker_tracking import TrackState
from scenes.model import SceneError
from scenes.scenario_anchor import Anchor
from views.render_state import CameraBackdrop, RenderState

translate = QCoreApplication.translate

if TYPE_CHECKING:
    from app.session.session import Session
    from app.window.controller import InteractionController
    from devices.camera.device import CameraDevice

CAMERA_FILE_FILTER = QT_TRANSLATE_NOOP("ArMode", "Camera files (*.yaml *.yml *.xml *.json);;All files (*)")


def source_key(source: int | Path | str) -> str:
    """The QSettings key a camera source's calibration file is remembered under."""
    name = f"camera{source}" if isinstance(source, int) else str(Path(source).resolve())
    short = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(name).name)[:40]
    return f"ar/calibration/{short}-{hashlib.sha1(name.encode()).hexdigest()[:10]}"


def target_text(anchor: Anchor) -> str:
    """How the window names an anchor's target: ``ArSetup.target_name`` ("marker 23",
    "board charuco:5x7:...") in the interface's language."""
    if anchor.board is not None:
        return translate("ArMode", "board {board}").format(board=anchor.board)
    return translate("ArMode", "marker {id}").format(id=anchor.marker_id)


def ar_status(view: ArView, target: str) -> str:
    """``ArView.status()`` in the interface's language (the same line in English), the
    target called ``target`` (``target_text``)."""
    if view.state is TrackState.TRACKING:
        if view.overlay_residual_px is None:
            status = translate("ArMode", "AR: {target} tracked").format(target=target)
        else:
            status = translate("ArMode", "AR: {target} tracked, overlay within {px} px").format(
                target=target, px=f"{view.overlay_residual_px:.1f}")
        if view.approximate:
            status = translate("ArMode", "{status} (approximate intrinsics: calibrate the camera)").format(status=status)
        return status
    if view.last_seen is None:
        return translate("ArMode", "AR: {target} not seen yet: show it to the camera").format(target=target)
    gone = f"{max(0.0, view.t - view.last_seen):.1f}"
    if view.state is TrackState.HOLDING:
        return translate("ArMode", "AR: {target} out of sight for {s} s, holding its last pose").format(
            target=target, s=gone)
    return translate("ArMode", "AR: {target} lost ({s} s out of sight): model hidden, hands off").format(
        target=target, s=gone)


class ArMode(QObject):
    """The window's desktop AR (see the module docstring); owned by the controller."""

    def __init__(self, controller: InteractionController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = window = controller.window
        self.settings = window.settings
        self.toggle_action = QAction(translate("ArMode", "&AR: model on the camera picture"), window, checkable=True)
        self.toggle_action.toggled.connect(self._toggled)
        self.calibration_action = QAction(translate("ArMode", "Camera c&alibration file…"), window)
        self.calibration_action.triggered.connect(self.choose_calibration)
        #: Place marker on the model…, Remove the AR marker, the marker drawn on the model
        self.placement = MarkerPlacement(controller)
        self.snapshot_action = QAction(translate("ArMode", "Save camera &snapshot…"), window)
        self.snapshot_action.triggered.connect(self.save_snapshot)
        #: the registration check: which target, and how far the drawn pose is off (px)
        self.residual_label = QLabel("")
        self.residual_label.setObjectName("ar_residual")
        self.residual_label.setToolTip(translate("ArMode", "Registration check: how far (RMS pixels) the drawn model's "
                                                 "marker lands from the marker seen in this picture"))
        window.statusBar().addPermanentWidget(self.residual_label)
        self.residual_label.hide()
        #: the camera device AR was last set on (to turn it off there)
        self._device: CameraDevice | None = None
        self._last_state: TrackState | None = None
        self._last_status = ""
        #: the target AR runs on, as the status lines name it (``target_text``)
        self._target = ""
        controller.session_started.connect(self._session_started)
        controller.model.document_changed.connect(self._document_changed)
        self.refresh()

    # -- what can run ------------------------------------------------------------------------
    @property
    def camera(self) -> CameraDevice | None:
        """The running camera or video device, or None."""
        session = self.controller.session
        device = session.device if session is not None else None
        return device if getattr(device, "feeds_camera_dock", False) and hasattr(device, "set_ar") else None

    @property
    def on(self) -> bool:
        return self.toggle_action.isChecked()

    def _anchor(self) -> Anchor | None:
        scenario = self.controller.model.scenario
        return scenario.anchor if scenario is not None else None

    def why_not(self) -> str:
        """Why AR cannot be switched on now ("" when it can)."""
        if self.controller.session is None:
            return translate("ArMode", "open a model and its scenario first")
        if self._anchor() is None:
            return translate("ArMode", "the scenario has no AR marker: Device ▸ Place marker on the model…, or an anchor: block")
        if self.camera is None:
            return translate("ArMode", "needs a camera: choose a camera or a video file in this menu first")
        return ""

    def menu_actions(self) -> list[QAction]:
        """The Device menu's AR entries, their state brought up to date."""
        self.refresh()
        return [self.toggle_action, self.calibration_action, self.placement.place_action,
                self.placement.remove_action, self.snapshot_action]

    def refresh(self) -> None:
        """Enable the actions that can run, and say in their tooltips why the others cannot."""
        why = self.why_not()
        self.toggle_action.setEnabled(not why or self.on)
        self.toggle_action.setToolTip(why or translate("ArMode", "Draw the model over the camera picture, registered by its marker"))
        no_camera = "" if self.camera is not None else translate("ArMode", "needs a camera: choose a camera or a video file first")
        self.calibration_action.setEnabled(not no_camera)
        self.calibration_action.setToolTip(no_camera or translate("ArMode", "The camera's calibration (xrjig calibrate ... --out FILE)"))
        self.snapshot_action.setEnabled(not no_camera)
        self.snapshot_action.setToolTip(no_camera or translate("ArMode", "Write the current camera picture to a PNG file"))
        self.placement.refresh()

    # -- on and off --------------------------------------------------------------------------
    def _toggled(self, on: bool) -> None:
        if on:
            why = self.why_not()
            setup = None if why else self._setup()
            if setup is None:
                if why:
                    self.window.statusBar().showMessage(translate("ArMode", "AR: {why}").format(why=why), 10000)
                self.toggle_action.setChecked(False)
                return
            self._start(setup)
        elif self._device is not None:  # it ran (not: refused just now)
            self._device.set_ar(None)
            self._device = None
            self._last_state, self._last_status = None, ""
            self.residual_label.hide()
            viewport = self.window.viewport
            state = viewport.render_state
            if state.camera_backdrop is not None:  # the orbit view at once, not at the next tick
                viewport.set_render_state(dataclasses.replace(state, camera_backdrop=None))
            self.window.statusBar().showMessage(translate("ArMode", "AR off: the view is the orbit camera again"), 6000)
        self.refresh()

    def _start(self, setup: ArSetup) -> None:
        camera = self.camera
        assert camera is not None
        camera.set_ar(setup)
        self._device = camera
        self._last_state, self._last_status = None, ""
        self._target = target = target_text(setup.anchor)
        self.residual_label.setText(translate("ArMode", "AR: {target}, waiting for the picture").format(target=target))
        self.residual_label.show()
        if setup.intrinsics is None:
            self.window.statusBar().showMessage(
                translate("ArMode", "AR on with approximate intrinsics (the camera's {fov}° field of view): "
                          "the overlay may be off by several per cent; Device ▸ Camera calibration file… "
                          "for an exact one").format(fov=f"{setup.horizontal_fov_deg:.0f}"),
                15000)
        else:
            self.window.statusBar().showMessage(
                translate("ArMode", "AR on: show {target} to the camera").format(target=target), 8000)

    def _setup(self) -> ArSetup | None:
        """The AR setup for the running camera and the scenario's anchor (None: cannot)."""
        camera, anchor, session = self.camera, self._anchor(), self.controller.session
        if camera is None or anchor is None or session is None:
            return None
        try:
            return ArSetup.for_scene(anchor, session.scene, self.intrinsics_for(camera),
                                     horizontal_fov_deg=float(camera.settings.horizontal_fov_deg))
        except KeyError as err:
            self.window.show_error(translate("ArMode", "AR: the anchor's node {node} is not in this model").format(node=err))
            return None

    def intrinsics_for(self, camera: CameraDevice) -> CameraIntrinsics | None:
        """The calibration remembered for ``camera``'s source (None: none, or unreadable now:
        said once in a dialog, and forgotten)."""
        key = source_key(camera.source)
        path = self.settings.value(key)
        if not path:
            return None
        try:
            return read_camera_file(path)
        except SceneError as err:
            self.settings.remove(key)
            self.window.show_error(translate("ArMode", "{error} (the camera's calibration; using approximate intrinsics)")
                                   .format(error=err))
            return None

    def _session_started(self, session: Session) -> None:
        session.device_changed.connect(self._device_changed)
        self.placement.forget()
        self._device_changed("")

    def _device_changed(self, _name: str) -> None:
        """Another device (or task): AR follows onto a camera that can run it, else stops."""
        if self.on:
            setup = self._setup() if not self.why_not() else None
            if setup is None:
                self.toggle_action.setChecked(False)
            elif self.camera is not self._device:
                self._start(setup)
        self.refresh()

    def _document_changed(self, kind: str) -> None:
        if kind != "anchor":
            return
        self.placement.forget()
        if self.on:  # the new marker, or none: AR off
            setup = self._setup()
            if setup is None:
                self.toggle_action.setChecked(False)
            else:
                self._start(setup)
        self.refresh()

    # -- per view update ----------------------------------------------------------------------
    def decorate(self, state: RenderState) -> None:
        """Put desktop AR into the view's RenderState: the camera picture and its camera
        while AR is on, else the scenario's marker on the model."""
        if self.on:
            camera = self._device
            snap = camera.snapshot() if camera is not None else None
            view = snap.ar if snap is not None else None
            if view is None:
                return  # AR starts with the camera's next picture
            state.camera_backdrop = CameraBackdrop(view.image, view.projection(*self._clip()), view.view_matrix())
            if not view.visible:
                state.labels = []  # no model, nothing for them to point at
            self._show(view)
            return
        self.placement.decorate(state)

    def _clip(self) -> tuple[float, float]:
        """Near and far planes for the camera's projection: the model must fit between."""
        session = self.controller.session
        bounds = session.scene.bounds if session is not None else None
        size = 1.0 if bounds is None else float(np.linalg.norm(bounds[1] - bounds[0]))
        return min(0.01, size * 0.01), max(100.0, size * 20.0)

    def _show(self, view: ArView) -> None:
        """The registration check label, and the status line when the state changes (and
        while lost, as its time out of sight grows)."""
        target = self._target or view.target_name
        if view.state is TrackState.LOST:
            text = translate("ArMode", "AR: {target} lost").format(target=target)
        else:
            if view.overlay_residual_px is not None:
                text = translate("ArMode", "AR: {target}, residual {px} px").format(
                    target=target, px=f"{view.overlay_residual_px:.1f}")
            else:
                text = translate("ArMode", "AR: {target}, holding").format(target=target)
            if view.approximate:
                text = translate("ArMode", "{text} (approximate)").format(text=text)
        if self.residual_label.text() != text:
            self.residual_label.setText(text)
        if view.state is not self._last_state or view.state is TrackState.LOST:
            status = ar_status(view, target)
            if view.state is TrackState.TRACKING:  # the live residual is the label's, not a stale copy
                status = translate("ArMode", "AR: {target} tracked: the view is the camera's (AR off to turn it "
                                   "again)").format(target=target)
                if view.approximate:
                    status = translate("ArMode", "{status}; approximate intrinsics: Device ▸ Camera calibration "
                                       "file…").format(status=status)
            if status != self._last_status:
                timeout = 0 if view.state is TrackState.LOST else 8000
                self.window.statusBar().showMessage(status, timeout)
                self._last_status = status
            self._last_state = view.state

    # -- privacy: the one way a picture reaches the disk --------------------------------------
    def save_snapshot(self) -> bool:
        """Write the current camera picture (undistorted in AR) to a PNG the person picks."""
        camera = self.camera
        snap = camera.snapshot() if camera is not None else None
        if snap is None:
            self.window.statusBar().showMessage(translate("ArMode", "no camera picture yet"), 6000)
            return False
        image = np.ascontiguousarray(snap.image)  # held: the device moves on to the next one
        path, _ = QFileDialog.getSaveFileName(self.window, translate("ArMode", "Save camera snapshot"), "camera-snapshot.png",
                                              translate("ArMode", "PNG image (*.png)"))
        if not path:
            return False
        path = path if path.lower().endswith(".png") else path + ".png"
        h, w = image.shape[:2]
        picture = QImage(image.data, w, h, image.strides[0], QImage.Format.Format_BGR888)
        if not picture.save(path, "PNG"):
            self.window.show_error(translate("ArMode", "{path}: cannot write the snapshot").format(path=path))
            return False
        self.window.statusBar().showMessage(translate("ArMode", "camera snapshot saved to {path}").format(path=path), 8000)
        return True

    # -- calibration file ----------------------------------------------------------------------
    def choose_calibration(self) -> bool:
        """Ask for the running camera's calibration file; remembered for its source."""
        camera = self.camera
        if camera is None:
            return False
        key = source_key(camera.source)
        start = str(self.settings.value(key) or "")
        path, _ = QFileDialog.getOpenFileName(self.window, translate("ArMode", "Camera calibration file"), start,
                                              translate("ArMode", CAMERA_FILE_FILTER))
        if not path:
            return False
        try:
            intrinsics = read_camera_file(path)
            snap = camera.snapshot()
            if snap is not None:  # a calibration of another aspect ratio would stop the camera
                intrinsics.for_size(snap.image.shape[1], snap.image.shape[0])
        except SceneError as err:
            self.window.show_error(str(err))
            return False
        except ValueError as err:
            self.window.show_error(f"{path}: {err}")
            return False
        self.settings.setValue(key, str(Path(path).resolve()))
        name = Path(path).name
        if intrinsics.rms_px is not None:
            said = translate("ArMode", "camera calibration: {file}, RMS {rms} px").format(file=name, rms=f"{intrinsics.rms_px:.2f}")
        else:
            said = translate("ArMode", "camera calibration: {file}").format(file=name)
        self.window.statusBar().showMessage(said, 8000)
        if self.on:
            setup = self._setup()
            if setup is not None:
                self._start(setup)
        return True


