"""The OpenXR runtime: instance, system and session, created and destroyed in order.

``XrRuntime`` enables only the extensions the runtime offers (hand tracking, eye gaze,
time conversion, local-floor, and the graphics extension the caller's binding asks for;
``XR_MND_headless`` for input-only sessions), queries the system once into a
``RuntimeInfo`` for the CLI and the desktop, and creates the session with the caller's
graphics-binding structure as ``next`` (None: a headless session). ``close()`` destroys
session then instance; a context manager does it for you.

Every OpenXR failure that reaches the user becomes ``OpenXRError`` with one sentence
(``explain``): no runtime installed, runtime service not running, no headset, session lost.
"""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import xr

from devices.camera.tracker import quiet_native_stderr
from devices.openxr.lifecycle import SESSION_LOST

#: extensions used when the runtime offers them (the graphics one comes from the caller)
OPTIONAL_EXTENSIONS = (
    "XR_EXT_hand_tracking",
    "XR_EXT_eye_gaze_interaction",
    "XR_EXT_local_floor",
    "XR_EXT_hand_interaction",
    "XR_EXT_hp_mixed_reality_controller",
)
TIME_EXTENSION = (
    "XR_KHR_win32_convert_performance_counter_time"
    if sys.platform == "win32"
    else "XR_KHR_convert_timespec_time"
)
HEADLESS_EXTENSION = "XR_MND_headless"
APP_NAME = "xrjig"


class OpenXRError(RuntimeError):
    """An OpenXR failure, told in one sentence for the user (``str(err)``): lower-case,
    no final period, so it reads inside the app's messages ("openxr device failed (...)")."""


def explain(err: BaseException) -> str:
    """One sentence for the user about an OpenXR exception (other errors: their text)."""
    if not isinstance(err, xr.exception.XrException):
        return str(err)
    if isinstance(err, xr.exception.RuntimeUnavailableError):
        return (
            "no OpenXR runtime is installed or active: install SteamVR, Meta Quest Link, "
            "Monado or your headset's runtime and make it the active OpenXR runtime"
        )
    if isinstance(err, xr.exception.RuntimeFailureError):
        return (
            "the OpenXR runtime is installed but not running: start its service or app, "
            "such as SteamVR or monado-service, and try again"
        )
    if isinstance(
        err, (xr.exception.FormFactorUnavailableError, xr.exception.FormFactorUnsupportedError)
    ):
        return "the OpenXR runtime sees no headset: connect it and switch it on"
    if isinstance(err, (xr.exception.SessionLostError, xr.exception.InstanceLostError)):
        return SESSION_LOST
    return f"OpenXR failed with {type(err).__name__}: {err}"


def _xr_call(fn: Any, *args: Any) -> Any:
    """Call a pyopenxr function, turning its exceptions into OpenXRError. The loader and
    the runtime print their own diagnostics on stderr (the fd, not Python's sys.stderr)
    while loading; they are silenced: the user gets ``explain``'s sentence instead."""
    try:
        with quiet_native_stderr():
            return fn(*args)
    except xr.exception.XrException as err:
        raise OpenXRError(explain(err)) from err


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def offered_extensions() -> list[str]:
    """Extension names the active runtime offers. Raises OpenXRError without a runtime."""
    props = _xr_call(xr.enumerate_instance_extension_properties)
    return [_text(p.extension_name) for p in props]


def choose_extensions(
    offered: Sequence[str] | set[str], graphics_extensions: Sequence[str] = ()
) -> list[str]:
    """The extensions to enable: the wanted ones the runtime offers, in a stable order.

    ``graphics_extensions`` empty asks for a headless session (``XR_MND_headless``).
    A graphics extension the runtime lacks is an OpenXRError: no session could render.
    """
    offered = set(offered)
    wanted = [e for e in (*OPTIONAL_EXTENSIONS, TIME_EXTENSION) if e in offered]
    if not graphics_extensions:
        if HEADLESS_EXTENSION in offered:
            wanted.append(HEADLESS_EXTENSION)
        return wanted
    missing = [e for e in graphics_extensions if e not in offered]
    if missing:
        raise OpenXRError(
            f"the OpenXR runtime does not support {', '.join(missing)}, which xrjig needs "
            "to draw into the headset"
        )
    return wanted + [e for e in graphics_extensions if e not in wanted]


