"""Texts pinned to world points, painted over the GL picture with QPainter.

The renderer stays text-free (the headset swapchains have no use for a 2-D painter); the
desktop viewport paints ``RenderState.labels`` after the GL frame: each label's point is
projected, and its box sits just right of and above it, kept inside the view.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from views.camera import project_points
from views.render_state import Label

_PAD = 5.0
_OFFSET = 14.0  # pixels from the point to the box


def paint_labels(
    painter: QPainter, labels: Sequence[Label], view: np.ndarray, proj: np.ndarray, width: int, height: int
) -> None:
    """Paint ``labels``, each box just right of and above its point, below any earlier box
    it would cover."""
    if not labels:
        return
    font = QFont(painter.font())
    font.setPointSizeF(max(font.pointSizeF(), 9.0))
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    points = np.array([lb.position for lb in labels], dtype=np.float64).reshape(-1, 3)
    in_front = (points @ np.asarray(view)[2, :3] + np.asarray(view)[2, 3]) < 0.0
    where = project_points(points, np.asarray(view), np.asarray(proj), width, height)
    boxes = []
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for label, (x, y, _), front in zip(labels, where, in_front, strict=True):
        if not front:
            continue
        text_w = max(metrics.horizontalAdvance(line) for line in label.lines)
        box_h = metrics.height() * len(label.lines) + 2 * _PAD
        box = QRectF(x + _OFFSET, y - _OFFSET - box_h, text_w + 2 * _PAD, box_h)
        box.moveLeft(min(max(box.left(), 2.0), width - box.width() - 2.0))
        box.moveTop(min(max(box.top(), 2.0), height - box.height() - 2.0))
        for _ in range(len(boxes)):  # below any box it would cover, so every label reads
            over = [b for b in boxes if b.intersects(box)]
            if not over:
                break
            box.moveTop(max(b.bottom() for b in over) + 2.0)
        r, g, b, a = label.rgba
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor.fromRgbF(r, g, b, a))
        painter.drawRoundedRect(box, 4.0, 4.0)
        painter.setPen(QPen(QColor.fromRgbF(r, g, b, 1.0), 1.0))
        painter.drawLine(QPointF(x, y), QPointF(box.left(), box.bottom()))
        painter.setPen(QColor(255, 255, 255) if _dark(label.rgba) else QColor(15, 15, 15))
        for i, line in enumerate(label.lines):
            baseline = box.top() + _PAD + metrics.ascent() + i * metrics.height()
            painter.drawText(QPointF(box.left() + _PAD, baseline), line)
        boxes.append(box)


def _dark(rgba: tuple[float, float, float, float]) -> bool:
    r, g, b, _ = rgba
    return 0.299 * r + 0.587 * g + 0.114 * b < 0.55
