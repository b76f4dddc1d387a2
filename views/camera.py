"""Desktop camera math: orbit and fly navigation, projection, framing and picking rays.

Pure NumPy so it can be tested without a GL context and reused by the render CLI.
Conventions follow scenes.model: metres, Y-up, right-handed, column vectors; the
camera looks along its local -Z (OpenGL's eye space).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from scenes.transforms import look_at

#: named view -> direction from the target towards the eye (Y-up world)
NAMED_VIEWS: dict[str, tuple[float, float, float]] = {
    "iso": (1.0, 0.8, 1.2),
    "front": (0.0, 0.0, 1.0),
    "back": (0.0, 0.0, -1.0),
    "left": (-1.0, 0.0, 0.0),
    "right": (1.0, 0.0, 0.0),
    "top": (0.0, 1.0, 0.0),
    "bottom": (0.0, -1.0, 0.0),
}

_PITCH_LIMIT = math.radians(89.0)
_FRAME_MARGIN = 1.08  # framed scenes keep this much air around them


def perspective(fov_y: float, aspect: float, near: float, far: float) -> np.ndarray:
    """(4, 4) OpenGL projection (clip z in [-w, w]) for a vertical field of view in radians."""
    f = 1.0 / math.tan(fov_y / 2.0)
    m = np.zeros((4, 4))
    m[0, 0] = f / aspect
    m[1, 1] = f
    m[2, 2] = (far + near) / (near - far)
    m[2, 3] = 2.0 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


def fov_projection(
    angle_left: float, angle_right: float, angle_up: float, angle_down: float, near: float, far: float
) -> np.ndarray:
    """(4, 4) OpenGL projection for an asymmetric frustum given as four half-angles in
    radians, the way OpenXR describes each eye (``XrFovf``: left and down are negative
    for a frustum around the view axis). Clip z in [-w, w], like ``perspective``."""
    left, right = math.tan(angle_left), math.tan(angle_right)
    down, up = math.tan(angle_down), math.tan(angle_up)
    width, height = right - left, up - down
    m = np.zeros((4, 4))
    m[0, 0] = 2.0 / width
    m[0, 2] = (right + left) / width
    m[1, 1] = 2.0 / height
    m[1, 2] = (up + down) / height
    m[2, 2] = (far + near) / (near - far)
    m[2, 3] = 2.0 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


def project_points(points: np.ndarray, view: np.ndarray, proj: np.ndarray, width: int, height: int) -> np.ndarray:
    """(n, 3) world points -> (n, 3) window coordinates (x right, y down, z depth in [0, 1])."""
    homo = np.c_[points, np.ones(len(points))] @ (proj @ view).T
    ndc = homo[:, :3] / homo[:, 3:4]
    return np.c_[(ndc[:, 0] + 1) * 0.5 * width, (1 - ndc[:, 1]) * 0.5 * height, (ndc[:, 2] + 1) * 0.5]


@dataclass
class Camera:
    """An orbit camera (target, distance, yaw, pitch) that can also fly.

    Orbit and fly share one state: flying moves the target along with the eye, so
    switching modes never jumps the picture.
    """

    target: np.ndarray = field(default_factory=lambda: np.zeros(3))
    distance: float = 3.0
    yaw: float = math.radians(40.0)  # about +Y, 0 = looking along -Z
    pitch: float = math.radians(-25.0)  # negative = looking down
    fov_y: float = math.radians(45.0)
    #: radius of the scene being looked at; sets clip planes and speeds
    scene_radius: float = 1.0

    # -- matrices -------------------------------------------------------------------
    def forward(self) -> np.ndarray:
        cp = math.cos(self.pitch)
        return np.array([-math.sin(self.yaw) * cp, math.sin(self.pitch), -math.cos(self.yaw) * cp])

    def eye(self) -> np.ndarray:
        return self.target - self.forward() * self.distance

    def camera_to_world(self) -> np.ndarray:
        return look_at(self.eye(), self.target)

    def view_matrix(self) -> np.ndarray:
        """(4, 4) world -> eye."""
        return np.linalg.inv(self.camera_to_world())

    def clip_planes(self) -> tuple[float, float]:
        """Near/far planes that hold the scene and the grid around it at this distance."""
        r = max(self.scene_radius, 1e-6)
        far = self.distance + 20.0 * r
        near = max(min(self.distance - 2.0 * r, self.distance * 0.5), r * 1e-3, far * 1e-5)
        return near, far

    def projection_matrix(self, aspect: float) -> np.ndarray:
        near, far = self.clip_planes()
        return perspective(self.fov_y, aspect, near, far)

    # -- navigation -------------------------------------------------------------------
    def orbit(self, d_yaw: float, d_pitch: float) -> None:
        """Turn the eye around the target (radians)."""
        self.yaw += d_yaw
        self.pitch = float(np.clip(self.pitch + d_pitch, -_PITCH_LIMIT, _PITCH_LIMIT))

    def look(self, d_yaw: float, d_pitch: float) -> None:
        """Turn the view direction around the eye (fly mode's mouse look)."""
        eye = self.eye()
        self.orbit(d_yaw, d_pitch)
        self.target = eye + self.forward() * self.distance

    def pan(self, dx: float, dy: float, viewport_height: int) -> None:
        """Slide target and eye by a mouse delta in pixels, so the point under the
        target follows the cursor."""
        world_per_pixel = 2.0 * self.distance * math.tan(self.fov_y / 2.0) / max(viewport_height, 1)
        c2w = self.camera_to_world()
        self.target = self.target + (-dx * c2w[:3, 0] + dy * c2w[:3, 1]) * world_per_pixel

    def zoom(self, steps: float) -> None:
        """Dolly towards the target; one wheel notch (steps = 1) is 15 % closer."""
        self.distance = float(np.clip(self.distance * 0.85**steps, self.scene_radius * 1e-3, self.scene_radius * 1e3))

    def fly(self, move: np.ndarray, seconds: float, speed_factor: float = 1.0) -> None:
        """Move eye and target by (right, up, back) units; speed scales with the scene."""
        c2w = self.camera_to_world()
        direction = c2w[:3, :3] @ np.asarray(move, dtype=np.float64)
        self.target = self.target + direction * self.scene_radius * 0.6 * seconds * speed_factor

    # -- framing and picking --------------------------------------------------------------
    def frame(self, bounds: np.ndarray | None, aspect: float, view: str | None = None) -> None:
        """Look at (2, 3) world bounds (from a named view if given) from the nearest
        distance that keeps the whole box in the picture."""
        if view is not None:
            d = np.asarray(NAMED_VIEWS[view], dtype=np.float64)
            d /= np.linalg.norm(d)
            self.pitch = float(np.clip(-math.asin(d[1]), -_PITCH_LIMIT, _PITCH_LIMIT))
            self.yaw = math.atan2(d[0], d[2]) if abs(d[1]) < 0.999 else 0.0
        if bounds is None:
            self.target, self.scene_radius, self.distance = np.zeros(3), 1.0, 3.0
            return
        self.target = (bounds[0] + bounds[1]) / 2.0
        self.scene_radius = max(float(np.linalg.norm(bounds[1] - bounds[0])) / 2.0, 1e-6)
        # the smallest distance at which every corner of the box is inside the frustum
        tan_y = math.tan(self.fov_y / 2.0) / _FRAME_MARGIN
        tan_x = tan_y * aspect
        corners = np.array([[bounds[i][0], bounds[j][1], bounds[k][2]] for i in (0, 1) for j in (0, 1) for k in (0, 1)])
        rot = self.camera_to_world()[:3, :3]
        local = (corners - self.target) @ rot  # camera axes: x right, y up, z back
        needed = local[:, 2] + np.maximum(np.abs(local[:, 0]) / tan_x, np.abs(local[:, 1]) / tan_y)
        self.distance = max(float(needed.max()), self.scene_radius * 0.1)

    def ray(self, x: float, y: float, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        """World ray (origin, unit direction) through window pixel (x right, y down)."""
        aspect = width / max(height, 1)
        t = math.tan(self.fov_y / 2.0)
        ndc_x = 2.0 * x / width - 1.0
        ndc_y = 1.0 - 2.0 * y / height
        local = np.array([ndc_x * t * aspect, ndc_y * t, -1.0])
        c2w = self.camera_to_world()
        d = c2w[:3, :3] @ local
        return c2w[:3, 3].copy(), d / np.linalg.norm(d)