@dataclass(frozen=True)
class RuntimeInfo:
    """What the runtime and its system say about themselves (for the CLI and the UI)."""

    runtime_name: str
    runtime_version: str
    system_name: str
    vendor_id: int
    extensions: tuple[str, ...]
    enabled_extensions: tuple[str, ...]
    hand_tracking: bool
    eye_gaze: bool
    orientation_tracking: bool
    position_tracking: bool
    blend_modes: tuple[str, ...]
    view_configurations: tuple[str, ...]
    #: recommended (width, height) per view of the primary stereo configuration
    view_sizes: tuple[tuple[int, int], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _chain_system_property(instance: xr.Instance, system_id: Any, struct: Any) -> Any:
    """Fill an extension's system-property struct by chaining it to xrGetSystemProperties."""
    props = xr.SystemProperties(next=ctypes.cast(ctypes.pointer(struct), ctypes.c_void_p))
    fn = ctypes.cast(
        xr.get_instance_proc_addr(instance, "xrGetSystemProperties"), xr.PFN_xrGetSystemProperties
    )
    result = xr.check_result(xr.Result(fn(instance, system_id, ctypes.byref(props))))
    if result.is_exception():
        raise result
    return struct


class XrRuntime:
    """Instance + system (+ session); see the module docstring.

    ``graphics_extensions``: what the graphics binding needs (e.g. ["XR_KHR_opengl_enable"],
    plus "XR_MNDX_egl_enable" for EGL); empty for a headless session.
    Raises OpenXRError (one sentence) when there is no runtime, service or headset.
    """

    def __init__(self, graphics_extensions: Sequence[str] = (), app_name: str = APP_NAME) -> None:
        self.session: xr.Session | None = None
        self.instance: xr.Instance | None = None
        self.extensions = offered_extensions()
        self.enabled = choose_extensions(self.extensions, graphics_extensions)
        self.graphics_extensions = tuple(graphics_extensions)
        self.instance = _xr_call(
            xr.create_instance,
            xr.InstanceCreateInfo(
                application_info=xr.ApplicationInfo(
                    application_name=app_name,
                    application_version=1,
                    engine_name=app_name,
                    engine_version=1,
                    api_version=xr.Version(1, 0, 0),
                ),
                enabled_extension_names=self.enabled,
            ),
        )
        try:
            self.system_id = _xr_call(
                xr.get_system,
                self.instance,
                xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY),
            )
            self.info = self._query_system()
        except BaseException:
            self.close()
            raise
        self._to_xr_time = self._time_converter()

    # -- system -------------------------------------------------------------------------
    def _query_system(self) -> RuntimeInfo:
        inst, sid = self.instance, self.system_id
        ip = xr.get_instance_properties(inst)
        props = xr.get_system_properties(inst, sid)
        hand = eye = False
        if "XR_EXT_hand_tracking" in self.enabled:
            ht = _chain_system_property(inst, sid, xr.SystemHandTrackingPropertiesEXT())
            hand = bool(ht.supports_hand_tracking)
        if "XR_EXT_eye_gaze_interaction" in self.enabled:
            eg = _chain_system_property(inst, sid, xr.SystemEyeGazeInteractionPropertiesEXT())
            eye = bool(eg.supports_eye_gaze_interaction)
        configs = list(xr.enumerate_view_configurations(inst, sid))
        stereo = xr.ViewConfigurationType.PRIMARY_STEREO
        blend: list[str] = []
        sizes: list[tuple[int, int]] = []
        if stereo in [xr.ViewConfigurationType(c) for c in configs]:
            blend = [
                xr.EnvironmentBlendMode(b).name
                for b in xr.enumerate_environment_blend_modes(inst, sid, stereo)
            ]
            sizes = [
                (v.recommended_image_rect_width, v.recommended_image_rect_height)
                for v in xr.enumerate_view_configuration_views(inst, sid, stereo)
            ]
        return RuntimeInfo(
            runtime_name=_text(ip.runtime_name),
            runtime_version=str(xr.Version(ip.runtime_version)),
            system_name=_text(props.system_name),
            vendor_id=int(props.vendor_id),
            extensions=tuple(sorted(self.extensions)),
            enabled_extensions=tuple(self.enabled),
            hand_tracking=hand,
            eye_gaze=eye,
            orientation_tracking=bool(props.tracking_properties.orientation_tracking),
            position_tracking=bool(props.tracking_properties.position_tracking),
            blend_modes=tuple(blend),
            view_configurations=tuple(xr.ViewConfigurationType(c).name for c in configs),
            view_sizes=tuple(sizes),
        )

    # -- session ------------------------------------------------------------------------
    def create_session(self, graphics_binding: Any = None) -> xr.Session:
        """Create the session. ``graphics_binding``: the binding structure (e.g.
        ``xr.GraphicsBindingOpenGLXlibKHR``) or a pointer to it; None for headless, which
        needs ``XR_MND_headless`` (input only: Monado runs no frame loop without graphics).
        """
        if self.session is not None:
            raise OpenXRError("an OpenXR session is already running")
        if graphics_binding is None and HEADLESS_EXTENSION not in self.enabled:
            raise OpenXRError(
                "this OpenXR runtime needs a graphics binding for every session: "
                "it does not offer XR_MND_headless"
            )
        nxt = None
        if graphics_binding is not None:
            nxt = (
                graphics_binding
                if isinstance(graphics_binding, (ctypes.c_void_p, int))
                else ctypes.cast(ctypes.pointer(graphics_binding), ctypes.c_void_p)
            )
        self.session = _xr_call(
            xr.create_session,
            self.instance,
            xr.SessionCreateInfo(system_id=self.system_id, next=nxt),
        )
        return self.session

    def destroy_session(self) -> None:
        """Destroy the session (keeps the instance). Safe when there is none."""
        session, self.session = self.session, None
        if session is not None:
            try:
                xr.destroy_session(session)
            except xr.exception.XrException:
                pass  # a lost session may refuse; the instance teardown frees it anyway

    def close(self) -> None:
        """Destroy session and instance; safe to call twice and after a loss."""
        self.destroy_session()
        instance, self.instance = self.instance, None
        if instance is not None:
            try:
                xr.destroy_instance(instance)
            except xr.exception.XrException:
                pass  # the runtime is gone: nothing is left to free

    def __enter__(self) -> XrRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ------------------------------------------------------------------------
    def proc(self, name: str, prototype: Any) -> Any:
        """An instance function pointer cast to its ctypes prototype (``xr.PFN_...``)."""
        return ctypes.cast(xr.get_instance_proc_addr(self.instance, name), prototype)

    def path(self, text: str) -> int:
        return xr.string_to_path(self.instance, text)

    def path_text(self, path: int) -> str:
        return _text(xr.path_to_string(self.instance, path))

    def now(self) -> int:
        """The runtime's current XrTime (ns), for locating spaces outside a frame loop
        (time 0 is invalid). Needs the time-conversion extension."""
        return self._to_xr_time()

    def _time_converter(self) -> Any:
        if TIME_EXTENSION not in self.enabled:

            def unavailable() -> int:
                raise OpenXRError(
                    f"the OpenXR runtime lacks {TIME_EXTENSION}: input can only be read "
                    "inside a frame loop"
                )

            return unavailable
        if sys.platform == "win32":
            prototype = ctypes.CFUNCTYPE(
                xr.Result.ctype(),
                xr.Instance,
                ctypes.POINTER(ctypes.c_int64),
                ctypes.POINTER(xr.Time),
            )
            fn = self.proc("xrConvertWin32PerformanceCounterToTimeKHR", prototype)
            counter = ctypes.c_int64()

            def convert() -> int:
                ctypes.windll.kernel32.QueryPerformanceCounter(ctypes.byref(counter))
                return self._check_time(fn, counter)

            return convert
        # pyopenxr's convert_timespec_time_to_time_khr passes the timespec by value: call
        # the function pointer with a pointer, as the spec says
        prototype = ctypes.CFUNCTYPE(
            xr.Result.ctype(), xr.Instance, ctypes.POINTER(xr.timespec), ctypes.POINTER(xr.Time)
        )
        fn = self.proc("xrConvertTimespecTimeToTimeKHR", prototype)
        spec = xr.timespec()

        def convert_timespec() -> int:
            ns = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            spec.tv_sec, spec.tv_nsec = divmod(ns, 1_000_000_000)
            return self._check_time(fn, spec)

        return convert_timespec

    def _check_time(self, fn: Any, arg: Any) -> int:
        out = xr.Time()
        result = xr.check_result(xr.Result(fn(self.instance, ctypes.byref(arg), ctypes.byref(out))))
        if result.is_exception():
            raise OpenXRError(explain(result))
        return int(out.value)
