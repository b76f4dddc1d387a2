"""Printable images of markers and boards, at a stated size and resolution.

A marker's printed side is part of every pose computed from it (a 5 % error in the side
is a 5 % error in the distance), so the images are made for a given physical size and
DPI, and the PNG writer records the DPI: printed at 100 % ("actual size", not "fit to
page") the black square measures what was asked. A caption under the quiet zone says
which marker or board it is and what it should measure, so a print can be checked with
a ruler.
"""

from __future__ import annotations

import numpy as np

from devices.camera.boards import BoardDetector, BoardSpec
from devices.camera.markers import cv2_module, dictionary_id, resolve_dictionary

#: resolutions a printer takes (dots per inch)
DPI_RANGE = (72, 1200)
MM_PER_INCH = 25.4
#: the largest image made, per side (pixels): a 1 m board at 200 DPI
MAX_PRINT_SIDE = 8192


def _px(mm: float, dpi: int) -> int:
    return max(1, round(mm / MM_PER_INCH * dpi))


def _check(width: int, height: int) -> None:
    if max(width, height) > MAX_PRINT_SIDE:
        raise ValueError(f"the image would be {width}x{height} pixels (more than {MAX_PRINT_SIDE} per side): lower --dpi")


def _caption(image: np.ndarray, text: str, top: int) -> None:
    """Write ``text`` in grey into the white band below row ``top``."""
    cv2 = cv2_module()
    band = image.shape[0] - top
    scale = max(0.3, band / 60.0)
    size, _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    while size[0] > image.shape[1] - 8 and scale > 0.2:
        scale *= 0.9
        size, _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    y = top + (band + size[1]) // 2
    cv2.putText(image, text, ((image.shape[1] - size[0]) // 2, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 110,
                max(1, round(scale * 1.5)), cv2.LINE_AA)


def marker_image(marker_id: int, dictionary: str, size_mm: float, dpi: int) -> np.ndarray:
    """(h, w) uint8: marker ``marker_id`` with a side of ``size_mm`` (outer edge of its black
    border), a white quiet zone of one cell around it and a caption below.
    ValueError for an id the dictionary does not have or an image too large."""
    cv2 = cv2_module()
    name = resolve_dictionary(dictionary)
    d = cv2.aruco.getPredefinedDictionary(dictionary_id(name))
    count = len(d.bytesList)
    if not 0 <= marker_id < count:
        raise ValueError(f"{name} has ids 0..{count - 1}, not {marker_id}")
    side = _px(size_mm, dpi)
    cells = d.markerSize + 2
    if side < cells:
        raise ValueError(f"{size_mm:g} mm at {dpi} DPI is {side} pixels: fewer than the marker's {cells} cells")
    quiet = max(_px(5.0, dpi), side // cells)
    caption = max(_px(6.0, dpi), 12)
    width, height = side + 2 * quiet, side + 2 * quiet + caption
    _check(width, height)
    image = np.full((height, width), 255, np.uint8)
    image[quiet : quiet + side, quiet : quiet + side] = cv2.aruco.generateImageMarker(d, marker_id, side, borderBits=1)
    _caption(image, f"{name} id {marker_id}: black square {size_mm:g} mm", quiet + side + quiet // 2)
    return image


def board_image(spec: BoardSpec, dpi: int) -> np.ndarray:
    """(h, w) uint8: the board at its real size, a 10 mm white margin and a caption.
    ValueError for a chessboard without a square size (nothing says how large to print)."""
    detector = BoardDetector(spec)
    size = detector.printed_size_m()
    if size is None:
        raise ValueError(f"board {spec.text!r} has no square size: give one to print it (e.g. chessboard:9x6:25)")
    width, height = _px(size[0] * 1000, dpi), _px(size[1] * 1000, dpi)
    margin, caption = _px(10.0, dpi), max(_px(6.0, dpi), 12)
    _check(width + 2 * margin, height + 2 * margin + caption)
    image = np.full((height + 2 * margin + caption, width + 2 * margin), 255, np.uint8)
    image[margin : margin + height, margin : margin + width] = detector.draw(width, height)
    _caption(image, f"{spec.text}: {size[0] * 1000:g} x {size[1] * 1000:g} mm", margin + height + margin // 2)
    return image
