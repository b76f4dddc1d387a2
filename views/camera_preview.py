"""The camera image as the tracker saw it, mirrored like a selfie, with the hands drawn on.

A plain view: ``app`` hands it the captured frame (a NumPy array it only reads, never
stores beyond the next frame and never writes anywhere) and the tracked hands' landmark
pixels. The image is mirrored because that is what a user facing a webcam expects to see
(their right hand on the right); the tracker reports landmarks in the mirrored image too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

#: MediaPipe's 21-landmark hand: wrist 0, then four points per digit from thumb to little
#: finger, plus the palm's knuckle line; pairs of landmark indices to draw as bones
HAND_BONES: tuple[tuple[int, int], ...] = (
    *((a, a + 1) for base in (1, 5, 9, 13, 17) for a in range(base, base + 3)),
    (0, 1), (0, 5), (5, 9), (9, 13), (13, 17), (0, 17),
)  # fmt: skip
#: the user's left and right hand (as in the hands table beside the preview)
HAND_COLOURS = {"left": QColor(80, 170, 255), "right": QColor(255, 160, 60)}
PINCH_COLOUR = QColor(60, 230, 90)


@dataclass(frozen=True)
class PreviewHand:
    """One tracked hand to draw: ``pixels`` (21, 2) in the mirrored image; state flags."""

    pixels: np.ndarray
    label: str
    pinching: bool = False
    grabbing: bool = False


class CameraPreview(QWidget):
    """Draws the last frame scaled to fit (aspect kept) and the hands' skeletons on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("camera_preview")
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._hands: tuple[PreviewHand, ...] = ()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(320, 240)

    def show_image(self, bgr: np.ndarray, hands: Sequence[PreviewHand] = ()) -> None:
        """A new (h, w, 3) uint8 BGR frame, as captured (this widget mirrors it)."""
        h, w = bgr.shape[:2]
        bgr = np.ascontiguousarray(bgr)
        image = QImage(bgr.data, w, h, bgr.strides[0], QImage.Format.Format_BGR888)
        self._image = image.flipped(Qt.Orientation.Horizontal)  # a copy: bgr is not kept
        self._hands = tuple(hands)
        self.update()

    def clear(self) -> None:
        """No camera: forget the last frame (nothing of it stays in memory)."""
        self._image, self._hands = None, ()
        self.update()

    def image_rect(self) -> QRectF:
        """Where the frame is drawn: fitted in the widget, centred, aspect kept."""
        if self._image is None:
            return QRectF()
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 20, 20))
        if self._image is None:
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             QCoreApplication.translate("CameraDock", "no camera image"))
            painter.end()
            return
        target = self.image_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale = target.width() / self._image.width()
        for hand in self._hands:
            self._draw_hand(painter, hand, target.topLeft(), scale)
        painter.end()

    @staticmethod
    def _draw_hand(painter: QPainter, hand: PreviewHand, origin: QPointF, scale: float) -> None:
        colour = HAND_COLOURS.get(hand.label, QColor(255, 255, 255))
        points = [QPointF(origin.x() + x * scale, origin.y() + y * scale) for x, y in hand.pixels]
        painter.setPen(QPen(colour, 3.0 if hand.grabbing else 2.0))
        for a, b in HAND_BONES:
            painter.drawLine(points[a], points[b])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        for p in points:
            painter.drawEllipse(p, 2.5, 2.5)
        if hand.pinching:  # the thumb and index tips light up while pinched
            painter.setBrush(PINCH_COLOUR)
            for i in (4, 8):
                painter.drawEllipse(points[i], 6.0, 6.0)
        state = QCoreApplication.translate("CameraDock", "grab" if hand.grabbing else "pinch") \
            if hand.grabbing or hand.pinching else ""
        painter.setPen(colour)
        wrist = points[0]
        painter.drawText(QPointF(wrist.x() + 6, wrist.y() + 16), f"{hand.label} {state}".strip())
