"""The headset frame: xrWaitFrame -> simulate -> xrBeginFrame -> draw each eye into its
swapchain -> xrEndFrame with one projection layer.

The loop does not know what it draws: ``render_eye(view)`` is given the eye's pose, field
of view and a framebuffer, and the app hands in a callback that runs the shared renderer
(devices never import views). ``on_time(predicted_display_time)`` runs between wait and
begin, the place the spec leaves for simulation, so the engine ticks at the time the frame
will be seen.

A frame is ended even when nothing is drawn (not VISIBLE, ``should_render`` false, or no
valid view pose): the spec requires every xrBeginFrame to be closed by xrEndFrame, and
the runtime paces the app through xrWaitFrame only while frames keep coming.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import xr

from devices.openxr.swapchains import (
    EyeSwapchain,
    choose_color_format,
    create_eye_swapchains,
    destroy_eye_swapchains,
)

_VALID_POSE = xr.ViewStateFlags.POSITION_VALID_BIT | xr.ViewStateFlags.ORIENTATION_VALID_BIT


@dataclass
class EyeView:
    """What one eye sees this frame, in the session's reference space.

    pose        : (7,) ``[px, py, pz, qx, qy, qz, qw]`` eye -> reference space (metres)
    fov         : (left, right, up, down) half-angles in radians (XrFovf; left/down < 0)
    framebuffer : FBO bound to this frame's swapchain image, width x height pixels
    """

    index: int
    pose: np.ndarray
    fov: tuple[float, float, float, float]
    width: int
    height: int
    framebuffer: int


@dataclass
class FrameResult:
    """What one pass through the loop did."""

    #: XrTime (nanoseconds) the frame is predicted to be displayed at
    predicted_display_time: int
    #: whether a projection layer was submitted (else an empty frame was ended)
    submitted_layer: bool
    #: seconds from acquiring to releasing each eye's image (drawing included)
    eye_seconds: list[float] = field(default_factory=list)


def choose_blend_mode(
    offered: list[xr.EnvironmentBlendMode], passthrough: bool
) -> xr.EnvironmentBlendMode:
    """Opaque for VR; for an AR scenario alpha-blend (passthrough video) or additive (optical
    see-through) when the device offers it. Falls back to what the runtime lists first."""
    wanted = [xr.EnvironmentBlendMode.OPAQUE]
    if passthrough:
        wanted = [xr.EnvironmentBlendMode.ALPHA_BLEND, xr.EnvironmentBlendMode.ADDITIVE, *wanted]
    for mode in wanted:
        if mode in offered:
            return mode
    return offered[0]


def _pose_array(pose: xr.Posef) -> np.ndarray:
    p, q = pose.position, pose.orientation
    return np.array([p.x, p.y, p.z, q.x, q.y, q.z, q.w])


class FrameLoop:
    """Swapchains for the views of one running session, and the per-frame calls.

    Create it with the session's GL context current (it makes the swapchain FBOs) and call
    ``frame`` only while the session is running (between xrBeginSession and xrEndSession).
    ``space`` may be replaced between frames (a recentred floor space).
    """

    def __init__(
        self,
        instance: xr.Instance,
        system: xr.SystemId,
        session: xr.Session,
        space: xr.Space,
        passthrough: bool = False,
        view_configuration: xr.ViewConfigurationType = xr.ViewConfigurationType.PRIMARY_STEREO,
    ) -> None:
        self.session, self.space, self.view_configuration = session, space, view_configuration
        views = xr.enumerate_view_configuration_views(instance, system, view_configuration)
        self.color_format = choose_color_format(list(xr.enumerate_swapchain_formats(session)))
        self.swapchains: list[EyeSwapchain] = create_eye_swapchains(
            session, list(views), self.color_format
        )
        self.blend_modes = list(
            xr.enumerate_environment_blend_modes(instance, system, view_configuration)
        )
        count = len(self.swapchains)
        self._projection_views = (xr.CompositionLayerProjectionView * count)(
            *(xr.CompositionLayerProjectionView() for _ in range(count))
        )
        self._layer = xr.CompositionLayerProjection(space=space, views=self._projection_views)
        self.set_passthrough(passthrough)

    def set_passthrough(self, on: bool) -> None:
        """AR (``on``: see-through where the headset offers it) or VR, from the next frame
        on: the blend mode is given with every xrEndFrame, so a scenario change needs no
        new session."""
        self.blend_mode = choose_blend_mode(self.blend_modes, on)
        # with alpha blending the runtime must read the image's alpha (the AR background is clear)
        alpha = self.blend_mode == xr.EnvironmentBlendMode.ALPHA_BLEND
        self._layer.layer_flags = (
            xr.CompositionLayerFlags.BLEND_TEXTURE_SOURCE_ALPHA_BIT
            if alpha
            else xr.CompositionLayerFlags.NONE
        )

    def frame(
        self, render_eye: Callable[[EyeView], None], on_time: Callable[[int], None] | None = None
    ) -> FrameResult:
        """One frame: wait (the runtime paces us here), simulate, draw the eyes, submit."""
        state = xr.wait_frame(self.session, xr.FrameWaitInfo())
        self._layer.space = self.space  # the caller may have replaced it (recentre)
        if on_time is not None:
            on_time(state.predicted_display_time)
        xr.begin_frame(self.session, xr.FrameBeginInfo())
        result = FrameResult(state.predicted_display_time, False)
        layers = []
        try:
            if state.should_render and self._draw_eyes(
                state.predicted_display_time, render_eye, result
            ):
                layers.append(ctypes.byref(self._layer))
                result.submitted_layer = True
        finally:
            xr.end_frame(
                self.session,
                xr.FrameEndInfo(
                    display_time=state.predicted_display_time,
                    environment_blend_mode=self.blend_mode,
                    layers=layers,
                ),
            )
        return result

    def _draw_eyes(
        self, display_time: int, render_eye: Callable[[EyeView], None], result: FrameResult
    ) -> bool:
        view_state, views = xr.locate_views(
            self.session,
            xr.ViewLocateInfo(
                view_configuration_type=self.view_configuration,
                display_time=display_time,
                space=self.space,
            ),
        )
        if view_state.view_state_flags & _VALID_POSE != _VALID_POSE:
            return False  # tracking lost: submit no layer rather than a wrong picture
        for i, (view, chain) in enumerate(zip(views, self.swapchains, strict=True)):
            started = time.perf_counter()
            image = xr.acquire_swapchain_image(chain.handle, xr.SwapchainImageAcquireInfo())
            xr.wait_swapchain_image(
                chain.handle, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION)
            )
            try:
                fov = (
                    view.fov.angle_left,
                    view.fov.angle_right,
                    view.fov.angle_up,
                    view.fov.angle_down,
                )
                render_eye(
                    EyeView(
                        i,
                        _pose_array(view.pose),
                        fov,
                        chain.width,
                        chain.height,
                        chain.framebuffer(image),
                    )
                )
            finally:
                xr.release_swapchain_image(chain.handle, xr.SwapchainImageReleaseInfo())
            result.eye_seconds.append(time.perf_counter() - started)
            target = self._projection_views[i]
            target.pose, target.fov = view.pose, view.fov
            target.sub_image.swapchain = chain.handle
            target.sub_image.image_rect.offset[:] = [0, 0]
            target.sub_image.image_rect.extent[:] = [chain.width, chain.height]
        return True

    def close(self) -> None:
        """Free the swapchains (GL context current; before the session is destroyed)."""
        destroy_eye_swapchains(self.swapchains)
