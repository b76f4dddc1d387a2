"""QImage <-> NumPy, for reading rendered pixels back (tests, render CLI, screenshots)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def image_to_array(image: QImage) -> np.ndarray:
    """QImage -> (h, w, 4) uint8 RGBA copy, top row first."""
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w = image.height(), image.width()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()


def array_to_image(rgba: np.ndarray) -> QImage:
    """(h, w, 4) uint8 RGBA -> QImage owning a copy of the pixels."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w = rgba.shape[:2]
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
