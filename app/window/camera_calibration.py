"""Device ▸ Calibrate the camera…: what ``xrjig calibrate`` does, live, from the running
camera (or a video played as one).

Five times a second the newest picture goes to a ViewCollector (devices/camera/
calibration.py), which keeps a view when the board is found and it differs from those kept.
The dialog shows the count and which ninths of the picture the kept views have covered,
with a hint towards an empty one: corners near the edges are what pin the lens distortion
down. Calibrate fits the camera; Save writes the camera file the person picks and makes it
this camera's calibration for desktop AR. Pictures stay in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from app.window.ar_mode import source_key
from devices.camera.boards import parse_board
from devices.camera.calibration import Calibration, ViewCollector, calibrate
from devices.camera.intrinsics import write_camera_file
from views.calibration_dialog import CalibrationDialog

translate = QCoreApplication.translate

if TYPE_CHECKING:
    from app.window.device_switcher import DeviceSwitcher

#: views needed before Calibrate is offered (OpenCV needs a few; more is better)
MIN_VIEWS = 5
DEFAULT_BOARD = "chessboard:9x6:25"
#: the picture's ninths, row by row, as the hint names them (translated when shown)
_REGIONS = (
    QT_TRANSLATE_NOOP("CameraCalibration", "top-left"), QT_TRANSLATE_NOOP("CameraCalibration", "top"),
    QT_TRANSLATE_NOOP("CameraCalibration", "top-right"), QT_TRANSLATE_NOOP("CameraCalibration", "left"),
    QT_TRANSLATE_NOOP("CameraCalibration", "centre"), QT_TRANSLATE_NOOP("CameraCalibration", "right"),
    QT_TRANSLATE_NOOP("CameraCalibration", "bottom-left"), QT_TRANSLATE_NOOP("CameraCalibration", "bottom"),
    QT_TRANSLATE_NOOP("CameraCalibration", "bottom-right"),
)


def coverage(image_points: list[np.ndarray], size: tuple[int, int]) -> list[list[bool]]:
    """Which of the picture's 3 × 3 regions hold a corner of some view."""
    grid = [[False] * 3 for _ in range(3)]
    w, h = size
    for points in image_points:
        cols = np.clip((points[:, 0] * 3 / w).astype(int), 0, 2)
        rows = np.clip((points[:, 1] * 3 / h).astype(int), 0, 2)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            grid[r][c] = True
    return grid


class CameraCalibration(QObject):
    """The Device menu's camera calibration (see module docstring)."""

    def __init__(self, switcher: DeviceSwitcher) -> None:
        super().__init__(switcher)
        self.switcher = switcher
        self.window = switcher.window
        self.action = QAction(translate("CameraCalibration", "Calibrate the &camera…"), self.window, triggered=self.open)
        self.dialog: CalibrationDialog | None = None
        self.collector: ViewCollector | None = None
        self.result: Calibration | None = None
        self._frames = 0
        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._take)

    def open(self) -> None:
        """Show the dialog (non-modal: the camera goes on)."""
        if self.dialog is None:
            board = str(self.window.settings.value("calibration/board", DEFAULT_BOARD))
            self.dialog = CalibrationDialog(board, self.window)
            self.dialog.board_changed.connect(self._board)
            self.dialog.calibrate_requested.connect(self.run)
            self.dialog.save_requested.connect(self.save)
            self.dialog.finished.connect(lambda _r: self._timer.stop())
            self._board(board)
        self.dialog.show()
        self._timer.start()

    def _board(self, spec: str) -> None:
        try:
            board = parse_board(spec)
        except ValueError as err:
            self.dialog.result.setText(str(err))
            return
        self.window.settings.setValue("calibration/board", spec)
        self.collector, self.result, self._frames = ViewCollector(board), None, 0
        self.dialog.result.setText("")
        self.dialog.save_button.setEnabled(False)

    def _take(self) -> None:
        camera = self.switcher.camera
        snapshot = camera.snapshot() if camera is not None else None
        if self.dialog is None or snapshot is None or self.collector is None:
            return
        image = snapshot.image
        self.dialog.show_picture(image)
        self._frames += 1
        try:
            self.collector.offer(f"frame {self._frames}", image, moved_only=True)
        except ValueError as err:  # the camera changed size: start over
            self.dialog.result.setText(str(err))
            self._board(self.dialog.board.text().strip())
            return
        views = self.collector.views
        size = self.collector.image_size or (image.shape[1], image.shape[0])
        grid = coverage([v.image_points for v in views], size)
        empty = [name for name, on in zip(_REGIONS, sum(grid, []), strict=True) if not on]
        if empty:
            hint = translate("CameraCalibration", "move the board to the {region}").format(
                region=translate("CameraCalibration", empty[0]))
        else:
            hint = translate("CameraCalibration", "every part of the picture is covered")
        self.dialog.show_progress(len(views), MIN_VIEWS, grid, hint)

    def run(self) -> Calibration | None:
        """Calibrate from the views kept so far; the result in the dialog."""
        if self.collector is None or len(self.collector.views) < MIN_VIEWS:
            return None
        try:
            self.result = calibrate(self.collector.views, self.collector.image_size)
        except (ValueError, RuntimeError) as err:
            self.dialog.result.setText(translate("CameraCalibration", "cannot calibrate: {error}").format(error=err))
            return None
        i = self.result.intrinsics
        text = translate("CameraCalibration", "fx {fx} px, fy {fy} px, centre ({cx}, {cy}); RMS {rms} px from {views} views").format(
            fx=f"{i.fx:.1f}", fy=f"{i.fy:.1f}", cx=f"{i.cx:.1f}", cy=f"{i.cy:.1f}", rms=f"{i.rms_px:.2f}", views=i.images_used)
        if i.rms_px > 1.0:
            text = translate("CameraCalibration", "{result} (over 1 px: check the board spec)").format(result=text)
        self.dialog.result.setText(text)
        self.dialog.save_button.setEnabled(True)
        return self.result

    def save(self, path: str | None = None) -> bool:
        """Write the camera file (asked for) and make it this camera's calibration."""
        camera = self.switcher.camera
        if self.result is None or camera is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.dialog, translate("CameraCalibration", "Save the camera file"),
                                                  "camera.yaml", translate("CameraCalibration", "Camera file (*.yaml *.yml)"))
            if not path:
                return False
        try:
            write_camera_file(path, self.result.intrinsics, "calibrated in the xrjig window")
        except OSError as err:
            self.window.show_error(translate("CameraCalibration", "{path}: cannot write the camera file ({error})").format(
                path=path, error=err.strerror or err))
            return False
        self.window.settings.setValue(source_key(camera.source), str(Path(path).resolve()))
        self.window.statusBar().showMessage(
            translate("CameraCalibration", "camera calibration saved to {path}; desktop AR uses it").format(path=path), 8000)
        return True

    def enable(self, camera: Any) -> None:
        self.action.setEnabled(camera is not None)
