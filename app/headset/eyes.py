"""The headset's eyes drawn by the shared renderer: the render callback the OpenXR frame
loop is given (devices never import views, so app joins the two: ``app.headset.device``
hands it to the headset device).

Each eye arrives as a pose in the session's reference space and four FOV half-angles;
``world_from_space`` places that space in the scene (the same placement the OpenXR device
uses for head and hands, so what the participant sees is where their hands act). The
projection is the eye's own asymmetric frustum (views.camera.fov_projection).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from devices.openxr.frame_loop import EyeView
from scenes.transforms import pose_to_matrix
from views.camera import fov_projection
from views.render_state import RenderState
from views.renderer import Renderer

#: clip planes in metres: hands reach 5 cm from the eyes, a factory hall is under 100 m
NEAR, FAR = 0.05, 100.0


def scene_in_front(
    bounds: np.ndarray | None, head: np.ndarray, distance: float = 0.6
) -> np.ndarray:
    """(4, 4) world_from_space that puts the centre of (2, 3) scene ``bounds`` ``distance``
    metres ahead of the (4, 4) head pose (level, ignoring pitch), at the head's height
    minus 0.3 m: where a part on a workbench would be. Used when nothing better is known."""
    forward = -head[:3, 2].copy()
    forward[1] = 0.0
    norm = np.linalg.norm(forward)
    forward = forward / norm if norm > 1e-6 else np.array([0.0, 0.0, -1.0])
    spot = head[:3, 3] + forward * distance + np.array([0.0, -0.3, 0.0])
    centre = (bounds[0] + bounds[1]) / 2.0 if bounds is not None else np.zeros(3)
    space_from_world = np.eye(4)
    space_from_world[:3, 3] = spot - centre
    return np.linalg.inv(space_from_world)


class EyeRenderer:
    """Callable ``(EyeView) -> None`` for FrameLoop.frame; set ``state`` every frame.

    ``passthrough``: the runtime blends our image over the real world (AR), so the
    background is cleared to transparent and the floor grid is left out.
    """

    def __init__(
        self,
        renderer: Renderer,
        world_from_space: np.ndarray | None = None,
        passthrough: bool = False,
    ) -> None:
        self.renderer = renderer
        self.world_from_space = np.eye(4) if world_from_space is None else world_from_space
        self.passthrough = passthrough
        self.state = RenderState()

    def set_scene(self, scene: Any) -> None:
        """Draw ``scene`` from now on; uploads it unless it is the one drawn already."""
        if self.renderer.scene is not scene:
            self.renderer.set_scene(scene)

    def release(self) -> None:
        """Free the renderer's GL resources (its context current)."""
        self.renderer.release()

    def matrices(self, eye: EyeView) -> tuple[np.ndarray, np.ndarray]:
        """(view, projection) of one eye: world -> eye and eye -> clip."""
        world_from_eye = self.world_from_space @ pose_to_matrix(eye.pose)
        return np.linalg.inv(world_from_eye), fov_projection(*eye.fov, NEAR, FAR)

    def __call__(self, eye: EyeView) -> None:
        view, proj = self.matrices(eye)
        state = self.state
        if self.passthrough:
            state = replace(state, background=None, show_grid=False)
        self.renderer.draw(view, proj, (0, 0, eye.width, eye.height), eye.framebuffer, state)
