"""Feeds the camera panel from a running CameraDevice and runs the gaze calibration.

The tracker runs in its own thread; this side only reads the device's newest snapshot on
the GUI thread, a few times a second (``PANEL_HZ``): enough for a live preview and
readable numbers, cheap next to the 90 Hz engine tick. Rates are measured from the
snapshots themselves: tracked frames per second from the tracker's frame counter, and
latency as capture -> finished InputFrame. A device's warning (a damaged video that plays
only its readable part, a photo under a video's name) is shown in the panel's status line,
in orange, and once in the status bar.

Calibration: while the dialog shows a target (over the viewport, so its corners are the
viewport's), the raw gaze features of the last ``SETTLE_S`` seconds of each dwell are
averaged into one sample; the target's angles are those of the viewport's view ray
through it. The fitted ``GazeCalibration`` goes to ``CameraDevice.calibration`` and
applies from the tracker's next frame.
"""

from __future__ import annotations

import math
import time
from collections import deque

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QRect, QSettings, QTimer, Signal

from app.window.stored_values import stored_float
from devices.camera.device import CameraDevice
from devices.camera.gaze import GazeCalibration
from devices.camera.tracker import TrackerSettings
from views.camera_dock import TRACKING_FIELDS, CameraPanel, GazeCalibrationDialog
from views.camera_preview import PreviewHand

translate = QCoreApplication.translate

PANEL_HZ = 15.0
#: how far back tracking fps and latency are averaged (s)
RATE_WINDOW_S = 2.0
#: per calibration target, gaze samples from this long before the dwell ended count (s)
SETTLE_S = 0.6


def target_angles(ndc_x: float, ndc_y: float, fov_y: float, aspect: float) -> tuple[float, float]:
    """(yaw, pitch) in radians of the view ray through an NDC point (yaw > 0 right,
    pitch > 0 up): the angles the eyes turn to look at that point of the viewport."""
    t = math.tan(fov_y / 2.0)
    x, y = ndc_x * t * aspect, ndc_y * t
    return math.atan2(x, 1.0), math.atan2(y, math.hypot(x, 1.0))


