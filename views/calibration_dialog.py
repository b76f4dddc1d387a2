"""Device ▸ Calibrate the camera…: the live camera picture, which board, how many views are
kept and which parts of the picture they cover, then Calibrate and Save.

Only widgets: the window's camera calibration (app/window/camera_calibration.py) feeds it
pictures and counts, and runs the calibration when asked.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from views.qimage import array_to_image

translate = QCoreApplication.translate

#: the preview's width in pixels (the picture is scaled to it)
PREVIEW_WIDTH = 480


class CalibrationDialog(QDialog):
    """Signals: ``board_changed(spec)``, ``calibrate_requested()``, ``save_requested()``."""

    board_changed = Signal(str)
    calibrate_requested = Signal()
    save_requested = Signal()

    def __init__(self, board: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("CameraCalibration", "Calibrate the camera"))
        self.preview = QLabel(translate("CameraCalibration", "waiting for the camera…"))
        self.preview.setMinimumSize(PREVIEW_WIDTH, PREVIEW_WIDTH * 3 // 4)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.board = QLineEdit(board)
        self.board.setToolTip(translate("CameraCalibration", "chessboard:COLSxROWS[:SQUARE_MM] (inner corners) or "
                                        "charuco:COLSxROWS:SQUARE_MM:MARKER_MM:DICT"))
        self.board.editingFinished.connect(lambda: self.board_changed.emit(self.board.text().strip()))
        self.kept = QLabel("")
        self.coverage = QLabel("")
        self.coverage.setWordWrap(True)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        form = QFormLayout()
        form.addRow(translate("CameraCalibration", "Board"), self.board)
        form.addRow(translate("CameraCalibration", "Views kept"), self.kept)
        form.addRow(translate("CameraCalibration", "Coverage"), self.coverage)
        form.addRow(translate("CameraCalibration", "Result"), self.result)
        self.calibrate_button = QPushButton(translate("CameraCalibration", "&Calibrate"))
        self.calibrate_button.clicked.connect(self.calibrate_requested.emit)
        self.calibrate_button.setEnabled(False)  # until enough views are kept
        self.save_button = QPushButton(translate("CameraCalibration", "&Save camera file…"))
        self.save_button.clicked.connect(self.save_requested.emit)
        self.save_button.setEnabled(False)
        close = QPushButton(translate("CameraCalibration", "Close"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.calibrate_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview)
        layout.addLayout(form)
        layout.addLayout(buttons)

    def show_picture(self, bgr: np.ndarray) -> None:
        rgba = np.empty((*bgr.shape[:2], 4), np.uint8)
        rgba[..., :3] = bgr[..., ::-1]
        rgba[..., 3] = 255
        pixmap = QPixmap.fromImage(array_to_image(rgba))
        self.preview.setPixmap(pixmap.scaledToWidth(PREVIEW_WIDTH, Qt.TransformationMode.SmoothTransformation))

    def show_progress(self, kept: int, needed: int, covered: list[list[bool]], hint: str) -> None:
        """``covered``: 3 × 3 regions of the picture, True where a kept view has corners."""
        self.kept.setText(translate("CameraCalibration", "{kept} (at least {needed} to calibrate)").format(
            kept=kept, needed=needed))
        grid = "  ".join("".join("■" if c else "□" for c in row) for row in covered)
        self.coverage.setText(f"{grid}   {hint}")
        self.calibrate_button.setEnabled(kept >= needed)
