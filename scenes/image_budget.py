"""One pixel budget for every image we decode (glTF and OBJ/PLY textures, tracked images).

An image's size on disk says nothing about its size in memory: a 1 MB PNG can hold
21000 x 21000 pixels (1.7 GB as RGBA). So the dimensions are read from the header first
(PIL reads only the header on ``Image.open``) and an image over the budget is refused
with one SceneError, before any pixel is decoded.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from scenes.model import SceneError

#: Largest image we decode, in pixels (an 8K texture; 256 MB as RGBA).
MAX_IMAGE_PIXELS = 8192 * 8192
#: formats whose header :func:`header_size` reads (others are checked once PIL opens them)
_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "PPM")


def over_budget(path: str | Path, what: str, width: int, height: int) -> SceneError | None:
    """The SceneError for an image of ``width`` x ``height`` pixels, or None if it fits."""
    if width * height <= MAX_IMAGE_PIXELS:
        return None
    return SceneError(
        path,
        f"{what} is {width}x{height} pixels, more than the limit of {MAX_IMAGE_PIXELS} pixels",
    )


def check_size(path: str | Path, what: str, width: int, height: int) -> None:
    """Raise the budget's SceneError when ``width`` x ``height`` is over it."""
    err = over_budget(path, what, width, height)
    if err is not None:
        raise err


def header_size(data: bytes | Path) -> tuple[int, int] | None:
    """(width, height) from an image's header (bytes or a file), or None if PIL does not
    recognise it. Nothing is decoded, and PIL's own decompression-bomb check is bypassed
    so that an oversized image still reports its dimensions."""
    Image.init()
    try:
        if isinstance(data, Path):
            with data.open("rb") as f:
                return _header_size(f)
        return _header_size(io.BytesIO(data))
    except OSError:
        return None


def _header_size(fp: BinaryIO) -> tuple[int, int] | None:
    prefix = fp.read(16)
    for fmt in _FORMATS:
        if fmt not in Image.OPEN:
            continue
        factory, accept = Image.OPEN[fmt]
        try:
            if accept is not None and not accept(prefix):
                continue
            fp.seek(0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                img = factory(fp, "")
            width, height = img.size
            return int(width), int(height)
        except Exception:  # noqa: BLE001 - any plugin failing just means "not this format"
            continue
    return None


def check_image(path: str | Path, what: str, data: bytes | Path) -> None:
    """Raise the budget's SceneError when ``data`` is an image over the pixel budget."""
    size = header_size(data)
    if size is not None:
        check_size(path, what, *size)
