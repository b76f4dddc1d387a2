"""The one place that chooses how OpenXR meets our OpenGL context.

OpenXR renders through a *graphics binding*: a struct naming the application's current
GL context, chained into ``xrCreateSession``. Which struct depends on the window system the
context lives in, so it is read from the context that is current when the session is made:

- EGL (``XR_MNDX_egl_enable``, Monado only; headless, no X server at all),
- Xlib/GLX (``XrGraphicsBindingOpenGLXlibKHR``) on Linux X11,
- Win32/WGL (``XrGraphicsBindingOpenGLWin32KHR``: HDC + HGLRC) on Windows, where most
  headsets run.

Native handles are read with ctypes from the system libraries rather than PyOpenGL, whose
platform (GLX or EGL) is fixed once per process and which pyopenxr switches to GLX on import.
The caller owns the context and must keep it alive and current on the thread that runs the
frame loop for as long as the session lives.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import xr

OPENGL_EXTENSION = "XR_KHR_opengl_enable"
EGL_EXTENSION = "XR_MNDX_egl_enable"

_GLX_FBCONFIG_ID = 0x8013
_GLX_SCREEN = 0x800C
_EGL_CONFIG_ID = 0x3028
_EGL_NONE = 0x3038


class BindingUnavailable(RuntimeError):
    """No current OpenGL context that this runtime can render with (``str``: why, in the
    lower-case clause style of devices.openxr.runtime.OpenXRError)."""


@dataclass
class GraphicsBinding:
    """A filled binding struct; ``pointer`` goes into ``XrSessionCreateInfo.next``.

    The struct must outlive the session (the runtime may keep the pointer), so keep this
    object referenced as long as the session exists.
    """

    kind: str  # "egl", "glx" or "wgl"
    struct: Any

    @property
    def pointer(self) -> ctypes.c_void_p:
        return ctypes.cast(ctypes.pointer(self.struct), ctypes.c_void_p)


def _library(name: str, soname: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(soname)
    except OSError:
        found = ctypes.util.find_library(name)
        return ctypes.CDLL(found) if found else None


#: kind -> (library name, soname, current-context function, current-display function)
_NATIVE = {
    "egl": ("EGL", "libEGL.so.1", "eglGetCurrentContext", "eglGetCurrentDisplay"),
    "glx": ("GL", "libGL.so.1", "glXGetCurrentContext", "glXGetCurrentDisplay"),
}


def _current(kind: str) -> tuple[ctypes.CDLL, int, int] | None:
    """(library, display, context) when a context of ``kind`` ("egl" or "glx") is current
    on this thread (Linux only)."""
    name, soname, get_context, get_display = _NATIVE[kind]
    lib = _library(name, soname) if sys.platform.startswith("linux") else None
    if lib is None:
        return None
    getattr(lib, get_context).restype = ctypes.c_void_p
    getattr(lib, get_display).restype = ctypes.c_void_p
    context = getattr(lib, get_context)()
    return (lib, getattr(lib, get_display)(), context) if context else None


def current_kind() -> str:
    """Which window-system API the current OpenGL context belongs to: "wgl", "egl" or "glx"."""
    if sys.platform == "win32":
        return "wgl"
    if _current("egl") is not None:
        return "egl"
    if _current("glx") is not None:
        return "glx"
    raise BindingUnavailable("no OpenGL context is current to render the headset view with")


def needed_extensions() -> list[str]:
    """The instance extensions the current context's kind of binding needs (call with the
    context current, before creating the instance)."""
    return [OPENGL_EXTENSION, EGL_EXTENSION] if current_kind() == "egl" else [OPENGL_EXTENSION]


def check_requirements(instance: xr.Instance, system: xr.SystemId) -> tuple[str, str]:
    """Call xrGetOpenGLGraphicsRequirementsKHR (the spec requires it before xrCreateSession)
    and check the current context's GL version against it; returns (minimum, maximum)."""
    from OpenGL import GL

    function = ctypes.cast(
        xr.get_instance_proc_addr(instance, "xrGetOpenGLGraphicsRequirementsKHR"),
        xr.PFN_xrGetOpenGLGraphicsRequirementsKHR,
    )
    requirements = xr.GraphicsRequirementsOpenGLKHR()
    result = xr.check_result(xr.Result(function(instance, system, ctypes.byref(requirements))))
    if result.is_exception():
        raise result
    low, high = (
        xr.Version(requirements.min_api_version_supported),
        xr.Version(requirements.max_api_version_supported),
    )
    have = (int(GL.glGetIntegerv(GL.GL_MAJOR_VERSION)), int(GL.glGetIntegerv(GL.GL_MINOR_VERSION)))
    if have < (low.major, low.minor):
        raise BindingUnavailable(
            f"the OpenXR runtime needs OpenGL {low.major}.{low.minor}; this context has {have[0]}.{have[1]}"
        )
    return f"{low.major}.{low.minor}", f"{high.major}.{high.minor}"


