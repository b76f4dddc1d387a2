"""Headset mode: the OpenXR device with its eyes drawn by a renderer it is given, as one
Device the session ticks (``xrjig FILE --device openxr``; built by ``app.headset.device``).

Each ``poll(t)`` is one headset frame: xrWaitFrame (the runtime paces the session here, so
the engine ticks once per displayed frame), the input read at the frame's *predicted
display time* (which also stamps the InputFrame), then both eyes drawn and the frame
submitted. The eyes show the render state of the step before (the engine steps after
``poll`` returns); the view itself uses the head pose predicted for this frame, so head
motion adds no latency, only scene changes show one frame (11 ms at 90 Hz) later.

Where the GL context comes from: a context of its own on an offscreen surface (the app
passes ``app.display.offscreen.offscreen_context``), not the viewport's. The runtime keeps
the context named in the graphics binding for the whole session, while a QOpenGLWidget's
context is Qt's to manage: it is made current only around paintGL and is destroyed and
recreated when the widget moves to another top-level window (docking, full screen), which
would pull it from under the session. Its own context costs one more upload of the scene
(a second Renderer), and the desktop viewport then mirrors the participant by drawing the
same scene from the head pose rather than copying an eye image across contexts.

Devices never import views or Qt, so both the GL context and the eye renderer come from
the app as factories (``gl_context``, ``eyes``) called when the session starts. OpenXR is
imported inside the methods: the window imports this module for every session, and
loading the OpenXR loader is for sessions that use it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from interaction.frame import InputFrame

log = logging.getLogger(__name__)

_HANDS = {"left": 0, "right": 1}
#: engine events that pulse the controller of the hand concerned: (strength, seconds)
HAPTIC_EVENTS = {
    "SNAP": (0.6, 0.06),
    "WRONG_PART": (1.0, 0.15),
    "WRONG_ORDER": (1.0, 0.15),
    "RELEASE_OUT_OF_TOLERANCE": (0.8, 0.1),
    "COLLISION_START": (0.4, 0.05),
}


#: the height a bench-sized task is put at in VR by default: a typical industrial
#: workbench top, for a standing participant (m; Device ▸ Workbench height changes it)
WORKBENCH_HEIGHT = 0.9
#: a task taller than this, or already this high off the floor, stands where it is (m)
BENCH_TASK_MAX_HEIGHT = 0.8


def workbench_lift(task_bounds: Any, height: float = WORKBENCH_HEIGHT) -> float:
    """How far to raise the scene in VR so that a bench-sized task lying on the scene's
    floor (an assembly on a tray, a part to inspect) is at workbench height instead of at
    the participant's feet; 0 for machinery taller than a bench, or a task that is already
    off the floor (placed there on purpose). ``task_bounds``: (2, 3) world box, or None;
    ``height``: where the task's lowest point goes (m)."""
    if task_bounds is None:
        return 0.0
    low, high = float(task_bounds[0][1]), float(task_bounds[1][1])
    if high - low > BENCH_TASK_MAX_HEIGHT or low > BENCH_TASK_MAX_HEIGHT:
        return 0.0
    return height - low


class NoGLContext(RuntimeError):
    """What ``gl_context`` raises when it cannot make a context; the message says why."""


class GLContext(Protocol):
    """An OpenGL context the headset draws with (what app.display.offscreen.offscreen_context
    returns)."""

    def make_current(self) -> None: ...

    def close(self) -> None: ...


class Eyes(Protocol):
    """What draws both eyes (app.headset.eyes.EyeRenderer): the frame loop calls it once per
    eye with a frame_loop.EyeView, in the headset's GL context."""

    #: the render state drawn (overlays, highlights), set every frame
    state: Any
    #: the runtime blends the image over the real world (AR)
    passthrough: bool

    def __call__(self, eye: Any) -> None: ...

    def set_scene(self, scene: Any) -> None:
        """Draw ``scene`` from now on (uploads it unless it is the one drawn already)."""
        ...

    def release(self) -> None:
        """Free the GL resources (context current)."""
        ...


