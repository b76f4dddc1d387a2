"""Desktop AR's camera picture behind the scene: one texture, refilled per camera frame.

A webcam delivers 25-60 pictures a second of 640x480 to 1920x1080; allocating a texture
per picture (glTexImage2D) makes the driver reallocate storage each time, so the texture
is allocated once per picture size and refilled with glTexSubImage2D, and not at all when
the same picture (the same array object) is drawn again, as when the view repaints
faster than the camera delivers. BGR pictures
(OpenCV's order) are uploaded as they are (GL_BGR), without a conversion copy.

Lifecycle as the renderer's: ``initialize()`` with a context current, ``draw()`` per frame,
``release()`` with the context current.
"""

from __future__ import annotations

import numpy as np
from OpenGL import GL

from views import shaders
from views.gl_util import Program
from views.render_state import CameraBackdrop


class BackdropLayer:
    """Draws a CameraBackdrop's picture over the whole of the current GL viewport."""

    def __init__(self) -> None:
        self._program: Program | None = None
        self._vao = 0
        self._texture = 0
        self._size: tuple[int, int] | None = None
        #: the picture in the texture (held, so its identity cannot pass to a new array)
        self._image: np.ndarray | None = None
        #: texture uploads done (allocations + refills), for tests and benchmarks
        self.uploads = 0
        self.allocations = 0

    def initialize(self) -> None:
        self._program = Program(shaders.BACKDROP_VERTEX, shaders.BACKDROP_FRAGMENT)
        self._vao = int(GL.glGenVertexArrays(1))
        self._texture = int(GL.glGenTextures(1))
        GL.glBindTexture(GL.GL_TEXTURE_2D, self._texture)
        for name, value in (
            (GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR), (GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR),
            (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE), (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE),
        ):
            GL.glTexParameteri(GL.GL_TEXTURE_2D, name, value)
        self._size = self._image = None

    def release(self) -> None:
        if self._program is None:
            return
        self._program.release()
        GL.glDeleteVertexArrays(1, [self._vao])
        GL.glDeleteTextures(1, [self._texture])
        self._program, self._size, self._image = None, None, None

    def _upload(self, backdrop: CameraBackdrop) -> None:
        image = backdrop.image
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"a camera backdrop is (h, w, 3) uint8, got {image.shape} {image.dtype}")
        h, w = image.shape[:2]
        if self._size == (w, h) and image is self._image:
            return
        fmt = GL.GL_BGR if backdrop.bgr else GL.GL_RGB
        data = np.ascontiguousarray(image)
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        if self._size != (w, h):
            GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGB8, w, h, 0, fmt, GL.GL_UNSIGNED_BYTE, data)
            self._size = (w, h)
            self.allocations += 1
        else:
            GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, w, h, fmt, GL.GL_UNSIGNED_BYTE, data)
        self._image = image
        self.uploads += 1

    def draw(self, backdrop: CameraBackdrop) -> None:
        """The picture over the current viewport; depth is neither tested nor written, so
        the scene drawn next covers it wherever it has a surface."""
        if self._program is None:
            self.initialize()
        assert self._program is not None
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self._texture)
        self._upload(backdrop)
        GL.glDisable(GL.GL_DEPTH_TEST)
        GL.glDisable(GL.GL_BLEND)
        GL.glDisable(GL.GL_CULL_FACE)
        GL.glDepthMask(GL.GL_FALSE)
        self._program.use()
        self._program.set_int("u_image", 0)
        GL.glBindVertexArray(self._vao)
        GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        GL.glBindVertexArray(0)
        GL.glDepthMask(GL.GL_TRUE)
        GL.glEnable(GL.GL_DEPTH_TEST)
