"""An offscreen OpenGL 3.3 core context with a framebuffer object, for the render CLI,
benchmarks and GL tests: no window, same renderer.

Two ways to get the context: with an X display, a Qt QOffscreenSurface (Qt's own
``offscreen`` platform has no OpenGL here, PITFALLS.md); without one, EGL on Mesa's
surfaceless platform through PyOpenGL, so ``xrjig render`` and the report's heatmap also
work on a headless server. EGL has to be chosen before PyOpenGL loads its platform (the
first ``from OpenGL import GL``, e.g. by importing ``views.renderer``: PYOPENGL_PLATFORM is
read once per process, and without it and without DISPLAY PyOpenGL picks GLX). So callers
call ``prefer_egl_without_display()`` (or make the ``OffscreenTarget``) before importing
anything that imports OpenGL.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

import numpy as np

from app.display.application import DisplayUnavailable


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _loaded_gl_platform() -> str | None:
    """The module of the platform PyOpenGL loaded in this process ("OpenGL.platform.egl",
    "OpenGL.platform.glx", ...), None while it has not loaded one yet."""
    platform = getattr(sys.modules.get("OpenGL.platform"), "PLATFORM", None)
    return None if platform is None else type(platform).__module__


def prefer_egl_without_display() -> None:
    """Without a display, make PyOpenGL load its EGL platform (Mesa surfaceless) when it
    loads; call before the first import of ``OpenGL.GL``. No-op with a display, or when
    PyOpenGL already chose a platform (``_EglContext`` then says why it cannot help)."""
    if has_display() or _loaded_gl_platform() is not None:
        return
    os.environ["PYOPENGL_PLATFORM"] = "egl"
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")


class _QtContext:
    """A Qt context current on an offscreen surface (needs a window system)."""

    def __init__(self) -> None:
        from PySide6.QtGui import QOffscreenSurface, QOpenGLContext

        from app.display.application import ensure_gui_application, gl_format

        ensure_gui_application()
        self._context = QOpenGLContext()
        self._context.setFormat(gl_format())
        if not self._context.create():
            raise DisplayUnavailable("could not create an OpenGL 3.3 context on this display")
        self._surface = QOffscreenSurface()
        self._surface.setFormat(self._context.format())
        self._surface.create()
        self.make_current()

    def make_current(self) -> None:
        if not self._context.makeCurrent(self._surface):
            raise DisplayUnavailable("could not make the offscreen OpenGL context current")

    def close(self) -> None:
        self._context.doneCurrent()
        self._surface.destroy()


class _EglContext:
    """A surfaceless EGL context (Mesa), for machines without a window system."""

    def __init__(self) -> None:
        prefer_egl_without_display()
        loaded = _loaded_gl_platform()
        if loaded is not None and not loaded.endswith(".egl"):
            raise DisplayUnavailable(
                f"no display, and PyOpenGL was already loaded for {loaded.rsplit('.', 1)[-1].upper()} in this "
                "process (OpenGL.GL was imported before the offscreen context was made)"
            )
        os.environ["PYOPENGL_PLATFORM"] = "egl"
        os.environ.setdefault("EGL_PLATFORM", "surfaceless")
        from OpenGL import EGL

        self._egl = EGL
        self._display = EGL.eglGetDisplay(EGL.EGL_DEFAULT_DISPLAY)
        major, minor = EGL.EGLint(), EGL.EGLint()
        if not EGL.eglInitialize(self._display, ctypes.pointer(major), ctypes.pointer(minor)):
            raise DisplayUnavailable("no display and no EGL: set DISPLAY (for example run under `xvfb-run`)")
        attribs = (EGL.EGLint * 7)(
            EGL.EGL_SURFACE_TYPE, EGL.EGL_PBUFFER_BIT, EGL.EGL_RENDERABLE_TYPE, EGL.EGL_OPENGL_BIT,
            EGL.EGL_DEPTH_SIZE, 24, EGL.EGL_NONE,
        )  # fmt: skip
        config, count = EGL.EGLConfig(), EGL.EGLint()
        EGL.eglChooseConfig(self._display, attribs, ctypes.pointer(config), 1, ctypes.pointer(count))
        EGL.eglBindAPI(EGL.EGL_OPENGL_API)
        core = (EGL.EGLint * 7)(
            EGL.EGL_CONTEXT_MAJOR_VERSION, 3, EGL.EGL_CONTEXT_MINOR_VERSION, 3,
            EGL.EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL.EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL.EGL_NONE,
        )  # fmt: skip
        self._context = EGL.eglCreateContext(self._display, config, EGL.EGL_NO_CONTEXT, core) if count.value else None
        if not self._context:
            raise DisplayUnavailable("no display, and EGL offers no OpenGL 3.3 core context")
        self.make_current()

    def make_current(self) -> None:
        EGL = self._egl
        if not EGL.eglMakeCurrent(self._display, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE, self._context):
            raise DisplayUnavailable("could not make the EGL context current")

    def close(self) -> None:
        EGL = self._egl
        EGL.eglMakeCurrent(self._display, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE, EGL.EGL_NO_CONTEXT)
        EGL.eglDestroyContext(self._display, self._context)


def offscreen_context() -> _QtContext | _EglContext:
    """A current OpenGL 3.3 core context with no window: Qt's on a display, else EGL.
    The headset probe renders with it; ``close()`` it when done."""
    return _QtContext() if has_display() else _EglContext()


class OffscreenTarget:
    """A current GL context rendering into a width x height RGBA8 + depth framebuffer.

    Use as a context manager; ``render(draw)`` calls ``draw(framebuffer)`` and returns the
    pixels as (height, width, 4) uint8, top row first; ``render_with_depth(draw)`` also
    returns the depth buffer as (height, width) float32 window depth in [0, 1] (1: nothing
    drawn). With ``samples`` > 0 it draws into a multisampled framebuffer and resolves
    before reading (depth: one sample per pixel).
    """

    def __init__(self, width: int, height: int, samples: int = 4) -> None:
        self.width, self.height = width, height
        self._context = offscreen_context()
        from OpenGL import GL

        self._gl = GL
        self._resolve, self._resolve_buffers = self._framebuffer(0)
        if samples:
            self._draw, self._draw_buffers = self._framebuffer(samples)
        else:
            self._draw, self._draw_buffers = self._resolve, []

    def _framebuffer(self, samples: int) -> tuple[int, list[int]]:
        GL = self._gl
        fbo = int(GL.glGenFramebuffers(1))
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
        buffers = [int(b) for b in GL.glGenRenderbuffers(2)]
        for buffer, fmt, attachment in (
            (buffers[0], GL.GL_RGBA8, GL.GL_COLOR_ATTACHMENT0),
            (buffers[1], GL.GL_DEPTH24_STENCIL8, GL.GL_DEPTH_STENCIL_ATTACHMENT),
        ):
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, buffer)
            GL.glRenderbufferStorageMultisample(GL.GL_RENDERBUFFER, samples, fmt, self.width, self.height)
            GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, attachment, GL.GL_RENDERBUFFER, buffer)
        if GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER) != GL.GL_FRAMEBUFFER_COMPLETE:
            raise DisplayUnavailable(f"cannot create a {self.width}x{self.height} offscreen framebuffer")
        return fbo, buffers

    @property
    def framebuffer(self) -> int:
        """The framebuffer object to draw into."""
        return self._draw

    def make_current(self) -> None:
        self._context.make_current()

    def render(self, draw: Callable[[int], None]) -> np.ndarray:
        return self._render(draw, depth=False)[0]

    def render_with_depth(self, draw: Callable[[int], None]) -> tuple[np.ndarray, np.ndarray]:
        pixels, depth = self._render(draw, depth=True)
        assert depth is not None
        return pixels, depth

    def _render(self, draw: Callable[[int], None], depth: bool) -> tuple[np.ndarray, np.ndarray | None]:
        GL = self._gl
        self.make_current()
        draw(self._draw)
        w, h = self.width, self.height
        if self._draw != self._resolve:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._draw)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self._resolve)
            bits = GL.GL_COLOR_BUFFER_BIT | (GL.GL_DEPTH_BUFFER_BIT if depth else 0)
            GL.glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, bits, GL.GL_NEAREST)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._resolve)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        data = GL.glReadPixels(0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
        pixels = np.frombuffer(data, dtype=np.uint8).reshape(h, w, 4)[::-1].copy()  # GL's first row is the bottom one
        if not depth:
            return pixels, None
        data = GL.glReadPixels(0, 0, w, h, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT)
        z = np.frombuffer(data, dtype=np.float32).reshape(h, w)[::-1].copy()
        return pixels, z

    def close(self) -> None:
        GL = self._gl
        self.make_current()
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        for fbo, buffers in {(self._resolve, tuple(self._resolve_buffers)), (self._draw, tuple(self._draw_buffers))}:
            GL.glDeleteFramebuffers(1, [fbo])
            if buffers:
                GL.glDeleteRenderbuffers(len(buffers), list(buffers))
        self._context.close()

    def __enter__(self) -> OffscreenTarget:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