class HeadsetDevice:
    """OpenXRDevice + its GL context + swapchains + eye renderer, as a Device (see module
    docstring). ``gl_context()`` returns a new current GL context or raises NoGLContext;
    ``eyes(scene)`` returns the Eyes that draw ``scene`` (called with that context current).
    ``scene`` is uploaded to the headset renderer; ``passthrough`` asks for an AR blend mode
    (the scene drawn over the real world) where the headset offers one."""

    name = "openxr"
    #: polled on the GUI thread: its frame loop paces the session with the GL context there
    ticks_on_gui_thread = True
    #: the participant looks at the headset's own display: the window mirrors it
    has_own_display = True

    def __init__(
        self,
        gl_context: Callable[[], GLContext],
        eyes: Callable[[Any], Eyes],
        scene: Any = None,
        passthrough: bool = False,
    ) -> None:
        from devices.openxr.binding import OPENGL_EXTENSION
        from devices.openxr.device import OpenXRDevice

        self._make_context = gl_context
        self._make_eyes = eyes
        self.scene = scene
        self.passthrough = passthrough
        # GLX or WGL until start() sees the context (an EGL one also needs XR_MNDX_egl_enable)
        self.xr = OpenXRDevice(
            graphics_extensions=(OPENGL_EXTENSION,), graphics_binding=self._binding
        )
        self.error: str | None = None
        self._context: GLContext | None = None
        self._graphics: Any = None  # the binding struct must outlive the session
        self._loop: Any = None
        #: the eye renderer while a session runs, else None
        self.eyes: Eyes | None = None
        self._xr_t0: int | None = None
        self._frame: InputFrame | None = None
        #: headset frames submitted with a projection layer (for the status bar and tests)
        self.frames_submitted = 0
        #: the last headset frame (per-eye draw times) and the time its input read took
        self.last_result: Any = None
        self.input_seconds = 0.0

    # -- Device protocol ----------------------------------------------------------------
    @property
    def available(self) -> bool:
        return self.xr.available

    @property
    def why_not(self) -> str:
        return self.xr.why_not

    @property
    def state_name(self) -> str:
        """The OpenXR session state, for the desktop ("FOCUSED", "VISIBLE", ...)."""
        return self.xr.state.name

    def start(self) -> None:
        self.error = None
        try:
            self._context = self._make_context()
        except NoGLContext as err:
            self.error = f"no OpenGL context for the headset: {err}"
            return
        from devices.openxr.binding import needed_extensions

        self.xr.graphics_extensions = tuple(needed_extensions())
        self.xr.start()  # creates the session through self._binding, with our context current
        if self.xr.error:
            self._fail(self.xr.error)
            return
        try:
            self._open_frame_loop()
        except Exception as err:  # noqa: BLE001 - any swapchain/GL failure ends headset mode with a sentence
            self._fail(f"cannot draw into the headset: {err}")

    def _binding(self, runtime: Any) -> Any:
        from devices.openxr import binding
        from devices.openxr.runtime import OpenXRError

        try:
            self._graphics = binding.graphics_binding(
                runtime.instance, runtime.system_id, runtime.enabled
            )
        except binding.BindingUnavailable as err:
            raise OpenXRError(str(err)) from err  # the device reports it; the session falls back
        return self._graphics.pointer

    def _open_frame_loop(self) -> None:
        from devices.openxr.frame_loop import FrameLoop

        runtime, spaces = self.xr.runtime, self.xr.spaces
        assert runtime is not None and spaces is not None
        self._loop = FrameLoop(
            runtime.instance, runtime.system_id, self.xr.session, spaces.base, self.passthrough
        )
        self.eyes = self._make_eyes(self.scene)
        self._apply_passthrough()

    def stop(self) -> None:
        if self._context is not None:
            self._context.make_current()
            if self._loop is not None:
                self._loop.close()
            if self.eyes is not None:
                self.eyes.release()
        self._loop = self.eyes = None
        self.xr.stop()
        if self._context is not None:
            self._context.close()
            self._context = None

    def poll(self, t: float) -> InputFrame:
        """One headset frame (see module docstring); the frame's ``t`` is session time at
        the predicted display time."""
        xr = self.xr
        if self._loop is None or xr.runtime is None:
            return xr.poll(t)
        self._context.make_current()
        xr.pump_events()
        if xr.error:
            self._fail(xr.error)
            return xr.poll(t)
        if not xr.lifecycle.frame_loop_allowed:
            return xr.poll(t)
        self._frame = None
        self._loop.space = xr.spaces.base  # recentring replaces the floor space
        from OpenGL.error import Error as GLError
        from xr.exception import XrException

        from devices.openxr.runtime import explain

        try:
            result = self._loop.frame(self.eyes, lambda xr_time: self._read_input(t, xr_time))
        except (XrException, GLError, RuntimeError) as err:  # session lost mid-frame
            self._fail(explain(err))
            return InputFrame(t=t)
        self.last_result = result
        self.frames_submitted += result.submitted_layer
        if xr.error:
            self._fail(xr.error)
        return self._frame if self._frame is not None else InputFrame(t=t)

    def _read_input(self, t: float, xr_time: int) -> None:
        if self._xr_t0 is None:
            self._xr_t0 = xr_time - int(t * 1e9)  # session time and XrTime agree from here on
        started = time.perf_counter()
        self._frame = self.xr.poll_at((xr_time - self._xr_t0) / 1e9, xr_time)
        self.input_seconds = time.perf_counter() - started

    def _fail(self, message: str) -> None:
        log.warning("headset mode ended: %s", message)
        self.error = message
        self.stop()

    # -- from the app -------------------------------------------------------------------
    def show(self, scene: Any, state: Any) -> None:
        """The scene and render state the eyes draw from the next frame on (a new scene
        uploads at that frame, in the headset's context)."""
        self.scene = scene
        if self.eyes is not None:
            self.eyes.set_scene(scene)
            self.eyes.state = state

    def set_scene_lift(self, lift: float) -> None:
        """Raise the scene ``lift`` metres above the floor (see ``workbench_lift``)."""
        self.xr.set_scene_lift(lift)

    def set_passthrough(self, on: bool) -> None:
        """Run as AR (the scene over the real world, where the headset can) or as VR."""
        if on != self.passthrough:
            self.passthrough = on
            if self._loop is not None:
                self._loop.set_passthrough(on)
                self._apply_passthrough()

    def _apply_passthrough(self) -> None:
        # see-through blend modes get a transparent background and no floor grid
        self.eyes.passthrough = self._loop.blend_mode.name != "OPAQUE"

    def pulse_for(self, events: list[Any]) -> None:
        """Haptic feedback for engine events: a snap, a wrong part or order, a release out
        of tolerance, a collision, on the controller of the hand concerned."""
        for event in events:
            if event.kind in HAPTIC_EVENTS and event.hand in _HANDS:
                strength, seconds = HAPTIC_EVENTS[event.kind]
                self.xr.pulse(_HANDS[event.hand], strength, seconds)
