"""The headset device as the app runs it: ``devices.openxr.headset.HeadsetDevice`` given an
offscreen OpenGL context of its own (``app.display.offscreen``) and eyes drawn by the shared
renderer (``app.headset.eyes``), which a device cannot import itself.

The renderer and OpenGL are imported only when a headset session starts: the Device menu
builds a headset device to ask whether it can run, and that must not load them.
"""

from __future__ import annotations

from typing import Any

from devices.openxr.headset import HeadsetDevice, NoGLContext


def headset_device(scene: Any = None, passthrough: bool = False) -> HeadsetDevice:
    """The OpenXR headset with its eyes drawn by ``views.renderer.Renderer`` (see
    HeadsetDevice for ``scene`` and ``passthrough``)."""
    return HeadsetDevice(gl_context, eye_renderer, scene, passthrough)


def gl_context() -> Any:
    """A new offscreen OpenGL context, current; NoGLContext when there is none here."""
    from app.display.application import DisplayUnavailable
    from app.display.offscreen import offscreen_context

    try:
        return offscreen_context()
    except DisplayUnavailable as err:
        raise NoGLContext(str(err)) from err


def eye_renderer(scene: Any) -> Any:
    """An EyeRenderer drawing ``scene`` with a renderer of its own (in the current context)."""
    from app.headset.eyes import EyeRenderer
    from views.renderer import Renderer

    renderer = Renderer()
    renderer.set_scene(scene)
    return EyeRenderer(renderer)
