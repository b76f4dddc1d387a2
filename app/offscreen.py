"""An offscreen OpenGL 3.3 core context with a framebuffer object, for the render CLI
and GL tests: no window, same renderer.

Qt's ``offscreen`` platform has no OpenGL on these machines (PITFALLS.md), so this
uses a QOffscreenSurface on the normal platform (xcb under Xvfb).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtGui import QOffscreenSurface, QOpenGLContext
from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat

from app.gui import DisplayUnavailable, ensure_gui_application, gl_format
from views.qimage import image_to_array


class OffscreenTarget:
    """A current GL context rendering into a width x height RGBA framebuffer object.

    Use as a context manager; ``render(draw)`` calls ``draw(framebuffer_handle)`` and
    returns the pixels as (height, width, 4) uint8, top row first.
    """

    def __init__(self, width: int, height: int, samples: int = 4) -> None:
        ensure_gui_application()
        self.width, self.height = width, height
        self._context = QOpenGLContext()
        self._context.setFormat(gl_format())
        if not self._context.create():
            raise DisplayUnavailable("could not create an OpenGL 3.3 context on this display")
        self._surface = QOffscreenSurface()
        self._surface.setFormat(self._context.format())
        self._surface.create()
        if not self._context.makeCurrent(self._surface):
            raise DisplayUnavailable("could not make the offscreen OpenGL context current")
        fmt = QOpenGLFramebufferObjectFormat()
        fmt.setAttachment(QOpenGLFramebufferObject.Attachment.Depth)
        fmt.setSamples(samples)
        self._fbo = QOpenGLFramebufferObject(width, height, fmt)

    def make_current(self) -> None:
        self._context.makeCurrent(self._surface)

    def render(self, draw: Callable[[int], None]) -> np.ndarray:
        self.make_current()
        draw(self._fbo.handle())
        return image_to_array(self._fbo.toImage())

    def close(self) -> None:
        self.make_current()
        del self._fbo
        self._context.doneCurrent()
        self._surface.destroy()

    def __enter__(self) -> OffscreenTarget:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

