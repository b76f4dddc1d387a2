"""Qt application set-up shared by the GUI, the render command and GL tests.

Two things must happen before the first QApplication exists: OpenCV's Qt variables
(set when cv2 was imported, pointing at its own Qt 5 plugins) are removed, and the
default surface format asks for OpenGL 3.3 core with a depth buffer, because
QOpenGLWidget and QOpenGLContext pick it up at creation.
"""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext, QSurfaceFormat
from PySide6.QtWidgets import QApplication

ORGANIZATION = "xrjig"
APPLICATION = "xrjig"


class DisplayUnavailable(RuntimeError):
    """No window system to open a window or an OpenGL context on."""


def gl_format(samples: int = 0) -> QSurfaceFormat:
    fmt = QSurfaceFormat()
    fmt.setVersion(3, 3)
    fmt.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    fmt.setDepthBufferSize(24)
    fmt.setStencilBufferSize(8)
    fmt.setSamples(samples)
    return fmt


def prepare_qt(samples: int = 0) -> None:
    """Clean OpenCV's Qt variables and set the default GL format (before any QApplication)."""
    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        if "cv2" in os.environ.get(name, ""):
            del os.environ[name]
    if sys.platform.startswith("linux"):
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            raise DisplayUnavailable(
                "no display: set DISPLAY (for example run under `xvfb-run`) to open a window or an OpenGL context"
            )
        # Qt's offscreen platform has no OpenGL here (PITFALLS.md); use the X server
        if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
            os.environ["QT_QPA_PLATFORM"] = "xcb"
    QSurfaceFormat.setDefaultFormat(gl_format(samples))


def create_application(argv: list[str] | None = None, samples: int = 4) -> QApplication:
    """The QApplication (created once), with names used by QSettings.

    Multisampling is dropped on software OpenGL (Mesa llvmpipe), where 4x MSAA costs
    about 2.5x the frame time; on a GPU it is close to free.
    """
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    prepare_qt(samples)
    app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    _install_language(app)
    if samples and is_software_gl():
        QSurfaceFormat.setDefaultFormat(gl_format(0))
    return app


#: the translators of the interface language, kept alive as long as the application
_TRANSLATORS: list = []


def _install_language(app: QApplication) -> None:
    """Translate the interface into the chosen language (app.display.language); a missing
    catalogue leaves it in English with one log line."""
    from PySide6.QtCore import QSettings

    from app.display.language import current_language, install_language

    language = current_language(QSettings(ORGANIZATION, APPLICATION))
    try:
        _TRANSLATORS.extend(install_language(app, language))
    except FileNotFoundError as err:
        logging.getLogger(__name__).warning("%s; the interface stays in English", err)


def is_software_gl() -> bool:
    """True when the OpenGL implementation renders on the CPU (llvmpipe, softpipe, swrast)."""
    context = QOpenGLContext()
    context.setFormat(gl_format(0))
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    if not context.create() or not context.makeCurrent(surface):
        return False
    from OpenGL import GL

    renderer = (GL.glGetString(GL.GL_RENDERER) or b"").decode(errors="replace").lower()
    context.doneCurrent()
    surface.destroy()
    return any(name in renderer for name in ("llvmpipe", "softpipe", "swrast"))


def ensure_gui_application() -> QGuiApplication:
    """A QGuiApplication for offscreen GL when no QApplication runs (render CLI)."""
    existing = QGuiApplication.instance()
    if isinstance(existing, QGuiApplication):
        return existing
    prepare_qt(0)
    return QGuiApplication([sys.argv[0]])