class CameraFeed(QObject):
    """Shows one CameraDevice in a CameraPanel while it runs (see module docstring)."""

    #: one line for the status bar (calibration result)
    message = Signal(str)

    def __init__(
        self, panel: CameraPanel, settings: QSettings | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.panel = panel
        #: the tracking settings the panel edits, kept in ``settings`` between runs
        self._settings = settings
        defaults = TrackerSettings()
        self.tracking = {
            name: stored_float(settings, f"camera/{name}", float(getattr(defaults, name)), low, high)
            for name, (_label, low, high, *_rest) in TRACKING_FIELDS.items()
        }
        panel.set_tracking(self.tracking)
        panel.tracking_changed.connect(self._tracking_changed)
        self.device: CameraDevice | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(round(1000.0 / PANEL_HZ))
        self._timer.timeout.connect(self.refresh)
        self._last_index = -1
        #: the device warning the panel shows (shown once, when it first appears)
        self._warning: str | None = None
        #: (ready_at, tracker frame index, latency s) of the snapshots seen recently
        self._seen: deque[tuple[float, int, float]] = deque()
        #: (time, raw gaze features) while calibrating
        self._gaze: deque[tuple[float, np.ndarray]] = deque()
        self._samples: list[tuple[np.ndarray, tuple[float, float]]] = []
        self.dialog: GazeCalibrationDialog | None = None
        #: how long each calibration target is shown (ms)
        self.dwell_ms = 1500

    def apply_tracking(self, device: CameraDevice) -> None:
        """Give ``device`` the panel's tracking settings (before it starts, or while it runs:
        the tracker reads them every frame)."""
        for name, value in self.tracking.items():
            setattr(device.settings, name, value)

    def _tracking_changed(self, name: str, value: float) -> None:
        self.tracking[name] = value
        if self._settings is not None:
            self._settings.setValue(f"camera/{name}", value)
        if self.device is not None:
            self.apply_tracking(self.device)

    def start(self, device: CameraDevice, name: str) -> None:
        """Show ``device`` from now on (its source called ``name``)."""
        self.device = device
        self._last_index = -1
        self._warning = None
        self._seen.clear()
        self.panel.show_source(name)
        self.panel.rate_label.setText(translate("CameraDock", "starting the tracker…"))
        self._timer.start()

    def stop(self, error: str | None = None) -> None:
        """The device is gone: forget its last image; show ``error`` if it failed."""
        self._timer.stop()
        self.device = None
        if self.dialog is not None:
            self.dialog.reject()
        if error:
            self.panel.show_error(error)
        else:
            self.panel.status_label.setText(translate("CameraDock", "camera off"))
            self.panel.preview.clear()
        self.panel.rate_label.setText("")

    def rates(self) -> tuple[float, float] | None:
        """(tracked frames per second, mean capture -> InputFrame latency in ms) over the
        last ``RATE_WINDOW_S``, or None before two frames were seen."""
        if len(self._seen) < 2:
            return None
        (t0, i0, _), (t1, i1, _) = self._seen[0], self._seen[-1]
        if t1 <= t0:
            return None
        latency = 1000.0 * float(np.mean([lat for _, _, lat in self._seen]))
        return (i1 - i0) / (t1 - t0), latency

    def refresh(self) -> None:
        """Show the device's newest snapshot, if it is new (the timer calls this)."""
        device = self.device
        if device is not None and device.warning and device.warning != self._warning:
            self._show_warning(device.warning)
        snap = device.snapshot() if device is not None else None
        if snap is None:
            return
        result = snap.result
        if self.dialog is not None and result.gaze is not None:
            # sampled at this rate even when the frame repeats (a still image as camera)
            self._gaze.append((time.perf_counter(), result.gaze.features))
        if result.index == self._last_index:
            return
        self._last_index = result.index
        hands = [PreviewHand(h.pixels, h.slot, h.pinching, h.grabbing) for h in result.hands]
        self.panel.preview.show_image(snap.image, hands)
        self.panel.show_frame(result.frame)
        self._seen.append((snap.ready_at, result.index, snap.ready_at - result.captured_at))
        while self._seen and self._seen[0][0] < snap.ready_at - RATE_WINDOW_S:
            self._seen.popleft()
        rates = self.rates()
        if rates is not None:
            self.panel.show_rates(*rates)
        else:  # the first frame (or a photo standing in for the camera)
            latency_ms = 1000.0 * (snap.ready_at - result.captured_at)
            self.panel.rate_label.setText(
                translate("CameraDock", "first frame: {ms} ms camera to input").format(ms=f"{latency_ms:.0f}"))

    def _show_warning(self, warning: str) -> None:
        """The source plays, but not whole: say so where the source is named, and once in
        the status bar (not a dialog: nothing stopped, and a looping video would repeat it)."""
        self._warning = warning
        self.panel.show_warning(warning)
        self.message.emit(translate("CameraDock", "camera: {warning}").format(warning=warning))

    # -- gaze calibration ------------------------------------------------------------------
    def calibrate(self, over: QRect, fov_y: float) -> GazeCalibrationDialog | None:
        """Open the calibration dialog over ``over`` (the viewport, in global coordinates,
        whose vertical field of view is ``fov_y``); None when no camera runs."""
        if self.device is None:
            self.message.emit(translate("CameraDock", "gaze calibration needs the camera: choose it in the Device menu"))
            return None
        dialog = GazeCalibrationDialog(dwell_ms=self.dwell_ms, parent=self.panel.window())
        dialog.setGeometry(over)
        aspect = over.width() / max(over.height(), 1)
        self._samples, self._gaze = [], deque()
        dialog.target_done.connect(lambda _i, x, y: self._take_sample(x, y, fov_y, aspect))
        dialog.all_done.connect(self._fit)
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog
        dialog.open()
        dialog.start()
        return dialog

    def _take_sample(self, ndc_x: float, ndc_y: float, fov_y: float, aspect: float) -> None:
        self.refresh()  # the newest frame too
        since = time.perf_counter() - SETTLE_S
        features = [f for at, f in self._gaze if at >= since]
        self._gaze.clear()
        if features:  # no face during this dwell: the target is skipped
            self._samples.append(
                (np.mean(features, axis=0), target_angles(ndc_x, ndc_y, fov_y, aspect))
            )

    def _fit(self) -> None:
        device = self.device
        if device is None:
            return
        calibration = GazeCalibration()
        try:
            if not self._samples:
                raise ValueError("no samples")
            features = np.stack([f for f, _ in self._samples])
            rms = calibration.fit(features, np.array([a for _, a in self._samples]))
        except ValueError:
            self.message.emit(
                translate("CameraDock", "gaze calibration failed: the face was found at {n} of the targets; "
                          "sit facing the camera in good light and try again").format(n=len(self._samples))
            )
            return
        device.calibration = calibration
        self.message.emit(translate("CameraDock", "gaze calibrated: {error}° RMS error on the targets").format(
            error=f"{math.degrees(rms):.1f}"))

    def _dialog_closed(self) -> None:
        self.dialog = None
        self._gaze.clear()
