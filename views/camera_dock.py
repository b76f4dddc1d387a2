"""The camera panel (shown in a dock) and the gaze calibration dialog.

Both are plain views: they never touch the camera device. ``app`` feeds the panel the
InputFrames the camera device produced plus its rates and errors, and runs the
calibration: the dialog shows one target at a time and says when the user has looked at
it long enough (``target_done``); the app then takes the tracker's raw gaze features for
that moment and fits ``devices.camera.gaze.GazeCalibration`` once ``all_done`` fires.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QPointF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from interaction.frame import Hand, InputFrame
from scenes.transforms import quat_to_matrix
from views.camera_preview import CameraPreview

#: the tracker settings the panel edits (names of devices.camera.tracker.TrackerSettings
#: fields): label, minimum, maximum, step, decimals, suffix, tooltip (the field of view's
#: range is devices.camera.tracker.HORIZONTAL_FOV_RANGE_DEG: views do not import devices)
TRACKING_FIELDS: dict[str, tuple[str, float, float, float, int, str, str]] = {
    "horizontal_fov_deg": (
        QT_TRANSLATE_NOOP("CameraDock", "Camera field of view"), 30.0, 150.0, 1.0, 0, " °",
        QT_TRANSLATE_NOOP("CameraDock", "The webcam's horizontal field of view. Hands are placed at the right depth only "
                          "when this matches the camera (laptop webcams: about 60-80°)."),
    ),
    "viewer_distance": (
        QT_TRANSLATE_NOOP("CameraDock", "Eyes to camera"), 0.2, 2.0, 0.05, 2, " m",
        QT_TRANSLATE_NOOP("CameraDock", "How far your eyes are from the camera: hands and gaze are placed relative to them."),
    ),
    "press": (
        QT_TRANSLATE_NOOP("CameraDock", "Pinch / grab starts at"), 0.3, 0.99, 0.05, 2, "",
        QT_TRANSLATE_NOOP("CameraDock", "Strength (0-1) at which a pinch or a grab begins."),
    ),
    "release": (
        QT_TRANSLATE_NOOP("CameraDock", "... and ends below"), 0.05, 0.9, 0.05, 2, "",
        QT_TRANSLATE_NOOP("CameraDock", "Strength (0-1) below which it ends: lower than the start, so it does not flicker."),
    ),
}  # fmt: skip
translate = QCoreApplication.translate

#: a 3 x 3 grid of targets in normalised device coordinates (x right, y up)
NINE_TARGETS: tuple[tuple[float, float], ...] = tuple(
    (x, y) for y in (0.7, 0.0, -0.7) for x in (-0.7, 0.0, 0.7)
)


def gaze_angles_in_head(frame: InputFrame) -> tuple[float, float]:
    """(yaw, pitch) in degrees of the frame's gaze in its head frame (right, up positive)."""
    d = quat_to_matrix(frame.head[3:7]).T @ np.asarray(frame.gaze.direction, dtype=np.float64)
    return math.degrees(math.atan2(d[0], -d[2])), math.degrees(
        math.asin(float(np.clip(d[1], -1.0, 1.0)))
    )


