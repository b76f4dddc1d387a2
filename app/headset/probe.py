"""``xrjig devices --probe``: a short real headset session, the facilitator's check before
a participant arrives.

It makes an offscreen OpenGL context (Qt/GLX on a display, EGL without one), starts an
OpenXR session bound to it, runs about 60 frames in which the shared renderer draws the
bundled sample scene into each eye's swapchain, asks the runtime to end the session and
reports: the session states reached, frames ended and frames with a projection layer,
the time per eye (acquire -> draw -> release), and how much of each eye's image the scene
covered (read back from the swapchain image, so a black headset is caught here).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

#: the sample scene is put this far in front of the first head pose
SCENE_DISTANCE = 0.5


@dataclass
class ProbeReport:
    """What a probe saw; ``message`` says in one clause what happened (why, when not ``ok``)."""

    ok: bool
    message: str
    #: False when there is no runtime to probe (not installed, or its service not running)
    available: bool = True
    runtime: str = ""
    system: str = ""
    graphics: str = ""
    gl_renderer: str = ""
    blend_mode: str = ""
    swapchain_format: str = ""
    eye_sizes: list[tuple[int, int]] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    frames: int = 0
    frames_submitted: int = 0
    #: per eye: {"median_ms", "p95_ms"} of acquire -> draw -> release
    eye_ms: list[dict[str, float]] = field(default_factory=list)
    #: median wall time between frames (the runtime's pacing plus our work)
    frame_interval_ms: float = 0.0
    #: per eye: share of the swapchain image the scene covered in a check frame
    scene_coverage: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.asarray(samples) * 1e3
    return {
        "median_ms": round(float(np.median(ms)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
    }


def run_probe(frames: int = 60, timeout: float = 30.0) -> ProbeReport:
    """Run the probe (see module docstring). Never raises for runtime trouble: the report
    says what went wrong in one sentence."""
    from app.display.application import DisplayUnavailable
    from app.display.offscreen import offscreen_context

    try:
        context = offscreen_context()  # before OpenXR: EGL must be chosen before PyOpenGL loads
    except DisplayUnavailable as err:
        return ProbeReport(False, f"no OpenGL context to render the headset view with: {err}")
    try:
        return _probe_with_context(frames, timeout)
    finally:
        context.close()


def _probe_with_context(frames: int, timeout: float) -> ProbeReport:
    from OpenGL import GL

    from devices.openxr import binding
    from devices.openxr.runtime import OpenXRError, XrRuntime, explain

    report = ProbeReport(False, "")
    report.gl_renderer = (GL.glGetString(GL.GL_RENDERER) or b"").decode(errors="replace")
    try:
        report.graphics = binding.current_kind()
        try:
            runtime = XrRuntime(binding.needed_extensions())
        except OpenXRError as err:
            report.available, report.message = False, str(err)
            return report
        with runtime:
            report.runtime = f"{runtime.info.runtime_name} {runtime.info.runtime_version}"
            report.system = runtime.info.system_name
            _run_session(runtime, report, frames, timeout)
    except (OpenXRError, binding.BindingUnavailable) as err:
        report.message = str(err)
    except Exception as err:  # noqa: BLE001 - any runtime failure is one sentence in the report
        report.message = explain(err)
    return report


def _run_session(runtime: Any, report: ProbeReport, frames: int, timeout: float) -> None:
    import xr

    from devices.openxr import binding
    from devices.openxr.frame_loop import FrameLoop
    from devices.openxr.lifecycle import SessionEvents, SessionState

    graphics = binding.graphics_binding(runtime.instance, runtime.system_id, runtime.enabled)
    session = runtime.create_session(graphics.pointer)
    space = xr.create_reference_space(
        session, xr.ReferenceSpaceCreateInfo(reference_space_type=xr.ReferenceSpaceType.LOCAL)
    )
    events = SessionEvents(runtime.instance, session)
    loop = FrameLoop(runtime.instance, runtime.system_id, session, space)
    report.blend_mode = loop.blend_mode.name
    report.swapchain_format = hex(loop.color_format)
    report.eye_sizes = [(c.width, c.height) for c in loop.swapchains]
    checker = _SceneCheck(frames)
    eye_seconds: list[list[float]] = [[] for _ in loop.swapchains]
    starts: list[float] = []
    deadline = time.monotonic() + timeout
    try:
        while not events.lifecycle.over and time.monotonic() < deadline:
            events.pump()
            if not events.lifecycle.frame_loop_allowed:
                time.sleep(0.005)
                continue
            starts.append(time.perf_counter())
            result = loop.frame(checker)
            report.frames += 1
            if result.submitted_layer:
                report.frames_submitted += 1
                for i, seconds in enumerate(result.eye_seconds):
                    eye_seconds[i].append(seconds)
            if report.frames == frames:
                xr.request_exit_session(session)
    finally:
        loop.close()
        checker.release()
        xr.destroy_space(space)
    report.states = events.lifecycle.states_reached()
    report.eye_ms = [_percentiles(s) for s in eye_seconds if s]
    report.frame_interval_ms = (
        round(float(np.median(np.diff(starts))) * 1e3, 3) if len(starts) > 1 else 0.0
    )
    report.scene_coverage = checker.coverage
    focused = SessionState.FOCUSED.name in report.states
    if events.lifecycle.lost:
        report.message = events.lifecycle.lost
    elif not focused:
        report.message = (
            f"the headset session never reached FOCUSED (it reached {' -> '.join(report.states)})"
        )
    elif report.frames_submitted == 0:
        report.message = "the runtime never asked for a frame to be drawn"
    elif not report.scene_coverage or min(report.scene_coverage) == 0.0:
        report.message = "frames were submitted but the scene did not appear in the headset images"
    else:
        report.ok = True
        report.message = (
            f"headset session ran: {report.frames_submitted} frames drawn and submitted"
        )


class _SceneCheck:
    """The probe's render callback: the sample scene, placed in front of the head at the
    first frame; in the last frames before exit it draws on a transparent background
    without the grid and reads the image back, so coverage counts scene pixels only."""

    def __init__(self, frames: int) -> None:
        from app.headset.eyes import EyeRenderer
        from scenes.loader import load_scene
        from scenes.samples import SAMPLE_SCENE
        from views.renderer import Renderer

        self.scene = load_scene(SAMPLE_SCENE)
        self.eyes = EyeRenderer(Renderer())
        self.eyes.renderer.set_scene(self.scene)
        #: the frame (counted from 0) whose images are read back
        self.check_frame = max(frames - 3, 0)
        self.frame = -1
        self.coverage: list[float] = []

    def __call__(self, eye: Any) -> None:
        from app.headset.eyes import scene_in_front
        from scenes.transforms import pose_to_matrix
        from views.gl_util import read_framebuffer

        if eye.index == 0:
            self.frame += 1
        if self.frame == 0 and eye.index == 0:
            self.eyes.world_from_space = scene_in_front(
                self.scene.bounds, pose_to_matrix(eye.pose), SCENE_DISTANCE
            )
        checking = self.frame == self.check_frame
        self.eyes.passthrough = checking
        self.eyes(eye)
        if checking:
            alpha = read_framebuffer(eye.framebuffer, eye.width, eye.height)[:, :, 3]
            self.coverage.append(round(float((alpha > 0).mean()), 4))

    def release(self) -> None:
        self.eyes.renderer.release()