def graphics_binding(
    instance: xr.Instance, system: xr.SystemId, enabled: Iterable[str]
) -> GraphicsBinding:
    """The binding for the current context, after the graphics requirements call.
    ``enabled``: the instance's extensions, which must include what
    ``needed_extensions`` names (an EGL context cannot be bound without
    XR_MNDX_egl_enable: the runtime would fail with an opaque "function unsupported")."""
    enabled = set(enabled)
    missing = [name for name in needed_extensions() if name not in enabled]
    if missing:
        raise BindingUnavailable(
            f"the OpenXR instance was created without {', '.join(missing)}, which this OpenGL context needs"
        )
    check_requirements(instance, system)
    kind = current_kind()
    if kind == "egl":
        return _egl_binding()
    if kind == "glx":
        return _glx_binding()
    return _wgl_binding()


def _egl_binding() -> GraphicsBinding:
    current = _current("egl")
    assert current is not None
    egl, display, context = current
    egl.eglQueryContext.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    egl.eglChooseConfig.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    config_id, count, config = ctypes.c_int(), ctypes.c_int(), ctypes.c_void_p()
    egl.eglQueryContext(display, context, _EGL_CONFIG_ID, ctypes.byref(config_id))
    wanted = (ctypes.c_int * 3)(_EGL_CONFIG_ID, config_id.value, _EGL_NONE)
    egl.eglChooseConfig(display, wanted, ctypes.byref(config), 1, ctypes.byref(count))
    fields = dict(xr.GraphicsBindingEGLMNDX._fields_)
    struct = xr.GraphicsBindingEGLMNDX(
        get_proc_address=ctypes.cast(egl.eglGetProcAddress, xr.PFN_xrEglGetProcAddressMNDX),
        display=ctypes.cast(display, fields["display"]),
        config=ctypes.cast(config, fields["config"]) if count.value else None,
        context=ctypes.cast(context, fields["context"]),
    )
    return GraphicsBinding("egl", struct)


def _glx_binding() -> GraphicsBinding:
    current = _current("glx")
    assert current is not None
    gl, display, context = current
    gl.glXGetCurrentDrawable.restype = ctypes.c_ulong
    gl.glXQueryContext.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    gl.glXChooseFBConfig.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_int),
    ]
    gl.glXChooseFBConfig.restype = ctypes.POINTER(ctypes.c_void_p)
    gl.glXGetFBConfigAttrib.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    fbconfig_id, screen, count, visual = (
        ctypes.c_int(),
        ctypes.c_int(),
        ctypes.c_int(),
        ctypes.c_int(),
    )
    gl.glXQueryContext(display, context, _GLX_FBCONFIG_ID, ctypes.byref(fbconfig_id))
    gl.glXQueryContext(display, context, _GLX_SCREEN, ctypes.byref(screen))
    wanted = (ctypes.c_int * 3)(_GLX_FBCONFIG_ID, fbconfig_id.value, 0)
    configs = gl.glXChooseFBConfig(display, screen.value, wanted, ctypes.byref(count))
    fbconfig = configs[0] if configs and count.value else None
    if fbconfig:
        gl.glXGetFBConfigAttrib(display, fbconfig, 0x800B, ctypes.byref(visual))  # GLX_VISUAL_ID
    fields = dict(xr.GraphicsBindingOpenGLXlibKHR._fields_)
    struct = xr.GraphicsBindingOpenGLXlibKHR(
        x_display=ctypes.cast(display, fields["x_display"]),
        visualid=visual.value,
        glx_fbconfig=ctypes.cast(fbconfig, fields["glx_fbconfig"]) if fbconfig else None,
        glx_drawable=gl.glXGetCurrentDrawable(),
        glx_context=ctypes.cast(context, fields["glx_context"]),
    )
    return GraphicsBinding("glx", struct)


def _wgl_binding() -> GraphicsBinding:  # pragma: no cover - Windows only
    opengl32 = ctypes.WinDLL("opengl32")  # type: ignore[attr-defined]
    opengl32.wglGetCurrentDC.restype = ctypes.c_void_p
    opengl32.wglGetCurrentContext.restype = ctypes.c_void_p
    dc, context = opengl32.wglGetCurrentDC(), opengl32.wglGetCurrentContext()
    if not context:
        raise BindingUnavailable("no OpenGL context is current to render the headset view with")
    struct = xr.GraphicsBindingOpenGLWin32KHR(h_dc=dc, h_glrc=context)
    return GraphicsBinding("wgl", struct)