class StrengthBar(QWidget):
    """A 0-100 % bar for a pinch or grab strength.

    Not a QProgressBar: its ``setValue`` repaints synchronously, and in a window holding
    a QOpenGLWidget each such repaint composes the whole window again (measured here:
    9 ms a call, four bars at 15 Hz took half the GUI thread). ``set_value`` schedules
    an ordinary update, drawn with the rest of the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._value = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(80, self.fontMetrics().height() + 6)

    def value(self) -> int:
        return self._value

    def set_value(self, value: int) -> None:
        value = max(0, min(100, int(value)))
        if value != self._value:
            self._value = value
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        palette = self.palette()
        frame = self.rect().adjusted(0, 0, -1, -1)
        painter.fillRect(frame, palette.color(QPalette.ColorRole.Base))
        filled = frame.adjusted(0, 0, -round(frame.width() * (100 - self._value) / 100), 0)
        painter.fillRect(filled, palette.color(QPalette.ColorRole.Highlight))
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawRect(frame)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(frame, Qt.AlignmentFlag.AlignCenter, f"{self._value}%")
        painter.end()


class CameraPanel(QWidget):
    """Live state of webcam tracking: preview with landmarks, source, error, per-hand
    pinch / grab, gaze, rates."""

    calibrate_requested = Signal()
    #: (TrackerSettings field, new value) when the user edits a tracking setting
    tracking_changed = Signal(str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("camera_panel")
        layout = QVBoxLayout(self)
        self.preview = CameraPreview(self)
        layout.addWidget(self.preview, 1)
        self.status_label = QLabel(translate("CameraDock", "camera off"), self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        grid = QGridLayout()
        grid.addWidget(QLabel(translate("CameraDock", "pinch"), self), 0, 1)
        grid.addWidget(QLabel(translate("CameraDock", "grab"), self), 0, 2)
        self.hand_labels: list[QLabel] = []
        self.pinch_bars: list[StrengthBar] = []
        self.grab_bars: list[StrengthBar] = []
        for row, name in enumerate((translate("CameraDock", "left"), translate("CameraDock", "right")), start=1):
            label = QLabel(f"{name}: -", self)
            pinch, grab = StrengthBar(self), StrengthBar(self)
            grid.addWidget(label, row, 0)
            grid.addWidget(pinch, row, 1)
            grid.addWidget(grab, row, 2)
            self.hand_labels.append(label)
            self.pinch_bars.append(pinch)
            self.grab_bars.append(grab)
        layout.addLayout(grid)
        self.gaze_label = QLabel(translate("CameraDock", "gaze: -"), self)
        self.rate_label = QLabel("", self)
        self.calibrate_button = QPushButton(translate("CameraDock", "Calibrate gaze..."), self)
        self.calibrate_button.clicked.connect(self.calibrate_requested)
        for w in (self.gaze_label, self.rate_label, self.calibrate_button):
            layout.addWidget(w)
        box = QGroupBox(translate("CameraDock", "Tracking settings"), self)
        form = QFormLayout(box)
        self.tracking_boxes: dict[str, QDoubleSpinBox] = {}
        for name, (label, lo, hi, step, decimals, suffix, tip) in TRACKING_FIELDS.items():
            spin = QDoubleSpinBox(box)
            spin.setRange(lo, hi)
            spin.setSingleStep(step)
            spin.setDecimals(decimals)
            spin.setSuffix(suffix)
            spin.setToolTip(translate("CameraDock", tip))
            spin.setKeyboardTracking(False)  # one change per finished edit, not per digit
            spin.valueChanged.connect(lambda value, name=name: self._tracking_edited(name, value))
            form.addRow(translate("CameraDock", label), spin)
            self.tracking_boxes[name] = spin
        layout.addWidget(box)

    def set_tracking(self, values: dict[str, float]) -> None:
        """Show these tracking settings (no ``tracking_changed``)."""
        for name, value in values.items():
            spin = self.tracking_boxes.get(name)
            if spin is not None:
                spin.blockSignals(True)
                spin.setValue(value)
                spin.blockSignals(False)

    def _tracking_edited(self, name: str, value: float) -> None:
        # a pinch must end below where it starts: keep release under press
        press, release = self.tracking_boxes["press"], self.tracking_boxes["release"]
        if name == "press" and release.value() > value - 0.05:
            release.setValue(max(release.minimum(), value - 0.05))  # emits its own change
        elif name == "release" and value > press.value() - 0.05:
            release.blockSignals(True)
            release.setValue(press.value() - 0.05)
            release.blockSignals(False)
            value = release.value()
        self.tracking_changed.emit(name, value)

    def show_source(self, name: str) -> None:
        self.status_label.setText(translate("CameraDock", "tracking {name}").format(name=name))
        self.status_label.setStyleSheet("")

    def show_warning(self, message: str) -> None:
        """A source that plays but is not whole (a damaged video): the line, in orange."""
        self.status_label.setText(translate("CameraDock", "warning: {message}").format(message=message))
        self.status_label.setStyleSheet("color: #d08000")

    def show_error(self, message: str) -> None:
        """A failed camera: the one-line reason, in red (the session fell back to desktop)."""
        self.status_label.setText(message)
        self.status_label.setStyleSheet("color: #c0392b")
        self.preview.clear()

    def show_frame(self, frame: InputFrame) -> None:
        for h in (Hand.LEFT, Hand.RIGHT):
            hand = frame.hands[h]
            name = translate("CameraDock", "left" if h == Hand.LEFT else "right")
            state = translate("CameraDock", "tracked") if hand.tracked else "-"
            self.hand_labels[h].setText(f"{name}: {state}")
            self.pinch_bars[h].set_value(round(100 * hand.pinch) if hand.tracked else 0)
            self.grab_bars[h].set_value(round(100 * hand.grab) if hand.tracked else 0)
        if frame.gaze.confidence > 0:
            yaw, pitch = gaze_angles_in_head(frame)
            self.gaze_label.setText(
                translate("CameraDock", "gaze: yaw {yaw}°, pitch {pitch}° (confidence {confidence})").format(
                    yaw=f"{yaw:+.1f}", pitch=f"{pitch:+.1f}", confidence=f"{frame.gaze.confidence:.1f}")
            )
        else:
            self.gaze_label.setText(translate("CameraDock", "gaze: no face"))

    def show_rates(self, fps: float, latency_ms: float) -> None:
        self.rate_label.setText(translate("CameraDock", "{fps} frames/s, {ms} ms camera to input").format(
            fps=f"{fps:.1f}", ms=f"{latency_ms:.0f}"))


class GazeCalibrationDialog(QDialog):
    """Shows targets one after another; each stays ``dwell_ms``, then ``target_done``.

    ``target_done(index, x_ndc, y_ndc)`` fires at the end of each dwell (the app samples
    the gaze features then); ``all_done`` after the last target, and the dialog accepts.
    Esc cancels (rejects) without ``all_done``.
    """

    target_done = Signal(int, float, float)
    all_done = Signal()

    def __init__(
        self,
        targets: Sequence[tuple[float, float]] = NINE_TARGETS,
        dwell_ms: int = 1500,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("CameraDock", "Gaze calibration: look at each dot"))
        self.targets = list(targets)
        self.index = -1
        self._timer = QTimer(self)
        self._timer.setInterval(dwell_ms)
        self._timer.timeout.connect(self._next)
        self.resize(800, 600)

    def start(self) -> None:
        """Show the first target and start the dwell clock."""
        self.index = 0
        self._timer.start()
        self.update()

    def target_pixel(self, index: int) -> QPointF:
        """Where target ``index`` is drawn in this widget (NDC y is up, pixels go down)."""
        x, y = self.targets[index]
        return QPointF((x + 1.0) * 0.5 * self.width(), (1.0 - y) * 0.5 * self.height())

    def _next(self) -> None:
        x, y = self.targets[self.index]
        self.target_done.emit(self.index, x, y)
        self.index += 1
        if self.index >= len(self.targets):
            self._timer.stop()
            self.all_done.emit()
            self.accept()
            return
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self._timer.stop()
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(30, 30, 30))
        if 0 <= self.index < len(self.targets):
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 80, 40))
            painter.drawEllipse(self.target_pixel(self.index), 14.0, 14.0)
        painter.end()
